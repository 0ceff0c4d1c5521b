"""What the pages and the API read of the data-quality findings, scoped by the actor: a place outside the actor's
answers 404 like one that does not exist, and a line department (which sees no households by place) sees none."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import ColumnElement, Select, and_, case, false, func, or_, select
from sqlalchemy.orm import Session

from engine.assignment import Actor
from engine.errors import InvalidData
from engine.paging import Key, Page, Window, page
from engine.plans import planned_for_values
from engine.scope import below
from monitoring.models import Place
from monitoring.places import place_in_scope
from monitoring.quality.catalogue import CHECKS, Severity
from monitoring.quality.models import QualityFinding
from monitoring.statistics import _per_area

STATUSES = {"open": "未整改", "resolved": "已整改", "all": "全部"}
FINDING_ORDER = (Key(QualityFinding.place_path), Key(QualityFinding.id))  # village by village, oldest first
RECENTLY_CLOSED = 10  # the closed findings a household's page lists after its open ones


class RuleCount(NamedTuple):
    rule: str
    severity: str
    open: int


class PlaceCount(NamedTuple):
    """Open findings of one child place (or the place itself) by severity."""

    code: str
    name: str
    errors: int
    warnings: int


def is_open() -> ColumnElement[bool]:
    return QualityFinding.resolved_at.is_(None)


def _place(session: Session, actor: Actor, place_code: str | None) -> Place | None:
    """The place asked for (the actor's own when none): 404 outside the actor's scope; None for an actor that
    sees no households by place."""
    if place_code is None:
        if not actor.place_scope:
            return None
        return session.execute(select(Place).where(Place.path == actor.place_path)).scalar_one()
    return place_in_scope(session, actor, place_code)


def read_filters(rule: str | None, status: str) -> None:
    """Refuse a rule the catalogue does not hold and a status other than open/resolved/all, by field."""
    fields = {}
    if rule is not None and rule not in CHECKS:
        fields["rule"] = "无此检查规则"
    if status not in STATUSES:
        fields["status"] = "应为 " + "/".join(STATUSES)
    if fields:
        raise InvalidData("筛选条件有误", fields)


def findings_in_view(session: Session, actor: Actor, place_code: str | None, rule: str | None,
                     status: str) -> Select[tuple[QualityFinding]]:
    """The findings of the place and below (unordered), of one rule and status if asked."""
    read_filters(rule, status)
    place = _place(session, actor, place_code)
    query = select(QualityFinding).where(below(QualityFinding.place_path, place.path) if place else false())
    if rule is not None:
        query = query.where(QualityFinding.rule == rule)
    if status == "open":
        query = query.where(is_open())
    elif status == "resolved":
        query = query.where(QualityFinding.resolved_at.is_not(None))
    return query


def findings_page(session: Session, actor: Actor, place_code: str | None, rule: str | None, status: str,
                  window: Window) -> Page[QualityFinding]:
    """One page of the findings list, village by village."""
    return page(session, findings_in_view(session, actor, place_code, rule, status), FINDING_ORDER, window)


def counts_by_rule(session: Session, actor: Actor, place_code: str | None) -> list[RuleCount]:
    """Open findings of the place and below per rule, in the order of the codes (rules with none left out)."""
    place = _place(session, actor, place_code)
    return rule_counts(session, place) if place else []


def rule_counts(session: Session, place: Place, at: datetime | None = None) -> list[RuleCount]:
    """Open findings of a place the caller has already checked (the quarterly bulletin's) per rule: open now, or
    ``at`` a past moment (found by then and not closed before it: a past quarter's end)."""
    opened = is_open() if at is None else and_(
        QualityFinding.found_at <= at, or_(is_open(), QualityFinding.resolved_at > at))
    rows = session.execute(
        select(QualityFinding.rule, QualityFinding.severity, func.count())
        .where(opened, below(QualityFinding.place_path, place.path))
        .group_by(QualityFinding.rule, QualityFinding.severity).order_by(QualityFinding.rule))
    return [RuleCount(*row) for row in rows]


@planned_for_values
def counts_by_place(session: Session, actor: Actor, place_code: str | None) -> list[PlaceCount]:
    """Open errors and warnings per child place of the place (zeros included), as the dashboard counts per area."""
    place = _place(session, actor, place_code)
    if place is None:
        return []
    rows = _per_area(session, place, QualityFinding, QualityFinding.place_path, is_open(),
                     func.count(case((QualityFinding.severity == Severity.ERROR, 1))),
                     func.count(case((QualityFinding.severity == Severity.WARNING, 1))))
    return [PlaceCount(*row) for row in rows]


def household_findings(session: Session, household_id: int) -> list[QualityFinding]:
    """A household's open findings (by rule), then its most recently closed ones; the caller has checked that the
    actor sees the household."""
    mine = select(QualityFinding).where(QualityFinding.household_id == household_id)
    opened = session.execute(mine.where(is_open()).order_by(QualityFinding.rule, QualityFinding.id)).scalars()
    closed = session.execute(mine.where(QualityFinding.resolved_at.is_not(None))
                             .order_by(QualityFinding.resolved_at.desc(), QualityFinding.id.desc())
                             .limit(RECENTLY_CLOSED)).scalars()
    return [*opened, *closed]

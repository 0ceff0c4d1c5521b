"""The quarterly bulletin's headcounts: monitoring objects by area and type, in households and persons, and the
quarter's natural changes by kind — each one GROUP BY over the place's subtree (an index range), no workflow loaded.

Which households a figure counts is ``statistics.household_condition`` (the status history), the same condition
the household list a number links to applies; this module only adds the breakdown by area and type and the persons.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Integer, and_, cast, exists, func, or_, select
from sqlalchemy.orm import Session

from engine.scope import below
from monitoring import statistics
from monitoring.change_models import KIND_NAMES, ChangeKind, HouseholdChange
from monitoring.models import Household, Member, Place
from monitoring.quarters import Quarter


@dataclass(frozen=True)
class Headcount:
    """Households and the persons living in them."""

    households: int = 0
    persons: int = 0

    def __add__(self, other: Headcount) -> Headcount:
        return Headcount(self.households + other.households, self.persons + other.persons)


ByAreaAndType = dict[tuple[str, str | None], Headcount]


ARRIVALS = (ChangeKind.BIRTH, ChangeKind.MARRY_IN, ChangeKind.MOVE_IN)


def present_on(day: date) -> Any:
    """Members who lived in their household at the end of ``day``: not left by then (a member who left later still
    counts) and not arrived after it by a birth, marriage or moving in recorded as a natural change."""
    arrived_later = exists().where(HouseholdChange.household_id == Member.household_id,  # its index, then the member
                                   HouseholdChange.member_id == Member.id, HouseholdChange.kind.in_(ARRIVALS),
                                   HouseholdChange.occurred_on > day).correlate(Member)
    return and_(or_(Member.left_on.is_(None), Member.left_on > day), ~arrived_later)


def headcounts(session: Session, place: Place, count: str, quarter: Quarter) -> ByAreaAndType:
    """Households of ``place`` and below that ``count`` counts in ``quarter`` (``statistics.HOUSEHOLD_COUNTS``), per
    child area (``statistics.area_of``) and monitoring type, with their persons at the quarter's last day."""
    condition = statistics.household_condition(count, quarter)
    scoped = below(Household.place_path, place.path)
    persons = (select(Member.household_id, func.count(Member.id).label("persons"))
               .join(Household, Household.id == Member.household_id)
               .where(scoped, present_on(quarter.last_day))  # every household's: the condition is read once, below
               .group_by(Member.household_id).subquery())
    by_path = (select(Household.place_path.label("path"), Household.monitoring_type.label("type"),
                      func.count(Household.id).label("households"),
                      func.coalesce(func.sum(persons.c.persons), 0).label("persons"))
               .outerjoin(persons, persons.c.household_id == Household.id)
               .where(scoped, condition)
               .group_by(Household.place_path, Household.monitoring_type).subquery())
    rows = session.execute(  # each village's sums put on its child area (statistics._per_area says why)
        select(Place.code, by_path.c.type, cast(func.sum(by_path.c.households), Integer),
               cast(func.sum(by_path.c.persons), Integer))
        .select_from(by_path).join(Place, statistics.area_of(place, by_path.c.path))
        .group_by(Place.code, by_path.c.type))
    return {(code, kind): Headcount(households, people) for code, kind, households, people in rows}


def per_area(found: ByAreaAndType) -> dict[str, Headcount]:
    """The headcounts of each area, all types together."""
    summed: dict[str, Headcount] = {}
    for (area, _), heads in found.items():
        summed[area] = summed.get(area, Headcount()) + heads
    return summed


def per_type(found: ByAreaAndType) -> dict[str | None, Headcount]:
    """The headcounts of each monitoring type, all areas together."""
    summed: dict[str | None, Headcount] = {}
    for (_, kind), heads in found.items():
        summed[kind] = summed.get(kind, Headcount()) + heads
    return summed


def natural_changes(session: Session, place_path: str, quarter: Quarter) -> dict[str, int]:
    """Natural changes (人口自然变更) that occurred in the quarter, by kind, every kind listed (contract §3)."""
    rows = dict(session.execute(
        select(HouseholdChange.kind, func.count())
        .where(below(HouseholdChange.place_path, place_path),
               HouseholdChange.occurred_on >= quarter.first_day, HouseholdChange.occurred_on <= quarter.last_day)
        .group_by(HouseholdChange.kind)).all())
    return {str(kind): rows.get(kind, 0) for kind in KIND_NAMES}

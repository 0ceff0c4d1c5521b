"""The quarterly bulletin's headcounts: monitoring objects by type, in households and persons, and the quarter's
natural changes by kind — each one GROUP BY over the place's subtree (an index range), no workflow loaded.

Which households a figure counts is ``statistics.household_condition`` (the status history), the same condition
the household list a number links to applies; this module only adds the breakdown by type and the persons.
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
from monitoring.models import Household, Member
from monitoring.quarters import Quarter


@dataclass(frozen=True)
class Headcount:
    """Households and the persons living in them."""

    households: int = 0
    persons: int = 0

    def __add__(self, other: Headcount) -> Headcount:
        return Headcount(self.households + other.households, self.persons + other.persons)


ARRIVALS = (ChangeKind.BIRTH, ChangeKind.MARRY_IN, ChangeKind.MOVE_IN)


def present_on(day: date) -> Any:
    """Members who lived in their household at the end of ``day``: not left by then (a member who left later still
    counts) and not arrived after it by a birth, marriage or moving in recorded as a natural change."""
    arrived_later = exists().where(HouseholdChange.household_id == Member.household_id,  # its index, then the member
                                   HouseholdChange.member_id == Member.id, HouseholdChange.kind.in_(ARRIVALS),
                                   HouseholdChange.occurred_on > day).correlate(Member)
    return and_(or_(Member.left_on.is_(None), Member.left_on > day), ~arrived_later)


def headcounts(session: Session, place_path: str, count: str, quarter: Quarter) -> dict[str | None, Headcount]:
    """Households of the place and below that ``count`` counts in ``quarter`` (``statistics.HOUSEHOLD_COUNTS``), by
    monitoring type, with their persons at the quarter's last day: the counted households first, then only their
    members (a region's other million households' members are never read)."""
    counted = (select(Household.id, Household.monitoring_type)
               .where(below(Household.place_path, place_path),
                      statistics.household_condition(count, quarter, place_path))
               .subquery())
    each = (select(counted.c.monitoring_type, func.count(Member.id).label("persons"))
            .select_from(counted)
            .outerjoin(Member, and_(Member.household_id == counted.c.id, present_on(quarter.last_day)))
            .group_by(counted.c.id, counted.c.monitoring_type).subquery())
    rows = session.execute(select(each.c.monitoring_type, func.count(), cast(func.sum(each.c.persons), Integer))
                           .group_by(each.c.monitoring_type))
    return {kind: Headcount(households, people) for kind, households, people in rows}


def natural_changes(session: Session, place_path: str, quarter: Quarter) -> dict[str, int]:
    """Natural changes (人口自然变更) that occurred in the quarter, by kind, every kind listed (contract §3)."""
    rows = dict(session.execute(
        select(HouseholdChange.kind, func.count())
        .where(below(HouseholdChange.place_path, place_path),
               HouseholdChange.occurred_on >= quarter.first_day, HouseholdChange.occurred_on <= quarter.last_day)
        .group_by(HouseholdChange.kind)).all())
    return {str(kind): rows.get(kind, 0) for kind in KIND_NAMES}

"""Checks on eliminated households: each with a household that trips it and one that does not, on both databases."""

from __future__ import annotations

from datetime import date

from monitoring.quality import checks  # noqa: F401  (registers the catalogue)
from monitoring.quality.catalogue import CHECKS
from tests.monitoring.quality.households import household, scope


def tripped(session, code: str) -> dict[int, dict]:
    return {trip.household_id: trip.figures for trip in CHECKS[code].find(session, scope())}


def test_q101_assisted_elimination_in_the_month_of_identification_or_the_next(session, tree):
    same_month = household(session, monitoring_status="eliminated", elimination_method="assisted",
                           monitored_since=date(2026, 3, 10), eliminated_on=date(2026, 3, 28))
    next_month = household(session, monitoring_status="eliminated", elimination_method="assisted",
                           monitored_since=date(2025, 12, 30), eliminated_on=date(2026, 1, 2))
    later = household(session, monitoring_status="eliminated", elimination_method="assisted",
                      monitored_since=date(2026, 3, 10), eliminated_on=date(2026, 5, 1))
    natural = household(session, monitoring_status="eliminated", elimination_method="natural",
                        monitored_since=date(2026, 3, 10), eliminated_on=date(2026, 3, 28))
    found = tripped(session, "Q101")
    assert set(found) == {same_month.id, next_month.id}
    assert found[next_month.id] == {"identified": "2025-12-30", "eliminated": "2026-01-02", "months": 1}
    assert later.id not in found and natural.id not in found
    message = CHECKS["Q101"].describe(next(t for t in CHECKS["Q101"].find(session, scope())
                                           if t.household_id == same_month.id))
    assert "2026-03-10" in message and "2026-03-28" in message and "相隔 0 个月" in message

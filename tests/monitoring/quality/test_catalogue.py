"""The catalogue as a whole: every check registered says what it is, where it comes from and what to fix, and has
its tests (a household that trips it and one that does not) in this folder."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from string import Formatter

from sqlalchemy import select

from monitoring.id_number import check_digit
from monitoring.models import Household
from monitoring.quality.catalogue import CHECKS, CheckScope, Severity
from tests.monitoring.quality.households import TODAY, VILLAGE, VILLAGE_PATH, household, income_line, member

HERE = Path(__file__).parent
PRIVATE = {"id_number", "phone", "bank_account", "health"}  # never a figure a message shows


def test_every_check_says_what_it_is_and_where_it_comes_from():
    assert len(CHECKS) >= 24
    for code, check in CHECKS.items():
        # Q1xx elimination, Q2xx measures, Q3xx risk types and labour, Q4xx income, Q5xx members and identity
        assert re.fullmatch(r"Q[1-5]\d\d", code) and check.code == code, code
        assert isinstance(check.severity, Severity), code
        assert check.title.strip() and check.message.strip() and check.policy.strip(), code
        assert check.fields and all(field.strip() for field in check.fields), code
        names = [name for _, name, _, _ in Formatter().parse(check.message) if name is not None]
        assert all(name.isidentifier() for name in names), (code, names)  # named figures only, no positions
        assert not PRIVATE & set(names), code


def test_every_check_has_its_tests():
    """Each test formats every trip's message from its figures (households.findings), so a check with a test here
    is one whose message formats with what its finder yields."""
    tested = {name.upper()[5:9] for path in HERE.glob("test_*_checks.py")
              for name in re.findall(r"^def (test_q\d{3})_", path.read_text(), re.MULTILINE)}
    assert set(CHECKS) <= tested, sorted(set(CHECKS) - tested)


def test_a_household_trips_a_check_alike_whatever_place_the_check_runs_over(session, tree):
    """A village's run finds of its households exactly what the nightly run finds of them: the runner closes an open
    finding its check no longer trips in the scope, so a check that saw less from a village would close what the
    region's run opened."""
    income_line(session, 6000)
    other_village = {"village_code": "150223200201",
                     "place_path": "/150000000000/150223000000/150223200000/150223200201/"}
    for place in ({}, other_village):
        household(session, member(labour_skill="lost"), member(relation="son", sex="female", born=date(1979, 1, 1),
                                                                insurance="none"),
                  monitoring_status="eliminated", elimination_method="assisted", monitored_since=date(2026, 3, 10),
                  eliminated_on=date(2026, 4, 2), risk_types=["disability"], measures=({"status": "planned"},),
                  measurement={"wage_income": 100, "unsafe_water": True}, **place)
        household(session, member(name="甲", id_number=_x_number(place)), risk_types=["illness", "labour_shortage"],
                  household_type="poverty_alleviated", measures=({"category": "social_security",
                                                                  "subtype": "subsistence_allowance",
                                                                  "status": "in_progress"},),
                  measurement={"wage_income": 0}, **place)
        household(session, member(id_number=_x_number(other_village if not place else {}).lower()),
                  monitoring_status="not_monitored",
                  household_type="poverty_alleviated", risk_types=[], measurement={"wage_income": 50}, **place)
    everywhere = {code: set(_trips(session, code, "/")) for code in CHECKS}
    village = {code: set(_trips(session, code, VILLAGE_PATH)) for code in CHECKS}
    assert len([code for code, trips in everywhere.items() if trips]) >= 12  # half the checks trip in each village
    in_village = set(session.execute(select(Household.id).where(Household.village_code == VILLAGE)).scalars())
    for code in CHECKS:
        assert village[code] == {trip for trip in everywhere[code] if trip[0] in in_village}, code


def _x_number(place: dict) -> str:
    """A valid number ending in X per village (the second village's a day later); each village holds the other's
    in lower case, so Q502's duplicates lie across villages."""
    day = 16 if place else 15
    for sequence in range(1000):
        first17 = f"1502231975061{day - 10}{sequence:03d}"
        if check_digit(first17) == "X":
            return first17 + "X"
    raise AssertionError("no sequence gives X")


def _trips(session, code: str, place_path: str) -> list[tuple]:
    return [(trip.household_id, trip.subject, tuple(sorted(trip.figures.items())))
            for trip in CHECKS[code].find(session, CheckScope(place_path, TODAY))]

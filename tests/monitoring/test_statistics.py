"""Dashboard statistics counted in SQL, checked against a small world whose numbers are known by hand."""

from __future__ import annotations

from datetime import datetime

import pytest

from monitoring import households, statistics
from monitoring.id_number import check_digit
from monitoring.models import Household, MonitoringStatus, Place
from tests.conftest import CST
from tests.engine.steps import Steps

COUNTY, TOWNSHIP, TOWNSHIP_OTHER = "150223000000", "150223100000", "150223200000"
V1, V2, V3 = "150223100201", "150223100202", "150223200201"
MONITORED, ELIMINATED = MonitoringStatus.MONITORED, MonitoringStatus.ELIMINATED
LATER = datetime(2026, 3, 11, 10, 0, tzinfo=CST)  # Wed 11 Mar: a deadline of five working days from Mon 2 Mar passed
_serial = iter(range(100, 999))


def add_household(session, actor, village: str, status: str = MonitoringStatus.NOT_MONITORED,
                  monitoring_type: str | None = None, risks: tuple[str, ...] = ()) -> Household:
    first17 = f"15022319800101{next(_serial):03d}"
    household = households.create_household(session, actor, {
        "village": village, "members": [{"name": "巴特尔", "id_number": first17 + check_digit(first17),
                                         "relation": "head"}]}, datetime(2026, 3, 1, tzinfo=CST))
    household.monitoring_status, household.monitoring_type, household.risk_types = status, monitoring_type, \
        list(risks)
    return household


@pytest.fixture
def monitored(session, actors):
    """Township 百灵庙镇: V1 two objects and an eliminated and an ordinary household, V2 one object;
    the other township's V3 one object (outside the township's scope)."""
    county = actors["county"]
    add_household(session, county, V1, MONITORED, "marginal", ("illness", "disability"))
    add_household(session, county, V1, MONITORED, "unstable", ("illness",))
    add_household(session, county, V1, ELIMINATED, "marginal", ("illness",))
    add_household(session, county, V1)
    add_household(session, county, V2, MONITORED, "sudden", ("disaster",))
    add_household(session, county, V3, MONITORED, "marginal", ("illness", "schooling"))
    session.commit()


@pytest.fixture
def cases(engine, session, actors):
    """Four verifications due in five working days (three applied on Mon 2 Mar, one on Mon 9 Mar) and one
    visit without a deadline; ``LATER`` the first three are overdue."""
    steps = Steps(engine, session, actors["designer"])
    steps.deploy("deadline.bpmn")
    steps.deploy("approval.bpmn")
    steps.start(actors["village"], "deadline", {"applied_on": "2026-03-02"}, V1)
    steps.start(actors["village"], "deadline", {"applied_on": "2026-03-02"}, V1)
    steps.start(actors["village2"], "deadline", {"applied_on": "2026-03-09"}, V2)
    steps.start(actors["village_other"], "deadline", {"applied_on": "2026-03-02"}, V3)
    steps.start(actors["village"], "approval", {"applicant": "王某"}, V1)
    return steps


def place(session, code: str) -> Place:
    return session.get(Place, code)


def test_monitoring_objects_are_counted_by_status_type_and_risk_within_the_place(session, monitored):
    township = place(session, TOWNSHIP).path
    assert statistics.households_by_status(session, township) == {"monitored": 3, "eliminated": 1,
                                                                  "not_monitored": 1}
    assert statistics.monitored_by_type(session, township) == {"marginal": 1, "unstable": 1, "sudden": 1}
    assert statistics.monitored_by_risk(session, township) == {"illness": 2, "disability": 1, "disaster": 1}


def test_the_county_counts_both_townships(session, monitored):
    county = place(session, COUNTY).path
    assert statistics.monitored_by_type(session, county) == {"marginal": 2, "unstable": 1, "sudden": 1}
    assert statistics.monitored_by_risk(session, county) == {"illness": 3, "disability": 1, "disaster": 1,
                                                             "schooling": 1}


def test_monitoring_objects_per_area_are_the_child_places_with_zeros(session, monitored):
    assert statistics.monitored_by_area(session, place(session, COUNTY)) == [
        statistics.AreaCount(TOWNSHIP, "百灵庙镇", 3), statistics.AreaCount(TOWNSHIP_OTHER, "查干哈达苏木", 1)]
    assert statistics.monitored_by_area(session, place(session, TOWNSHIP)) == [
        statistics.AreaCount(V1, "艾力嘎查", 2), statistics.AreaCount(V2, "新宝力格嘎查", 1)]
    assert statistics.monitored_by_area(session, place(session, V2)) == [statistics.AreaCount(V2, "新宝力格嘎查", 1)]


def test_an_empty_place_counts_nothing(session, tree):
    township = place(session, TOWNSHIP)
    assert statistics.monitored_by_risk(session, township.path) == {}
    assert [a.count for a in statistics.monitored_by_area(session, township)] == [0, 0]


def test_the_bulletin_counts_open_and_overdue_tasks_per_township(session, cases):
    rows = statistics.bulletin(session, place(session, COUNTY), LATER)
    assert [(r.name, r.open_tasks, r.overdue) for r in rows] == [("百灵庙镇", 4, 2), ("查干哈达苏木", 1, 1)]
    total = statistics.bulletin_total(rows, "合计")
    assert (total.open_tasks, total.overdue, total.share) == (5, 3, 0.6)
    villages = statistics.bulletin(session, place(session, TOWNSHIP), LATER)
    assert [(r.code, r.open_tasks, r.overdue) for r in villages] == [(V1, 3, 2), (V2, 1, 0)]


def test_nothing_is_overdue_before_the_deadline(session, cases):
    rows = statistics.bulletin(session, place(session, COUNTY), datetime(2026, 3, 9, 12, 0, tzinfo=CST))
    assert [r.overdue for r in rows] == [0, 0]


def test_a_case_opened_at_the_township_itself_has_its_own_line(session, cases, create_user):
    township_cadre = create_user("xiang", "village", TOWNSHIP)  # a village lane held at township level
    cases.start(township_cadre, "deadline", {"applied_on": "2026-03-02"}, TOWNSHIP)
    rows = statistics.bulletin(session, place(session, TOWNSHIP), LATER)
    assert [(r.code, r.open_tasks, r.overdue) for r in rows] == [(TOWNSHIP, 1, 1), (V1, 3, 2), (V2, 1, 0)]


def test_cases_by_step_count_each_case_once_with_its_overdue(session, cases):
    steps = statistics.cases_by_step(session, place(session, COUNTY).path, LATER)
    assert [(s.process_key, s.step, s.cases, s.overdue) for s in steps] == [
        ("approval", "visit", 1, 0), ("deadline", "verify", 4, 3)]
    assert statistics.running_cases(session, place(session, TOWNSHIP).path) == 4

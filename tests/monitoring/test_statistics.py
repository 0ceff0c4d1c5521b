"""Dashboard statistics counted in SQL, checked against a small world whose numbers are known by hand."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest
from sqlalchemy import event

from monitoring import bulletin_figures, households, places, statistics
from monitoring.id_number import check_digit
from monitoring.models import Household, MonitoringStatus, Place
from monitoring.quarters import Quarter
from monitoring.status_history import record_change
from tests.conftest import CST
from tests.engine.steps import Steps
from tests.query_plans import plans_of

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


def monitored_by_area(session, area: Place) -> list[statistics.AreaCount]:
    return statistics.households_by_status(session, area, (MONITORED,))[MONITORED]


def totals(session, area: Place, statuses=tuple(MonitoringStatus)) -> dict[str, int]:
    """Each status's households of the place: the sum of its areas'."""
    return {status: sum(a.count for a in areas)
            for status, areas in statistics.households_by_status(session, area, statuses).items()}


def test_monitoring_objects_are_counted_by_status_type_and_risk_within_the_place(session, monitored):
    assert totals(session, place(session, TOWNSHIP)) == {"monitored": 3, "eliminated": 1, "not_monitored": 1}
    township = place(session, TOWNSHIP).path
    assert statistics.monitored_by_type(session, township) == {"marginal": 1, "unstable": 1, "sudden": 1}
    assert statistics.monitored_by_risk(session, township) == {"illness": 2, "disability": 1, "disaster": 1}


def test_the_county_counts_both_townships(session, monitored):
    county = place(session, COUNTY).path
    assert statistics.monitored_by_type(session, county) == {"marginal": 2, "unstable": 1, "sudden": 1}
    assert statistics.monitored_by_risk(session, county) == {"illness": 3, "disability": 1, "disaster": 1,
                                                             "schooling": 1}


def test_monitoring_objects_per_area_are_the_child_places_with_zeros(session, monitored):
    assert monitored_by_area(session, place(session, COUNTY)) == [
        statistics.AreaCount(TOWNSHIP, "百灵庙镇", 3), statistics.AreaCount(TOWNSHIP_OTHER, "查干哈达苏木", 1)]
    assert monitored_by_area(session, place(session, TOWNSHIP)) == [
        statistics.AreaCount(V1, "艾力嘎查", 2), statistics.AreaCount(V2, "新宝力格嘎查", 1)]
    assert monitored_by_area(session, place(session, V2)) == [statistics.AreaCount(V2, "新宝力格嘎查", 1)]


def test_an_empty_place_counts_nothing(session, tree):
    township = place(session, TOWNSHIP)
    assert statistics.monitored_by_risk(session, township.path) == {}
    assert [a.count for a in monitored_by_area(session, township)] == [0, 0]


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


def test_a_regions_cases_by_step_are_read_in_step_order_from_the_ready_tasks_index(session, cases, database_url):
    """The region's open steps: the same counts as its one county's, read from ``ix_tasks_ready_steps`` (READY tasks
    alone, in step order) with no sort by step, where its range of the scope index was every READY task, sorted."""
    reads = []
    listen = lambda *args: reads.append((args[2], args[3])) if "FROM tasks" in args[2] else None  # noqa: E731
    event.listen(session.get_bind(), "before_cursor_execute", listen)
    try:
        steps = statistics.cases_by_step(session, place(session, "150000000000").path, LATER)
    finally:
        event.remove(session.get_bind(), "before_cursor_execute", listen)
    assert steps == statistics.cases_by_step(session, place(session, COUNTY).path, LATER)
    if not database_url.startswith("sqlite"):
        return  # PostgreSQL picks its own plan from its statistics
    (statement, parameters), = reads
    plan = " / ".join(row[-1] for row in session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}",
                                                                              parameters))
    assert plan.startswith("SCAN tasks USING COVERING INDEX ix_tasks_ready_steps / ") and "GROUP BY" not in plan, plan


def test_a_past_quarters_open_tasks_are_read_from_two_index_ranges(session, cases, database_url):
    """Open at a past quarter's end: READY now and created before it (the scope index), or done since (ix_tasks_done),
    each read from its index alone, where their OR made SQLite and PostgreSQL read every task of the table."""
    reads = []
    listen = lambda *args: reads.append((args[2], args[3])) if "FROM tasks" in args[2] else None  # noqa: E731
    event.listen(session.get_bind(), "before_cursor_execute", listen)
    try:
        rows = statistics.open_tasks_by_area(session, place(session, COUNTY), Quarter.parse("2026Q1"),
                                             datetime(2026, 4, 15, 9, 0, tzinfo=CST))
    finally:
        event.remove(session.get_bind(), "before_cursor_execute", listen)
    assert [(r.name, r.open_tasks, r.overdue) for r in rows] == [("百灵庙镇", 4, 3), ("查干哈达苏木", 1, 1)]
    if not database_url.startswith("sqlite"):
        return  # PostgreSQL picks its own plan from its statistics
    (statement, parameters), = reads
    plan = " / ".join(row[-1] for row in session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}",
                                                                              parameters))
    assert "COVERING INDEX ix_tasks_done (completed_at>?)" in plan, plan
    assert "COVERING INDEX ix_tasks_scope (state=? AND place_path>? AND place_path<?)" in plan, plan


def test_steps_reached_in_a_quarter_are_counted_for_every_process_in_one_read(session, cases):
    """The bulletin's cases per step: every process's steps from one pass over the place's cases and their tasks (a
    pass per process read a region's million tasks once for each deployed process)."""
    reads = []
    listen = lambda *args: reads.append(args[2]) if "FROM tasks" in args[2] else None  # noqa: E731
    event.listen(session.get_bind(), "before_cursor_execute", listen)
    try:
        found = statistics.cases_by_step_in(session, place(session, COUNTY).path, Quarter.parse("2026Q1"), LATER)
    finally:
        event.remove(session.get_bind(), "before_cursor_execute", listen)
    assert len(reads) == 1
    assert {key: {step: (s.name, s.reached, s.late) for step, s in steps.items()} for key, steps in found.items()} \
        == {"deadline": {"verify": ("材料核实", 4, 3)}, "approval": {"visit": ("入户核查", 1, 0)}}
    township = statistics.cases_by_step_in(session, place(session, TOWNSHIP_OTHER).path, Quarter.parse("2026Q1"),
                                           LATER)
    assert {key: {step: s.reached for step, s in steps.items()} for key, steps in township.items()} == {
        "deadline": {"verify": 1}}
    assert statistics.cases_by_step_in(session, place(session, COUNTY).path, Quarter.parse("2026Q2"), LATER) == {}


def test_a_quarters_steps_read_only_the_tasks_of_the_quarter(session, cases, database_url):
    """Each case of the place finds its tasks of the quarter by ``ix_tasks_instance_created``: the rows of its tasks
    of other quarters (three quarters of a region's million, a year on) are not read."""
    if not database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL picks its own plan from its statistics; SQLite's shows the index is there to use")
    reads = []
    listen = lambda *args: reads.append((args[2], args[3])) if "FROM tasks" in args[2] else None  # noqa: E731
    event.listen(session.get_bind(), "before_cursor_execute", listen)
    try:
        statistics.cases_by_step_in(session, place(session, COUNTY).path, Quarter.parse("2026Q1"), LATER)
    finally:
        event.remove(session.get_bind(), "before_cursor_execute", listen)
    (statement, parameters), = reads
    plan = " / ".join(row[-1] for row in session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}",
                                                                              parameters))
    assert "ix_tasks_instance_created (instance_id=? AND created_at>? AND created_at<?)" in plan, plan


def test_running_cases_are_counted_from_one_index_range(session, cases, database_url):
    """The dashboard's running cases of a place: the running of the place, read from an index alone (the status
    index of the timers sent SQLite to every running case's row in the region to test its place)."""
    if not database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL picks its own plan from its statistics; SQLite's shows the index is there to use")
    reads = []
    listen = lambda *args: reads.append((args[2], args[3])) if "FROM process_instances" in args[2] else None  # noqa: E731
    event.listen(session.get_bind(), "before_cursor_execute", listen)
    try:
        assert statistics.running_cases(session, place(session, TOWNSHIP).path) == 4
    finally:
        event.remove(session.get_bind(), "before_cursor_execute", listen)
    (statement, parameters), = reads
    plan = " / ".join(row[-1] for row in session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}",
                                                                              parameters))
    assert plan == "SEARCH process_instances USING COVERING INDEX ix_process_instances_running " \
                   "(status=? AND place_path>? AND place_path<?)", plan


def test_areas_are_told_apart_by_the_whole_code_whatever_its_length(session, actors, monitored):
    """A village whose code is the start of another's, and one with a short code: each counts only its own (the area
    is cut from a row's path at the next ``/``, not at a fixed width)."""
    places.add_place(session, "15022310020", "短码嘎查", TOWNSHIP, "village")
    places.add_place(session, "1502231", "七位码嘎查", TOWNSHIP, "village")
    add_household(session, actors["county"], "15022310020", MONITORED, "marginal")
    for _ in range(2):
        add_household(session, actors["county"], "1502231", MONITORED, "marginal")
    session.commit()
    assert [(a.code, a.count) for a in monitored_by_area(session, place(session, TOWNSHIP))] == [
        ("1502231", 2), ("15022310020", 1), (V1, 2), (V2, 1)]
    assert [(a.code, a.count) for a in monitored_by_area(session, place(session, COUNTY))] == [
        (TOWNSHIP, 6), (TOWNSHIP_OTHER, 1)]


def test_a_household_that_moved_counts_where_it_lives_now(session, actors, monitored):
    moved = session.query(Household).filter_by(village_code=V2).one()
    other = place(session, V3)
    moved.village_code, moved.place_path = other.code, other.path
    session.commit()
    assert [(a.code, a.count) for a in monitored_by_area(session, place(session, COUNTY))] == [
        (TOWNSHIP, 2), (TOWNSHIP_OTHER, 2)]
    assert totals(session, place(session, TOWNSHIP), (MONITORED,)) == {MONITORED: 2}


def test_the_dashboard_asks_only_the_statuses_it_shows(session, monitored):
    assert totals(session, place(session, TOWNSHIP), (MONITORED, ELIMINATED)) == {"monitored": 3, "eliminated": 1}


def test_each_status_lists_every_area_with_its_own_zeros(session, actors, monitored):
    """Counted in one pass, each status still has its own list: an area with households of one status only shows 0
    under the other, and the place's own line (households at the place itself) only under a status it counts."""
    county = actors["county"]
    add_household(session, county, V3, ELIMINATED, "marginal")
    found = add_household(session, county, V3, ELIMINATED, "marginal")
    township = place(session, TOWNSHIP_OTHER)
    found.village_code, found.place_path = township.code, township.path  # a household recorded at the township
    session.commit()
    lines = {status: [(a.code, a.count) for a in areas] for status, areas in
             statistics.households_by_status(session, township, (MONITORED, ELIMINATED)).items()}
    assert lines == {MONITORED: [(V3, 1)], ELIMINATED: [(TOWNSHIP_OTHER, 1), (V3, 1)]}
    county_lines = statistics.households_by_status(session, place(session, COUNTY), (MONITORED, ELIMINATED))
    assert [(a.code, a.count) for a in county_lines[ELIMINATED]] == [(TOWNSHIP, 1), (TOWNSHIP_OTHER, 2)]
    village = statistics.households_by_status(session, place(session, V2), (MONITORED, ELIMINATED))
    assert {status: [(a.code, a.count) for a in areas] for status, areas in village.items()} == {
        MONITORED: [(V2, 1)], ELIMINATED: [(V2, 0)]}


def test_the_bulletin_counts_a_moved_household_where_it_lives_now_by_its_history(session, actors, tree):
    """Identified in V2 in the first quarter, eliminated in the second, then moved to the other township: each quarter's
    figures follow the history and count it at its present place; an area where nothing happened counts zeros."""
    found = add_household(session, actors["county"], V2)
    session.flush()
    record_change(session, found, MONITORED, datetime(2026, 2, 1, tzinfo=CST), "qi", on=date(2026, 2, 1))
    record_change(session, found, ELIMINATED, datetime(2026, 5, 1, tzinfo=CST), "qi", on=date(2026, 5, 1))
    other = place(session, V3)
    found.village_code, found.place_path = other.code, other.path
    session.commit()
    county, first, second = place(session, COUNTY), Quarter.parse("2026Q1"), Quarter.parse("2026Q2")
    assert statistics.households_by_area(session, county, "identified", first) == {TOWNSHIP: 0, TOWNSHIP_OTHER: 1}
    assert statistics.households_by_area(session, county, "objects", first) == {TOWNSHIP: 0, TOWNSHIP_OTHER: 1}
    assert statistics.households_by_area(session, county, "objects", second) == {TOWNSHIP: 0, TOWNSHIP_OTHER: 0}
    assert statistics.households_by_area(session, county, "eliminated", second) == {TOWNSHIP: 0, TOWNSHIP_OTHER: 1}
    assert statistics.households_by_area(session, place(session, TOWNSHIP), "identified", first) == {V1: 0, V2: 0}


def test_a_top_level_places_figures_leave_out_another_top_level_places_households(session, actors, create_user):
    """A region's changes are read without the join that limits them to its households (it would keep them all, and
    read a region's million households once more); its figures still count only its own, not a neighbouring
    region's."""
    places.add_place(session, "640000000000", "宁夏回族自治区", None, "region")
    places.add_place(session, "640100000000", "银川市", "640000000000", "league")
    places.add_place(session, "640101001001", "某村", "640100000000", "village")
    neighbour = create_user("nx", "county", "640100000000")
    ours, theirs = add_household(session, actors["county"], V2), add_household(session, neighbour, "640101001001")
    session.flush()
    for household in (ours, theirs):
        record_change(session, household, MONITORED, datetime(2026, 2, 1, tzinfo=CST), "qi", on=date(2026, 2, 1))
    session.commit()
    region, first = place(session, "150000000000"), Quarter.parse("2026Q1")
    for count in ("identified", "objects"):
        assert statistics.households_by_area(session, region, count, first) == {COUNTY: 1}, count
        assert sum(h.households for h in bulletin_figures.headcounts(session, region.path, count, first).values()) == 1


def test_monitoring_objects_per_area_are_counted_from_the_status_index_alone(session, monitored):
    """A region's 100,000 monitored households per area: one range of an index on status and place, no row of the
    table read (PostgreSQL fetched every one of them for their id, 500 ms of the region's dashboard). Several indexes
    on both columns answer alone; on a table this small the planner picks any of them."""
    plan = plans_of(session, "households", lambda: monitored_by_area(session, place(session, COUNTY)))
    steps = [step.strip().removeprefix("->").strip() for step in plan.split(" / ")]
    reads = [step for step in steps if re.search(r"\bhouseholds\b(?!\.)", step) and re.search("Scan|SCAN|SEARCH", step)]
    assert reads, plan
    assert all(step.startswith("Index Only Scan using ix_households_") or "USING COVERING INDEX ix_households_" in step
               for step in reads), plan

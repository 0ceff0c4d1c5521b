"""The inbox in SQL (``engine.routing.assigned_to``) is ``Actor.may_work_on`` row for row, and each of its branches is
one range of ``ix_tasks_lane`` — not a scan of every READY task of every role in the actor's area, which SQLite
(no statistics) chose once the lane's OR stood outside the place range and another index led with the place."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select

from engine import queries
from engine.assignment import Actor
from engine.models import ProcessInstance, ProcessVersion, Task
from engine.paging import Window

AT = datetime(2026, 12, 1, 1, tzinfo=UTC)
REGION, COUNTY, OTHER_COUNTY = "/15/", "/15/1502/", "/15/1503/"
TOWNSHIP, VILLAGE, VILLAGE_2 = "/15/1502/150201/", "/15/1502/150201/15020101/", "/15/1502/150201/15020102/"
PATHS = (REGION, COUNTY, OTHER_COUNTY, TOWNSHIP, VILLAGE, VILLAGE_2, "/15/1503/150301/15030101/")
ROLES = ("village", "township", "county", "department", None)
DEPARTMENTS = (None, None, "health", "hrss")
ACTORS = [Actor("cun", "village", VILLAGE), Actor("zhen", "township", TOWNSHIP), Actor("qi", "county", COUNTY),
          Actor("meng", "county", REGION), Actor("wei", "department", COUNTY, place_scope=False, department="health"),
          Actor("ren", "department", COUNTY, department="hrss"), Actor("none", "department", COUNTY, place_scope=False)]


@pytest.fixture
def tasks(session) -> list[Task]:
    """READY and done tasks of every lane (and none), department (and none), place and placement."""
    session.execute(insert(ProcessVersion), [{"id": 1, "key": "p", "name": "流程", "version": 1, "sha256": "0" * 64,
                                             "files": {}, "forms": {}, "specs": "{}", "deployed_at": AT}])
    session.execute(insert(ProcessInstance), [{"id": 1, "version_id": 1, "process_key": "p", "place_code": "15",
                                               "place_path": REGION, "status": "running", "state": "{}",
                                               "audit_hash": "0" * 64, "created_at": AT}])
    combinations = itertools.product(ROLES, DEPARTMENTS, PATHS, (False, True), ("ready", "completed"))
    session.execute(insert(Task), [
        {"id": f"t{n:04d}", "instance_id": 1, "process_key": "p", "bpmn_id": "step", "name": "步骤", "role": role,
         "department": department, "place_code": path.strip("/").rsplit("/", 1)[-1], "place_path": path,
         "placed": placed, "state": state, "created_at": AT - timedelta(minutes=n % 7, seconds=n)}
        for n, (role, department, path, placed, state) in enumerate(combinations)])
    session.commit()
    return list(session.execute(select(Task)).scalars())


@pytest.mark.parametrize("actor", ACTORS, ids=[a.username for a in ACTORS])
def test_the_inbox_is_each_actors_work_by_the_rule_in_python_oldest_first(session, tasks, actor):
    expected = sorted((t for t in tasks if t.state == "ready" and actor.may_work_on(t)),
                      key=lambda t: (t.created_at, t.id))
    assert [t.id for t in queries.inbox(session, actor)] == [t.id for t in expected]
    pages, cursor = [], None
    while True:
        found = queries.inbox_page(session, actor, Window(cursor, 3))
        pages.append([t.id for t in found.rows])
        assert found.total == len(expected)
        if (cursor := found.next_cursor) is None:
            break
    assert [i for p in pages for i in p] == [t.id for t in expected]


def test_each_branch_of_the_inbox_is_one_index_range_on_sqlite(session, tasks, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL plans by its statistics; bench/scale.py shows its plans at size")
    # an index that leads with the place, as a dashboard's count of the area's open work wants
    # (DDL, not an Index object: one bound to the tasks table joins the models' metadata for the rest of the run)
    session.connection().exec_driver_sql("CREATE INDEX ix_test_tasks_area ON tasks (state, place_path, due_at)")
    # actors as users are: a department's user sees no place (SQLite's planner without statistics takes four
    # branches for dearer than one ``state``); one with no place and no department has no work (the WHERE is false)
    for actor in (a for a in ACTORS if a.place_scope != bool(a.department)):
        query = queries.inbox_query(actor).order_by(Task.created_at, Task.id).limit(51)
        compiled = query.compile(session.get_bind())  # with its parameters bound, as an export runs it
        plan = [row[-1] for row in session.connection().exec_driver_sql(
            f"EXPLAIN QUERY PLAN {compiled}", tuple(compiled.params[name] for name in compiled.positiontup))]
        searches = [step for step in plan if step.startswith(("SEARCH", "SCAN"))]
        assert searches and all(step.startswith("SEARCH tasks USING INDEX ix_tasks_lane (role=? AND "
                                                "department=? AND state=? AND place_path>? AND place_path<?)")
                                for step in searches), (actor.username, plan)

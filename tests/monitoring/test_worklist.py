"""The inbox page's counts (``monitoring.worklist.inbox``): one grouped read of the actor's READY tasks, every count,
chip and choice summed from its groups in Python — each must be what counting the tasks one by one under the same
filters gives. On SQLite the counts and the page's keys are read from ``ix_tasks_lane`` alone (issue 14: a county's
page read its 1,500 task rows from the table three times, 25 ms of its 40)."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, insert, select
from sqlalchemy.exc import StatementError

from engine import queries
from engine.models import ProcessInstance, ProcessVersion, Task
from engine.paging import Window
from engine.routing import lane_shape
from monitoring import worklist
from monitoring.models import Place

NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)
VILLAGES = ("150223100201", "150223100202", "150223200201")
TOWNSHIPS = ("150223100000", "150223200000")
DUES = (None, NOW - timedelta(days=1), NOW + timedelta(days=1), NOW + timedelta(days=5))
# two processes may name a step alike: each keeps its own chip and name
STEPS = (("p", "visit", "走访排查"), ("p", "appraisal", "民主评议"), ("q", "review", "审核"),
         ("q", "visit", "入户核实"))
FILTERS = [worklist.Filters(), worklist.Filters(process="q"), worklist.Filters(step="visit"),
           worklist.Filters(village=VILLAGES[1]), worklist.Filters(township=TOWNSHIPS[0]),
           worklist.Filters(township=TOWNSHIPS[1], due="overdue"), worklist.Filters(due="due_soon", step="appraisal"),
           worklist.Filters(due="no_due", process="p", township=TOWNSHIPS[0])]


@pytest.fixture
def work(session, tree, actors) -> list[Task]:
    """READY tasks of the county's lane at each village, of each step, claimed by no one, the county's user or
    another, each due state; and some of another lane or done."""
    session.execute(insert(ProcessVersion), [{"id": 1, "key": "p", "name": "流程", "version": 1, "sha256": "0" * 64,
                                             "files": {}, "forms": {}, "specs": "{}", "deployed_at": NOW}])
    session.execute(insert(ProcessInstance), [{"id": 1, "version_id": 1, "process_key": "p", "place_code": "15",
                                               "place_path": tree["150000000000"].path, "status": "running",
                                               "state": "{}", "audit_hash": "0" * 64, "created_at": NOW}])
    paths = {code: tree[code].path for code in VILLAGES}
    combinations = itertools.product(VILLAGES, STEPS, (None, "qi", "other"), DUES, ("county", "village"),
                                     ("ready", "completed"))
    session.execute(insert(Task), [
        {"id": f"t{n:04d}", "instance_id": 1, "process_key": process, "bpmn_id": step, "name": name, "role": role,
         "place_code": village, "place_path": paths[village], "state": state, "claimed_by": claimed,
         "due_at": due, "created_at": NOW - timedelta(hours=n % 11, seconds=n)}
        for n, (village, (process, step, name), claimed, due, role, state) in enumerate(combinations)
        if n % 5])  # not every combination: counts that differ
    session.commit()
    return list(session.execute(select(Task)).scalars())


def _passes(task: Task, filters: worklist.Filters, paths: dict[str, str], *, with_step: bool = True) -> bool:
    return ((not filters.process or task.process_key == filters.process)
            and (not filters.step or not with_step or task.bpmn_id == filters.step)
            and (not filters.village or task.place_code == filters.village)
            and (not filters.township or task.place_path.startswith(paths[filters.township]))
            and (not filters.due or worklist.due_state(task, NOW) == filters.due))


@pytest.mark.parametrize("filters", FILTERS, ids=repr)
def test_every_count_is_the_tasks_counted_one_by_one(session, work, actors, filters):
    actor = actors["county"]
    paths = dict(session.execute(select(Place.code, Place.path)).all())
    ready = [t for t in work if t.state == "ready" and actor.may_work_on(t)]
    mine = [t for t in ready if t.claimed_by in (None, actor.username)]
    chips = [t for t in mine if _passes(t, filters, paths, with_step=False)]
    shown = [t for t in chips if _passes(t, filters, paths)]

    found = worklist.inbox(session, actor, filters, NOW, Window(limit=7))

    assert (found.total, found.claimed_by_others) == (len(mine), len(ready) - len(mine))
    assert found.overdue == sum(worklist.due_state(t, NOW) == "overdue" for t in mine)
    assert found.processes == sorted({t.process_key for t in mine})
    assert [code for code, _ in found.villages] == sorted({t.place_code for t in mine}, key=paths.get)
    assert [code for code, _ in found.townships] == list(TOWNSHIPS)
    first = {}
    for task in sorted(chips, key=lambda t: t.created_at):
        first.setdefault((task.process_key, task.bpmn_id), task.name)
    assert found.steps == [(*step, name, sum((t.process_key, t.bpmn_id) == step for t in chips))
                           for step, name in first.items()]
    assert found.page.total == len(shown) and found.places_shown == sorted({t.place_code for t in shown})
    expected = sorted(shown, key=lambda t: (t.created_at, t.id))[:7]
    assert [item.task.id for item in found.page.rows] == [t.id for t in expected]
    assert [item.task.name for item in found.page.rows] == [t.name for t in expected]  # every column read


def _statements_on_tasks(session, read) -> list[tuple[str, Any]]:
    """The statements that read the tasks table while ``read()`` runs, with their parameters."""
    sent: list[tuple[str, Any]] = []
    engine = session.get_bind()

    def note(_connection, _cursor, statement, parameters, *_args) -> None:
        if re.search(r"\bFROM tasks\b", statement):
            sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", note)
    try:
        read()
    finally:
        event.remove(engine, "before_cursor_execute", note)
    return sent


def _create_tasks_indexes(session, lane_created: str) -> None:
    """The tasks' indexes made again, ``ix_tasks_lane`` first or last: SQLite without statistics breaks near-ties
    between indexes by the order they were created in, which ``create_all`` takes from a set and a migration from
    its history (with ``ix_tasks_inbox`` beside it, one order in six had the page's keys read from that one)."""
    connection = session.connection()
    others = sorted((index for index in Task.__table__.indexes if index.name != "ix_tasks_lane"),
                    key=lambda index: index.name)
    lane = [index for index in Task.__table__.indexes if index.name == "ix_tasks_lane"]
    indexes = lane + others if lane_created == "first" else others + lane
    for index in indexes:
        index.drop(connection)
    for index in indexes:
        index.create(connection)
    session.commit()


@pytest.mark.parametrize("lane_created", ["first", "last"])
def test_on_sqlite_the_counts_and_the_page_keys_are_read_from_the_lane_index_alone(session, work, actors,
                                                                                    database_url, lane_created):
    if not database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL plans by its statistics; bench/scale.py shows its plans at size")
    _create_tasks_indexes(session, lane_created)
    sent = _statements_on_tasks(session, lambda: worklist.inbox(session, actors["county"], worklist.Filters(), NOW,
                                                                Window()))

    assert len(sent) == 2  # the counts; the page's rows, by the keys a subquery picks

    def searches(statement: str, parameters: tuple) -> set[str]:
        plan = session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
        return {row[-1] for row in plan if row[-1].startswith(("SEARCH", "SCAN"))}

    lane = ("SEARCH tasks USING COVERING INDEX ix_tasks_lane (role=? AND department=? AND state=? AND place_path>? AND "
            "place_path<?)")
    counts, page_rows = sent
    assert searches(*counts) == {lane}  # each branch of the lanes (queries.InboxLanes), grouped on its own
    chosen = "SCAN anon_1"  # the page's keys, of the branches' UNION ALL (queries.InboxLanes.window)
    assert searches(*page_rows) == {lane, chosen, "SEARCH tasks USING INDEX sqlite_autoindex_tasks_1 (id=?)",
                                    "SEARCH process_instances USING INTEGER PRIMARY KEY (rowid=?)"}


def test_actors_of_one_shape_share_the_inbox_statements_and_each_reads_its_own_tasks(session, work, actors):
    """The inbox's statements are built once per lane shape (``engine.statements``): villages' cadres, one after the
    other, read through the statements built for the first, each its own village's tasks, for the values come with
    each run; run without them, a statement fails rather than reading anyone's."""
    shape = lane_shape(actors["village"])
    for name in ("village", "village2", "village", "village_other"):
        actor = actors[name]
        ready = sorted((t for t in work if t.state == "ready" and actor.may_work_on(t)),
                       key=lambda t: (t.created_at, t.id))
        assert ready and {t.place_code for t in ready} == {actor.place_path.rstrip("/").rsplit("/", 1)[-1]}

        found = _paged(lambda window, a=actor: worklist.inbox(session, a, worklist.Filters(), NOW, window).page)
        api_rows = _paged(lambda window, a=actor: queries.inbox_page(session, a, window))

        mine = [t.id for t in ready if t.claimed_by in (None, actor.username)]
        assert [item.task.id for item in found] == mine
        assert [task.id for task in api_rows] == [t.id for t in ready]
        assert lane_shape(actor) == shape
    with pytest.raises(StatementError, match="A value is required for bind parameter"):
        session.execute(worklist._counted(shape))


def _paged(read) -> list[Any]:
    """Every row of a list read a page of three at a time, after each page's cursor."""
    rows, cursor = [], None
    while True:
        page = read(Window(cursor, 3))
        rows += page.rows
        if (cursor := page.next_cursor) is None:
            return rows

"""Timer sweeps run beside each other and beside the server: no timer fires twice."""

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, event, func, select, text, update

from engine import timers
from engine.models import AuditEvent, InstanceStatus, ProcessInstance, Task
from tests.query_plans import plans_of
from web.boundary import engine, unit_of_work
from web.extensions import db

VILLAGE = "150223100201"


def waiting_at_the_notice(api, count: int) -> list[int]:
    """Cases of the fixture model past their visit: each waits for its five-day notice timer."""
    cun = api("cun")
    ids = []
    for _ in range(count):
        instance = cun.post("/instances", json={"process": "approval", "place": VILLAGE, "data": {}}).json
        cun.complete(instance["id"], "visit", {"eligible": True, "income": 1000})
        ids.append(instance["id"])
    return ids


def timers_fired(session, instance_id: int) -> int:
    return session.execute(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.instance_id == instance_id, AuditEvent.type == "timer_fired")).scalar()


def test_two_sweepers_fire_each_due_timer_exactly_once(app, api, deployed, clock, session):
    waiting_at_the_notice(api, timers.BATCH + 6)  # more than one batch: the sweepers meet in both
    clock.advance(timedelta(days=5, minutes=1))
    barrier = threading.Barrier(2)
    fired = []

    def sweep():
        with app.app_context():
            barrier.wait()
            fired.append(timers.run_due_timers(engine(), unit_of_work))

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(fired) == timers.BATCH + 6
    session.rollback()
    timer_events = session.execute(select(func.count()).select_from(AuditEvent)
                                   .where(AuditEvent.type == "timer_fired")).scalar()
    reviews = session.execute(select(func.count()).select_from(Task).where(Task.bpmn_id == "review")).scalar()
    assert (timer_events, reviews) == (timers.BATCH + 6, timers.BATCH + 6)


def test_an_instance_whose_rows_the_database_refuses_mid_batch_undoes_and_stops_no_other_timer(
        api, deployed, clock, session, caplog):
    first, clashing, last = waiting_at_the_notice(api, 3)
    state = session.get(ProcessInstance, first).state  # the same Spiff task ids: its review task's row clashes
    session.execute(update(ProcessInstance).where(ProcessInstance.id == clashing).values(state=state))
    session.commit()
    clock.advance(timedelta(days=5, minutes=1))
    assert timers.run_due_timers(engine(), unit_of_work) == 2  # PostgreSQL aborts the transaction at the refusal
    session.rollback()
    assert [timers_fired(session, i) for i in (first, clashing, last)] == [1, 0, 1]
    assert session.get(ProcessInstance, clashing).status == InstanceStatus.RUNNING
    assert f"advancing instance {clashing} at its timer failed" in caplog.text
    reviews = session.execute(select(Task.instance_id).where(Task.bpmn_id == "review")).scalars().all()
    assert sorted(reviews) == [first, last]


def test_an_instance_that_cannot_be_loaded_stops_no_other_timer(api, deployed, clock, session, caplog):
    first, broken, last = waiting_at_the_notice(api, 3)
    session.execute(update(ProcessInstance).where(ProcessInstance.id == broken).values(state="{"))
    session.commit()
    clock.advance(timedelta(days=5, minutes=1))
    assert timers.run_due_timers(engine(), unit_of_work) == 2
    session.rollback()
    assert [timers_fired(session, i) for i in (first, broken, last)] == [1, 0, 1]
    assert session.get(ProcessInstance, broken).status == InstanceStatus.RUNNING  # still due: the next sweep retries
    assert f"advancing instance {broken} at its timer failed" in caplog.text


def test_a_sweep_takes_one_transaction_and_one_claim_per_batch(api, deployed, clock, session):
    ids = waiting_at_the_notice(api, timers.BATCH + 6)
    clock.advance(timedelta(days=5, minutes=1))
    revisions = dict(session.execute(select(ProcessInstance.id, ProcessInstance.revision)).all())
    session.rollback()
    sent: list[str] = []

    def note(_connection, _cursor, statement, *_args) -> None:
        sent.append(" ".join(statement.split()))

    def begun(_connection) -> None:
        sent.append("BEGIN")

    # PostgreSQL's BEGIN is a statement of its own (engine.lazy_transactions); SQLite's driver sends its own, unheard
    sqlite = db.engine.dialect.name == "sqlite"
    db.session.close()
    event.listen(db.engine, "before_cursor_execute", note)
    if sqlite:
        event.listen(db.engine, "begin", begun)
    try:
        assert timers.run_due_timers(engine(), unit_of_work) == timers.BATCH + 6
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
        if sqlite:
            event.remove(db.engine, "begin", begun)
    due_checks = [s for s in sent if "process_instances.wake_at <" in s]
    assert sent.count("BEGIN") == 2  # one transaction per batch (not per instance); the short second batch is the last
    assert [s for s in sent if s.startswith("SAVEPOINT")] == []  # none per instance: a failure redoes the batch
    assert len(due_checks) == 2  # each batch's claim takes the next due rows and locks them
    if db.engine.dialect.name == "postgresql":  # as it reads them: no row written for a lock
        assert all(s.startswith("SELECT") and s.endswith("FOR NO KEY UPDATE SKIP LOCKED")
                   for s in due_checks), due_checks
    else:  # SQLite locks by writing: its write lock, nothing changed
        assert all(s.startswith("UPDATE process_instances SET revision=process_instances.revision ")
                   for s in due_checks), due_checks
    reads = [s for s in sent if s.startswith("SELECT") and "FROM process_instances" in s.split(" WHERE")[0]]
    assert reads == [s for s in due_checks if s.startswith("SELECT")]  # no step reads or locks its row again
    after = dict(session.execute(select(ProcessInstance.id, ProcessInstance.revision)).all())
    assert {i: after[i] - revisions[i] for i in ids} == dict.fromkeys(ids, 1)  # one step each, one save each


def test_a_batch_that_cannot_commit_leaves_each_of_its_timers_due_and_the_next_sweep_fires_each_once(
        api, deployed, clock, session, caplog):
    ids = waiting_at_the_notice(api, 3)
    clock.advance(timedelta(days=5, minutes=1))
    scopes = []

    @contextmanager
    def crashing_before_commit() -> Iterator:
        with unit_of_work() as work:
            scopes.append(work)
            yield work
            # the batch, every instance advanced: the connection is lost instead of committing
            raise ConnectionError("server closed the connection unexpectedly")

    assert timers.run_due_timers(engine(), crashing_before_commit) == 0
    assert "at their timers failed" in caplog.text
    session.rollback()
    assert [timers_fired(session, i) for i in ids] == [0, 0, 0]
    assert {session.get(ProcessInstance, i).status for i in ids} == {InstanceStatus.RUNNING}
    assert len(scopes) == 2  # the batch, passed over then: the next claim finds nothing else due
    assert session.execute(select(ProcessInstance.id).where(ProcessInstance.wake_at < engine().now())
                           .order_by(ProcessInstance.id)).scalars().all() == ids  # still due
    session.rollback()
    assert timers.run_due_timers(engine(), unit_of_work) == 3
    session.rollback()
    assert [timers_fired(session, i) for i in ids] == [1, 1, 1]


def test_a_sweep_at_the_same_time_after_another_fired_the_timer_fires_nothing(api, deployed, clock, session):
    (instance_id,) = waiting_at_the_notice(api, 1)
    clock.advance(timedelta(days=5, minutes=1))
    assert timers.run_due_timers(engine(), unit_of_work) == 1
    assert timers.run_due_timers(engine(), unit_of_work) == 0  # the claim re-checks what is due under its lock
    assert timers_fired(session, instance_id) == 1


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_sweep_on_postgresql_passes_an_instance_another_transaction_holds_without_waiting(
        app, api, deployed, clock, session, database_url):
    held, free = waiting_at_the_notice(api, 2)
    clock.advance(timedelta(days=5, minutes=1))
    other = create_engine(database_url)
    try:
        with other.connect() as connection:  # another host's sweeper in the middle of advancing ``held``
            connection.execute(text("SELECT id FROM process_instances WHERE id = :id FOR UPDATE"), {"id": held})
            assert timers.run_due_timers(engine(), unit_of_work) == 1
            connection.rollback()
    finally:
        other.dispose()
    session.rollback()
    assert [timers_fired(session, i) for i in (held, free)] == [0, 1]
    assert timers.run_due_timers(engine(), unit_of_work) == 1  # released: the next sweep fires it


def test_a_sweep_before_the_due_time_fires_nothing(app, api, deployed, clock):
    cun = api("cun")
    instance = cun.post("/instances", json={"process": "approval", "place": VILLAGE, "data": {}}).json
    cun.complete(instance["id"], "visit", {"eligible": True, "income": 1000})
    clock.advance(timedelta(days=4, hours=23))
    assert timers.run_due_timers(engine(), unit_of_work) == 0
    clock.advance(timedelta(hours=2))
    assert timers.run_due_timers(engine(), unit_of_work) == 1


def test_the_county_cancels_a_case_and_its_tasks_are_withdrawn(api, deployed):
    cun, qi, other = api("cun"), api("qi"), api("cun2")
    instance = cun.post("/instances", json={"process": "approval", "place": VILLAGE, "data": {}}).json
    assert other.post(f"/instances/{instance['id']}/cancel", json={"reason": "x"}).status_code == 404
    response = qi.post(f"/instances/{instance['id']}/cancel", json={"reason": "重复申请"})
    assert response.status_code == 200
    assert response.json["status"] == "cancelled"
    assert response.json["tasks"] == [] and cun.get("/tasks").json == []
    assert response.json["events"][-1]["type"] == "instance_cancelled"
    assert qi.post(f"/instances/{instance['id']}/cancel", json={"reason": "再次撤销"}).status_code == 409


def test_a_claim_reads_the_due_in_their_order_from_the_wake_index_without_sorting_them(api, deployed, clock, session):
    """Timers fall due together (a notice period's end, a day's deadlines): a claim that sorted every due row to take
    twenty read all 10,000 of the scale bench's for each batch (32 ms a claim, 0.2 ms read in order). SQLite's index
    entries end with the rowid, the id, so there the order was the index's before it named the id."""
    waiting_at_the_notice(api, 3)
    clock.advance(timedelta(days=5, minutes=1))
    session.rollback()

    plan = plans_of(session, "process_instances", lambda: timers.claim(session, engine().now(), timers.BATCH))

    assert "ix_process_instances_wake" in plan and not re.search(r"\bSort\b|TEMP B-TREE", plan), plan

"""``engine.round_trips.write``: a step's writes (tasks done, new tasks, the instance, audit rows) land as written,
in one statement on PostgreSQL and statement by statement on SQLite, whatever their shape; a failed one is reported
as SQLAlchemy reports any failed statement, and none of the step's writes stays."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from engine import audit, round_trips
from engine.models import AuditEvent, InstanceStatus, ProcessInstance, ProcessVersion, Task, TaskState

AT = datetime(2026, 3, 1, 8, 30, tzinfo=UTC)
INSTANCES, TASKS, EVENTS = ProcessInstance.__table__, Task.__table__, AuditEvent.__table__


@pytest.fixture
def connection(session):
    connection = session.connection()
    version_id = connection.execute(insert(ProcessVersion.__table__).values(
        key="p", version=1, name="p", sha256="0" * 64, files={}, forms={}, specs="{}", deployed_at=AT,
    ).returning(ProcessVersion.__table__.c.id)).scalar_one()
    instance_id = connection.execute(insert(INSTANCES).values(
        version_id=version_id, process_key="p", place_code="v", place_path="/v/", status=InstanceStatus.RUNNING,
        exclusive=False, state="{}", revision=0, data={}, waiting=[], audit_hash=audit.GENESIS, created_at=AT,
        created_by="u").returning(INSTANCES.c.id)).scalar_one()
    connection.execute(insert(TASKS), [_task(instance_id, f"t{i}") for i in range(3)])
    connection.info["instance_id"] = instance_id
    return connection


def _task(instance_id: int, task_id: str, **values) -> dict:
    return {"id": task_id, "instance_id": instance_id, "process_key": "p", "bpmn_id": "b", "name": "步骤",
            "role": "village", "department": None, "subject": None, "place_code": "v", "place_path": "/v/",
            "placed": False, "form": None, "state": TaskState.READY, "due_at": None, "created_at": AT, **values}


def _event(instance_id: int, n: int) -> dict:
    return {"at": AT, "actor": "u", "type": "task_completed", "instance_id": instance_id, "task_id": None,
            "detail": {"n": n, "值": [1, "二"]}, "prev_hash": audit.GENESIS, "hash": f"{n:064d}"}


@pytest.mark.parametrize("done, new, events", [(1, 1, 1), (2, 0, 3), (0, 3, 1), (0, 0, 0)])
def test_every_write_of_the_step_lands(connection, done, new, events):
    instance_id = connection.info["instance_id"]
    later = AT + timedelta(hours=1)
    writes = round_trips.StepWrites(
        instance_id, 0, {"state": '{"s": 1}', "status": InstanceStatus.RUNNING, "data": {"村": "一"}, "wake_at": later},
        [{"task_id": f"t{i}", "at": later, "by": f"u{i}"} for i in range(done)],
        [_task(instance_id, f"n{i}", due_at=later if i else None) for i in range(new)],
        [_event(instance_id, i) for i in range(events)])

    round_trips.write(connection, writes)

    assert connection.execute(select(INSTANCES.c.state, INSTANCES.c.data, INSTANCES.c.wake_at)).one() == (
        '{"s": 1}', {"村": "一"}, later)
    tasks = {row.id: row for row in connection.execute(select(TASKS))}
    assert [(tasks[f"t{i}"].state, tasks[f"t{i}"].completed_at, tasks[f"t{i}"].completed_by) for i in range(3)] == [
        (TaskState.COMPLETED, later, f"u{i}") if i < done else (TaskState.READY, None, None) for i in range(3)]
    assert [(tasks[f"n{i}"].state, tasks[f"n{i}"].due_at) for i in range(new)] == [
        (TaskState.READY, later if i else None) for i in range(new)]
    assert connection.execute(select(EVENTS.c.hash, EVENTS.c.detail).order_by(EVENTS.c.id)).all() == [
        (f"{i:064d}", {"n": i, "值": [1, "二"]}) for i in range(events)]


def test_a_failed_write_is_an_integrity_error_and_none_of_the_step_s_writes_stays(connection):
    instance_id = connection.info["instance_id"]
    writes = round_trips.StepWrites(instance_id, 0, {"state": '{"s": 2}'}, [], [_task(instance_id, "t1")],
                                    [_event(instance_id, 0)])

    with pytest.raises(IntegrityError), connection.begin_nested():
        round_trips.write(connection, writes)

    assert connection.execute(select(INSTANCES.c.state)).scalar_one() == "{}"
    assert connection.execute(select(EVENTS.c.id)).all() == []


def test_on_postgresql_a_step_begun_from_another_revision_writes_nothing(connection):
    """The case was saved since the step read it (``engine.tasks``'s ``sole_write``): no part of the step lands."""
    if connection.dialect.name != "postgresql":
        pytest.skip("SQLite's step holds the database's write lock from its start: its revision cannot move")
    instance_id = connection.info["instance_id"]
    writes = round_trips.StepWrites(instance_id, 1, {"state": '{"s": 3}'}, [{"task_id": "t0", "at": AT, "by": "u"}],
                                    [_task(instance_id, "n0")], [_event(instance_id, 0)])

    assert round_trips.write(connection, writes) is False

    assert connection.execute(select(INSTANCES.c.state, INSTANCES.c.revision)).one() == ("{}", 0)
    assert connection.execute(select(TASKS.c.id, TASKS.c.state).order_by(TASKS.c.id)).all() == [
        (f"t{i}", TaskState.READY) for i in range(3)]
    assert connection.execute(select(EVENTS.c.id)).all() == []
    assert round_trips.write(connection, replace(writes, revision=0)) is True  # the revision read: it lands

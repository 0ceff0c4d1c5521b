"""A failed step keeps none of its domain writes, yet its error is stored; no failure escapes a step.

A domain function (registered with ``Engine(functions=...)``) writes a calendar override row
through the step's session; a later script divides by the submitted ``divisor``. Each test runs on
SQLite (pysqlite) and PostgreSQL, every step in its own committed transaction.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from engine.core import Engine
from engine.errors import InvalidData
from engine.models import CalendarOverride, InstanceStatus, TaskState
from engine.scripting import current_step
from monitoring.models import Role
from tests.engine.steps import Steps


def note_holiday(day: str) -> str:
    """A domain function that writes a row and flushes it, as the monitoring functions do."""
    if day == "refuse":
        raise InvalidData("日期无效", {"day": "日期无效"})
    session = current_step().session
    session.add(CalendarOverride(day=date.fromisoformat(day), is_working_day=False, note="step test"))
    session.flush()
    return day


@pytest.fixture
def test_engine(app, clock, forms_dir) -> Engine:
    return Engine(forms_dir=forms_dir, roles=[r.value for r in Role], clock=clock,
                  functions={"note_holiday": note_holiday})


@pytest.fixture
def steps(test_engine, session, actors) -> Steps:
    steps = Steps(test_engine, session, actors["designer"])
    steps.deploy("writes_then_fails.bpmn")
    return steps


def holidays(steps: Steps) -> list[date]:
    return list(steps.session.execute(select(CalendarOverride.day).order_by(CalendarOverride.day)).scalars())


def test_a_step_that_fails_after_a_domain_write_keeps_the_error_but_not_the_write(steps, actors):
    village = actors["village"]
    instance_id = steps.start(village, "writes_then_fails", {"day": "2026-05-04", "divisor": 1})
    assert holidays(steps) == [date(2026, 5, 4)]

    task_id = steps.complete(village, instance_id, "amend", {"day": "2026-05-05", "divisor": 0})

    assert holidays(steps) == [date(2026, 5, 4)]  # the first step's row stays, the failed step's is gone
    instance = steps.instance(instance_id)
    assert instance.status == InstanceStatus.ERROR
    assert "ZeroDivisionError" in instance.error
    errors = [e for e in steps.events(instance_id) if e.type == "error"]
    assert [e.detail["message"] for e in errors] == [instance.error]
    assert steps.task_row(task_id).state == TaskState.COMPLETED  # the person's part was done
    assert steps.open_tasks(instance_id) == []


def test_a_failure_at_start_stores_the_instance_as_failed_without_the_write(steps, actors):
    instance_id = steps.start(actors["village"], "writes_then_fails", {"day": "2026-05-04", "divisor": 0})

    assert holidays(steps) == []
    instance = steps.instance(instance_id)
    assert (instance.status, instance.ended_at is not None) == (InstanceStatus.ERROR, True)
    assert "ZeroDivisionError" in instance.error
    assert [e.type for e in steps.events(instance_id)] == ["instance_started", "error"]


def test_bad_data_caught_by_a_domain_function_still_refuses_the_whole_step(steps, actors):
    village = actors["village"]
    instance_id = steps.start(village, "writes_then_fails", {"day": "2026-05-04", "divisor": 1})
    revision = steps.instance(instance_id).revision

    with pytest.raises(InvalidData):
        steps.complete(village, instance_id, "amend", {"day": "refuse", "divisor": 1})

    instance = steps.instance(instance_id)
    assert (instance.status, instance.revision) == (InstanceStatus.RUNNING, revision)
    assert steps.open_tasks(instance_id) == [("amend", "village")]


def test_a_savepoint_taken_before_any_write_stays_inside_the_requests_transaction(session):
    """pysqlite begins a transaction only before a write: without the app's hook, RELEASE would commit."""
    savepoint = session.begin_nested()
    session.add(CalendarOverride(day=date(2026, 5, 4), is_working_day=False, note="step test"))
    savepoint.commit()
    session.rollback()

    assert session.execute(select(CalendarOverride.day)).scalars().all() == []

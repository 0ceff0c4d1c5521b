"""A failed step keeps none of its domain writes, yet its error is stored; no failure escapes a step.

A domain function (registered with ``Engine(functions=...)``) writes a calendar override row
through the step's session; a later script divides by the submitted ``divisor``. Each test runs on
SQLite (pysqlite) and PostgreSQL, every step in its own committed transaction.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from sqlalchemy import select, text, update

from engine.core import Engine
from engine.errors import DeployError, InvalidData
from engine.models import CalendarOverride, InstanceStatus, ProcessInstance, ProcessVersion, TaskState
from engine.scripting import current_step
from engine.serialization import dump_specs
from engine.step_budget import StepLimits
from monitoring.models import Role
from tests.conftest import FIXTURES, START
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
def make_steps(app, clock, session, actors):
    """Steps on an engine with the test's domain function and the given step limits."""
    def make(limits: StepLimits | None = None) -> Steps:
        engine = Engine(roles=[r.value for r in Role], clock=clock,
                        functions={"note_holiday": note_holiday}, step_limits=limits)
        return Steps(engine, session, actors["designer"])

    return make


@pytest.fixture
def steps(make_steps) -> Steps:
    steps = make_steps()
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
    events = steps.events(instance_id)
    assert [e.type for e in events] == ["instance_started", "error", "script_output"]
    assert events[-1].detail == {"text": "divisor: 0\n"}  # what the script printed before it failed


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


# --- exceptions that are not Spiff's own, and steps that would never end -----------------------------


def test_a_type_error_raised_inside_spiff_becomes_the_instances_error(make_steps, actors):
    steps = make_steps()
    steps.deploy("copies.bpmn")

    instance_id = steps.start(actors["village"], "copies", {"copies": "3"})  # Spiff: range("3")

    instance = steps.instance(instance_id)
    assert instance.status == InstanceStatus.ERROR
    assert instance.error.startswith("TypeError:")
    assert [e.type for e in steps.events(instance_id)] == ["instance_started", "error"]


def test_a_timer_whose_step_fails_records_the_error_and_the_sweep_goes_on(make_steps, actors, clock):
    steps = make_steps()
    steps.deploy("copies_after_an_hour.bpmn")
    failing = steps.start(actors["village"], "copies_after_an_hour", {"copies": "2"})
    fine = steps.start(actors["village"], "copies_after_an_hour", {"copies": 2})

    clock.advance(timedelta(hours=1, minutes=1))
    assert steps.run_timers() == 1  # the failing step broke off while its timer fired: no timer_fired kept

    assert steps.instance(failing).status == InstanceStatus.ERROR
    assert steps.instance(failing).error.startswith("TypeError:")
    assert steps.open_tasks(fine) == [("sign", "village"), ("sign", "village")]
    assert steps.run_timers() == 0  # nothing is left due: the failed instance is not retried forever


def test_a_stored_version_spiff_cannot_lay_out_refuses_the_start_and_stores_nothing(make_steps, actors, session):
    """Deploy now refuses a loop nothing can leave; a version stored before that check must not answer 500."""
    parser = SpiffBpmnParser()
    parser.add_bpmn_file(str(FIXTURES / "processes" / "endless_loop.bpmn"))
    session.add(ProcessVersion(key="endless", version=1, name="endless", sha256="0" * 64, files={}, forms={},
                               specs=dump_specs(parser.get_spec("endless"), {}), start_role=None,
                               deployed_at=START, deployed_by="sheji"))
    session.commit()
    steps = make_steps()

    with pytest.raises(DeployError) as refused:
        steps.start(actors["village"], "endless")

    assert "流程无法启动" in str(refused.value) and "RecursionError" in str(refused.value)
    assert session.execute(select(ProcessInstance.id)).all() == []


def assert_lock_free(steps: Steps, instance_id: int) -> None:
    """Another connection can take the instance's row lock at once (PostgreSQL would otherwise wait)."""
    with steps.session.get_bind().connect() as other:
        if other.dialect.name == "postgresql":
            other.execute(text("SET lock_timeout = '2s'"))
        other.execute(update(ProcessInstance).where(ProcessInstance.id == instance_id)
                      .values(revision=ProcessInstance.revision + 1))
        other.rollback()


def test_a_process_that_calls_itself_forever_stops_at_the_task_limit_with_the_lock_released(make_steps, actors):
    steps = make_steps(StepLimits(max_tasks=60))
    assert steps.deploy("calls_itself.bpmn").key == "calls_itself"  # a process calling only itself is a main one

    instance_id = steps.start(actors["village"], "calls_itself")

    instance = steps.instance(instance_id)
    assert instance.status == InstanceStatus.ERROR
    assert "StepLimitExceeded" in instance.error and "超过 60 个" in instance.error
    assert_lock_free(steps, instance_id)


def test_a_step_that_runs_too_long_stops_at_the_time_limit(make_steps, actors):
    ticks = itertools.count()  # one second passes each time the step looks at its watch
    steps = make_steps(StepLimits(max_seconds=5, timer=lambda: float(next(ticks))))
    steps.deploy("calls_itself.bpmn")

    instance_id = steps.start(actors["village"], "calls_itself")

    instance = steps.instance(instance_id)
    assert instance.status == InstanceStatus.ERROR
    assert "超过 5 秒" in instance.error
    assert_lock_free(steps, instance_id)


def test_a_multi_instance_task_may_not_create_more_tasks_than_a_step_may_run(make_steps, actors):
    steps = make_steps(StepLimits(max_tasks=20))
    steps.deploy("copies.bpmn")

    within = steps.start(actors["village"], "copies", {"copies": 20})
    beyond = steps.start(actors["village"], "copies", {"copies": 21})

    assert len(steps.open_tasks(within)) == 20
    instance = steps.instance(beyond)
    assert (instance.status, steps.open_tasks(beyond)) == (InstanceStatus.ERROR, [])
    assert "新建的任务超过 20 个" in instance.error


# --- what scripts print -------------------------------------------------------------------------------


def test_what_a_steps_scripts_print_is_kept_in_the_cases_log(steps, actors):
    village = actors["village"]
    instance_id = steps.start(village, "writes_then_fails", {"day": "2026-05-04", "divisor": 4})
    steps.complete(village, instance_id, "amend", {"day": "2026-05-05", "divisor": 5})

    printed = [e.detail["text"] for e in steps.events(instance_id) if e.type == "script_output"]
    assert printed == ["divisor: 4\n", "divisor: 5\n"]  # one event per step, only that step's text


def test_printed_text_kept_in_the_log_is_bounded(steps, actors):
    instance_id = steps.start(actors["village"], "writes_then_fails", {"day": "2026-05-04", "divisor": "9" * 20_000})

    [output] = [e.detail["text"] for e in steps.events(instance_id) if e.type == "script_output"]
    assert output.startswith("divisor: 999") and output.endswith("(输出过长, 已截断)")
    assert len(output) < 8_100

"""A cycle timer (``cycle_reminder.bpmn``: an hourly, non-interrupting reminder on 材料核实) as the engine's shortcuts
meet it: a round that fires leaves the timer waiting and a new READY task beside it, and the branches of its rounds are
abandoned, some of their timers left waiting in Spiff's event manager, once the task is done."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from engine.models import AuditEvent, InstanceStatus
from tests.conftest import CST
from tests.engine.steps import Steps

STARTED = datetime(2026, 3, 2, 9, 0, tzinfo=CST)


@pytest.fixture
def steps(engine, session, actors, clock) -> Steps:
    clock.set(STARTED)
    found = Steps(engine, session, actors["designer"])
    found.deploy("cycle_reminder.bpmn")
    return found


def test_a_round_firing_as_a_kept_workflow_opens_runs_what_follows_it(steps, engine, actors, clock):
    instance_id = steps.start(actors["village"], "cycle_reminder")
    assert instance_id in engine.workflows.kept_cases()
    clock.set(STARTED + timedelta(hours=1, minutes=1))

    steps.run_timers()

    case = steps.instance(instance_id)
    assert case.data.get("reminded") is True  # the round's script ran in the sweep's step
    assert case.wake_at == STARTED + timedelta(hours=2)  # the next round: the day's wait comes later


def test_a_done_tasks_abandoned_reminders_are_no_longer_waited_for(steps, actors, clock):
    instance_id = steps.start(actors["village"], "cycle_reminder")
    clock.set(STARTED + timedelta(hours=1, minutes=1))
    steps.run_timers()  # a reminder's branch now waits a day
    assert [each["task"] for each in steps.instance(instance_id).waiting] == ["remind", "wait_a_day"]

    steps.complete(actors["village"], instance_id, "verify", {"verified": True})

    case = steps.instance(instance_id)
    assert (case.status, case.waiting, case.wake_at) == (InstanceStatus.RUNNING, [], None)  # the township reviews


def test_a_case_ends_with_its_last_task_though_its_abandoned_reminders_waited(steps, actors, clock):
    instance_id = steps.start(actors["village"], "cycle_reminder")
    clock.set(STARTED + timedelta(hours=1, minutes=1))
    steps.run_timers()
    steps.complete(actors["village"], instance_id, "verify", {"verified": True})

    steps.complete(actors["township"], instance_id, "review", {})

    case = steps.instance(instance_id)
    assert (case.status, case.waiting, case.wake_at) == (InstanceStatus.COMPLETED, [], None)
    assert case.ended_at == STARTED + timedelta(hours=1, minutes=1)


def test_each_round_that_fires_is_a_timer_fired(steps, actors, clock, session):
    instance_id = steps.start(actors["village"], "cycle_reminder")
    clock.set(STARTED + timedelta(hours=1, minutes=1))
    first = steps.run_timers()
    clock.set(STARTED + timedelta(hours=2, minutes=1))
    second = steps.run_timers()

    assert (first, second) == (1, 1)  # the timer still waits for its third round
    fired = session.execute(select(AuditEvent).where(AuditEvent.instance_id == instance_id,
                                                     AuditEvent.type == "timer_fired")).scalars().all()
    assert [event.detail["element"] for event in fired] == ["remind", "remind"]

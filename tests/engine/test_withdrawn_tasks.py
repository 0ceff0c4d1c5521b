"""A task the process withdrew at its deadline, found so by a user's submission before the timer sweep got to it: the
timer due at opening fires as the case opens, and the engine says what happened (``TaskWithdrawn``, a 409 naming the
deadline) instead of the bare "已被处理或已撤销". ``deadline.bpmn``: 材料核实 (village), withdrawn by its interrupting
timer 5个工作日期满 into the township's 逾期督办."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from engine import tasks
from engine.errors import Conflict, TaskWithdrawn
from engine.models import TaskState
from tests.conftest import CST
from tests.engine.steps import Steps

APPLIED = datetime(2026, 2, 12, 9, 0, tzinfo=CST)
DUE = datetime(2026, 2, 27, 0, 0, tzinfo=CST)  # five working days after 12 Feb 2026, the Spring Festival skipped


@pytest.fixture
def steps(engine, session, actors) -> Steps:
    found = Steps(engine, session, actors["designer"])
    found.deploy("deadline.bpmn")
    return found


def _verification(steps: Steps, actors, clock) -> str:
    clock.set(APPLIED)
    instance_id = steps.start(actors["village"], "deadline", {"applied_on": "2026-02-12"})
    task = steps.task(actors["village"], instance_id, "verify")
    assert task.due_at == DUE
    return task.id


def test_completing_a_task_whose_deadline_passed_before_the_sweep_says_the_process_withdrew_it(steps, actors, clock):
    task_id = _verification(steps, actors, clock)
    clock.set(DUE + timedelta(minutes=1))  # the deadline has passed; the sweeper has not run yet

    with pytest.raises(TaskWithdrawn) as refused:
        steps.run(tasks.complete_task, task_id, actors["village"], {"verified": True})

    assert refused.value.code == "task_withdrawn" and isinstance(refused.value, Conflict)  # a 409
    assert "5个工作日期满" in str(refused.value) and "流程已将其撤销" in str(refused.value)
    assert steps.task_row(task_id).state == TaskState.READY  # the refused request kept nothing
    assert steps.run_timers() == 1  # the sweep withdraws it as ever
    assert steps.task_row(task_id).state == TaskState.CANCELLED


def test_a_task_done_already_is_still_the_plain_conflict(steps, actors, clock):
    task_id = _verification(steps, actors, clock)
    steps.run(tasks.complete_task, task_id, actors["village"], {"verified": True})

    with pytest.raises(Conflict) as refused:
        steps.run(tasks.complete_task, task_id, actors["village"], {"verified": True})

    assert not isinstance(refused.value, TaskWithdrawn) and str(refused.value) == "任务已被处理或已撤销"


def test_in_time_the_task_completes_and_no_timer_speaks(steps, actors, clock):
    task_id = _verification(steps, actors, clock)
    clock.set(DUE - timedelta(minutes=1))

    steps.run(tasks.complete_task, task_id, actors["village"], {"verified": True})

    assert steps.task_row(task_id).state == TaskState.COMPLETED

"""A completion checks its data against the task's form once: ``complete_tasks`` checks every task before it locks any
case, and the step checks again only when the task's form is no longer the one that check used (a migration moved
the case to another version in between)."""

from __future__ import annotations

import pytest

from engine import tasks
from engine.errors import InvalidData
from engine.models import ProcessInstance
from tests.engine.steps import Steps


@pytest.fixture
def steps(engine, session, actors) -> Steps:
    found = Steps(engine, session, actors["designer"])
    found.deploy("approval.bpmn")
    return found


def _checks(engine, monkeypatch) -> list[dict]:
    """Every form check the engine makes from now on (each still made as before)."""
    checked: list[dict] = []
    check = engine.forms.validate

    def counted(validator, data):
        checked.append(data)
        return check(validator, data)

    monkeypatch.setattr(engine.forms, "validate", counted)
    return checked


def test_a_completion_checks_its_data_once(steps, actors, engine, monkeypatch):
    instance_id = steps.start(actors["village"], "approval")
    checked = _checks(engine, monkeypatch)

    steps.complete(actors["village"], instance_id, "visit", {"eligible": True, "income": 4200})

    assert checked == [{"eligible": True, "income": 4200}]


def test_bad_data_is_still_refused_before_the_case_is_locked(steps, actors):
    instance_id = steps.start(actors["village"], "approval")
    task_id = steps.task(actors["village"], instance_id, "visit").id

    with pytest.raises(InvalidData) as refused:
        steps.run(tasks.complete_task, task_id, actors["village"], {"eligible": "是", "income": 4200})

    assert refused.value.fields == {"eligible": "应为是或否"}
    assert steps.task(actors["village"], instance_id, "visit").id == task_id  # nothing kept


def test_data_checked_against_another_version_is_checked_again_in_the_step(steps, actors, engine, session):
    instance_id = steps.start(actors["village"], "approval")
    task = steps.task(actors["village"], instance_id, "visit")
    another_version = steps.session.get(ProcessInstance, instance_id).version_id + 1000

    with pytest.raises(InvalidData) as refused, steps.session_scope() as unit, \
            engine.open_instance(unit, instance_id, "cun") as step:
        step.complete(task.id, actors["village"], {"eligible": "是", "income": 4200}, (another_version, task.form))

    assert refused.value.fields == {"eligible": "应为是或否"}

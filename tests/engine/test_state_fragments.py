"""A step's state is assembled from the texts of its tasks, each reused from the workflow's last dump while nothing it
is made of has changed (``engine.serialization``); it must be byte for byte what Spiff's own serializer writes."""

from __future__ import annotations

from pathlib import Path

import pytest
from SpiffWorkflow.util.task import TaskState

from engine import scenario_runner, scenarios
from engine.deploy import compile_model
from engine.serialization import _SERIALIZER, dump_state
from tests.conftest import shipped_files
from tests.engine.test_process_tests import ROLES, SHIPPED, plain_engine

ROOT = Path(__file__).resolve().parents[2]


def spiffs_dump(workflow) -> str:
    return _SERIALIZER.serialize_json(workflow)


def shipped_workflows(stem: str, monkeypatch, after_each_step) -> None:
    """Run a shipped model's process tests (completions, messages, timers on a clock of their own, each scenario on
    one live workflow), calling ``after_each_step(workflow)`` after every step."""
    from monitoring.process_functions import FUNCTIONS
    from web.app import FORMATS

    advance = scenario_runner._Run._advance

    def observed(run, *args, **kwargs):
        try:
            return advance(run, *args, **kwargs)
        finally:
            after_each_step(run.workflow)

    monkeypatch.setattr(scenario_runner._Run, "_advance", observed)
    model = compile_model(shipped_files(stem), ROLES)
    results = scenarios.run(plain_engine(functions=FUNCTIONS, formats=FORMATS), model)
    assert results and all(result.passed for result in results)


@pytest.mark.parametrize("stem", SHIPPED)
def test_every_step_of_every_shipped_model_dumps_what_spiff_dumps(stem, monkeypatch):
    reused = []

    def compared(workflow) -> None:
        before = {task.id: text for task, text in _texts(workflow).items()}
        assert dump_state(workflow) == spiffs_dump(workflow)
        reused.append(sum(before.get(task.id) is text for task, text in _texts(workflow).items()))

    shipped_workflows(stem, monkeypatch, compared)
    assert sum(reused) > len(reused)  # most tasks' texts came from the step before


def _texts(workflow) -> dict:
    return {task: fragment.text for task, fragment in getattr(workflow, "fangpin_state_fragments", {}).items()}


def test_a_finished_tasks_text_follows_any_change_to_what_it_is_made_of(monkeypatch):
    """What no step of the shipped models does, but Spiff may (a join merging a branch's data into values the tasks
    before it share, in place): each change to a finished task is seen, and its text written afresh."""
    workflows = []
    shipped_workflows("identification", monkeypatch, workflows.append)
    workflow = workflows[-1]
    dump_state(workflow)
    finished = [task for task in workflow.tasks.values() if task.state == TaskState.COMPLETED and task.parent]
    changes = [
        lambda task: task.data.setdefault("nested", {}).update(value=1),  # a new value
        lambda task: task.data["nested"].update(value=1.0),  # equal, yet written otherwise
        lambda task: task.data["nested"].update(value=True),
        lambda task: task.parent.data.update(above="x"),  # the task's delta is from its parent's data
        lambda task: task.internal_data.update(seen=["x"]),
        lambda task: setattr(task, "last_state_change", task.last_state_change + 1),
        lambda task: setattr(task, "triggered", not task.triggered),
    ]
    for change in changes:
        for task in finished:
            change(task)
            assert dump_state(workflow) == spiffs_dump(workflow)

"""A step may begin from the workflow the case's last step kept in this process (``engine.workflow_cache``) instead of
restoring it from its stored JSON; it must make no difference at all: the same states, task rows and audit events as
a fresh load, and never a workflow another writer or a rolled-back transaction has made stale."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from sqlalchemy import select

from engine import tasks
from engine.errors import InvalidData, TaskWithdrawn
from engine.models import AuditEvent, ProcessInstance, Task
from engine.serialization import dump_state, load_state
from engine.workflow_cache import WorkflowCache, restores_as_itself
from tests.conftest import CST
from tests.engine.steps import Steps

VISIT = {"eligible": True, "income": 4200}
UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.fixture
def steps(engine, session, actors, clock) -> Steps:
    clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=CST))
    found = Steps(engine, session, actors["designer"])
    found.deploy("approval.bpmn")
    return found


def _normalized(text: str) -> str:
    """A stored state with its task ids numbered in order of appearance and Spiff's wall-clock times left out."""
    ids: dict[str, str] = {}
    numbered = UUID_TEXT.sub(lambda found: ids.setdefault(found.group(), f"#{len(ids)}"), text)
    return json.dumps(json.loads(numbered, object_hook=lambda d: {k: v for k, v in d.items()
                                                                    if k != "last_state_change"}), sort_keys=True)


def _stored(steps: Steps, instance_id: int) -> tuple:
    """Everything the steps stored about a case, ids of tasks numbered as they first appear."""
    state = steps.session.execute(select(ProcessInstance.state).where(ProcessInstance.id == instance_id)).scalar_one()
    rows = steps.session.execute(select(Task.created_at, Task.bpmn_id, Task.name, Task.role, Task.state, Task.due_at,
                                        Task.completed_by).where(Task.instance_id == instance_id)).all()
    events = steps.session.execute(select(AuditEvent.type, AuditEvent.actor, AuditEvent.detail)
                                   .where(AuditEvent.instance_id == instance_id).order_by(AuditEvent.id)).all()
    # the clock stands still between steps: two rows of one step (the visit, again) are told apart by all their columns
    return _normalized(state), sorted((tuple(row) for row in rows), key=repr), \
        [(t, a, _normalized(json.dumps(d))) for t, a, d in events]


def _case_with_every_kind_of_step(steps: Steps, actors, clock) -> tuple[int, list[tuple]]:
    """Completion, message, the visit again, timer, review, approval: what was stored after each."""
    instance_id = steps.start(actors["village"], "approval", {"applicant": "李某", "members": [{"name": "李某"}]})
    after = [_stored(steps, instance_id)]
    steps.complete(actors["village"], instance_id, "visit", VISIT)
    after.append(_stored(steps, instance_id))
    steps.send(actors["village"], instance_id, "objection", {"by": "村民王某", "content": "收入不实"})
    after.append(_stored(steps, instance_id))
    steps.complete(actors["village"], instance_id, "visit", {**VISIT, "income": 3900})
    clock.advance(timedelta(days=6))
    assert steps.run_timers() == 1
    after.append(_stored(steps, instance_id))
    steps.complete(actors["township"], instance_id, "review", {"approved": True})
    after.append(_stored(steps, instance_id))
    steps.complete(actors["county"], instance_id, "approve", {"approved": True})
    after.append(_stored(steps, instance_id))
    return instance_id, after


def test_steps_from_kept_workflows_store_exactly_what_fresh_loads_store(steps, engine, actors, clock):
    begun = clock.now()
    _, kept = _case_with_every_kind_of_step(steps, actors, clock)
    hits = engine.workflows.hits
    engine.workflows = WorkflowCache(size=0)  # the same case again, each step restoring its workflow from the database
    clock.set(begun)
    _, fresh = _case_with_every_kind_of_step(steps, actors, clock)

    # every step but the timer sweep's began from a kept workflow: the visit, the objection, the visit again (past the
    # notice's gateway, which holds the objection it caught in its history), the review and the approval
    assert hits == 5
    assert engine.workflows.hits == 0
    assert kept == fresh


def test_a_workflow_another_process_stepped_since_is_restored_from_the_database(steps, engine, actors):
    instance_id = steps.start(actors["village"], "approval")
    steps.complete(actors["village"], instance_id, "visit", VISIT)  # keeps the case waiting for its notice
    ours = engine.workflows
    hits = ours.hits
    engine.workflows = WorkflowCache()  # another server: catches the objection, the case is back at the visit
    steps.send(actors["village"], instance_id, "objection", {"by": "村民王某", "content": "收入不实"})
    engine.workflows = ours

    steps.complete(actors["village"], instance_id, "visit", VISIT)  # our kept workflow still waits for the notice

    assert ours.hits == hits
    assert [e.type for e in steps.events(instance_id)].count("task_completed") == 2


def test_a_step_rolled_back_keeps_nothing(steps, engine, actors):
    instance_id = steps.start(actors["village"], "approval")
    task_id = steps.task(actors["village"], instance_id, "visit").id

    def completed_then_refused(engine_, session) -> None:
        tasks.complete_task(engine_, session, task_id, actors["village"], VISIT)
        raise InvalidData("后续检查未通过", {"x": "测试"})  # the request fails after the step saved

    with pytest.raises(InvalidData):
        steps.run(completed_then_refused)
    steps.complete(actors["village"], instance_id, "visit", VISIT)  # from the stored state: the visit still waits

    assert steps.open_tasks(instance_id) == []  # waiting for the notice, the visit done once
    assert [e.type for e in steps.events(instance_id)].count("task_completed") == 1


@pytest.mark.parametrize(("data", "kept"), [
    ({"a": 1, "b": [1, "二", None, 2.5], "c": {"d": True}}, True),
    ({"when": datetime(2026, 3, 2, 9, 0, tzinfo=timezone(timedelta(hours=8)))}, True),
    ({"pair": (1, 2)}, False),  # a tuple is stored as a list
    ({"by_year": {2026: 1}}, False),  # a number key is stored as text
    ({"ids": {1, 2}}, False),
    ({"when": datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))}, False),  # restored with a fixed offset
    ({"typename": "x"}, False),
])
def test_only_a_workflow_its_stored_state_restores_unchanged_is_kept(data, kept, steps, engine, actors):
    instance_id = steps.start(actors["village"], "approval")
    workflow = _loaded(steps, engine, instance_id)
    workflow.get_tasks()[-1].data.update(data)

    assert restores_as_itself(workflow) is kept


def test_a_value_two_tasks_share_is_given_its_own_copy_before_the_workflow_is_kept(steps, engine, actors):
    """Spiff's data merge shares nested values between a task and the next: a restored workflow never does."""
    instance_id = steps.start(actors["village"], "approval")
    workflow = _loaded(steps, engine, instance_id)
    first, second, *_ = workflow.get_tasks()
    shared = {"name": "李某", "phones": ["1"]}
    first.data["member"] = second.data["member"] = shared
    state = dump_state(workflow)

    assert restores_as_itself(workflow)

    assert first.data["member"] == second.data["member"] == shared
    assert second.data["member"] is not first.data["member"]
    assert second.data["member"]["phones"] is not first.data["member"]["phones"]
    assert dump_state(workflow) == state


def _loaded(steps: Steps, engine, instance_id: int) -> BpmnWorkflow:
    row = steps.instance(instance_id)
    version = engine.versions.get(steps.session, row.version_id)
    return load_state(row.state, version.spec, version.subprocess_specs, engine.script_engine)


def test_a_timer_sweep_keeps_no_workflow_so_the_cases_people_work_on_stay_kept(steps, engine, actors, clock):
    """A sweep visits thousands of cases once: keeping theirs would push out those of cases in people's hands."""
    steps.deploy("copies_after_an_hour.bpmn")
    instance_id = steps.start(actors["village"], "copies_after_an_hour", {"copies": 2})
    assert instance_id in engine.workflows.kept_cases()  # its start kept it: the workflow restores as itself
    clock.advance(timedelta(hours=1, minutes=1))
    assert steps.run_timers() == 1
    assert instance_id not in engine.workflows.kept_cases()  # taken by the sweep's step, not put back


def test_a_kept_workflow_runs_its_engine_at_opening_only_when_a_timer_has_come_due(steps, engine, actors, clock,
                                                                                     monkeypatch):
    """Its last step ran the engine until nothing was left to run: opening it again walks its tasks only if time has
    given it work since. ``deadline.bpmn``'s verification is withdrawn by a timer five working days on."""
    steps.deploy("deadline.bpmn")
    runs = []
    run = BpmnWorkflow.do_engine_steps
    monkeypatch.setattr(BpmnWorkflow, "do_engine_steps", lambda self, *a, **k: runs.append(1) or run(self, *a, **k))
    clock.set(datetime(2026, 2, 12, 9, 0, tzinfo=CST))
    first = steps.start(actors["village"], "deadline", {"applied_on": "2026-02-12"})
    second = steps.start(actors["village"], "deadline", {"applied_on": "2026-02-12"})
    hits, runs[:] = engine.workflows.hits, []

    steps.complete(actors["village"], first, "verify", {"verified": True})
    assert (engine.workflows.hits, len(runs)) == (hits + 1, 1)  # after the completion only

    clock.set(datetime(2026, 2, 27, 0, 1, tzinfo=CST))  # the second case's deadline has passed, its sweep not run
    runs[:] = []
    with pytest.raises(TaskWithdrawn):
        steps.complete(actors["village"], second, "verify", {"verified": True})
    assert (engine.workflows.hits, len(runs)) == (hits + 2, 1)  # at opening: the timer withdrew the task

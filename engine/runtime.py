"""What the engine reads off a live SpiffWorkflow: human tasks, what it waits for, how it ended."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import CycleTimerEventDefinition, TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
from SpiffWorkflow.exceptions import TaskNotFoundException
from SpiffWorkflow.task import Task as SpiffTask
from SpiffWorkflow.util.task import TaskState as SpiffState

from engine.deploy import DUE_DATE_PROPERTY, FORM_PROPERTY
from engine.placement import PLACE_PROPERTY
from engine.routing import DEPARTMENT_PROPERTY
from engine.subjects import SUBJECT_PROPERTY


def mapped_tasks(workflow: BpmnWorkflow) -> Iterator[SpiffTask]:
    """Every task of the workflow and of its subprocesses, from their task mappings, in no particular order: Spiff's
    walk of the task tree costs a tenth of a timer's step."""
    for each in (workflow, *workflow.subprocesses.values()):
        yield from each.tasks.values()


def engine_work_left(workflow: BpmnWorkflow) -> bool:
    """Whether a READY task waits for the engine rather than a person: what Spiff's ``do_engine_steps`` would run."""
    return any(task.state == SpiffState.READY and not task.task_spec.manual for task in mapped_tasks(workflow))


def ready_human_tasks(workflow: BpmnWorkflow) -> dict[str, SpiffTask]:
    """READY tasks that wait for a person, keyed by their id as stored in the task table (``mapped_tasks``: a step
    asks up to three times); when more than one waits, they are listed in the tree's order, as Spiff lists them."""
    ready = [task for task in mapped_tasks(workflow) if task.state == SpiffState.READY and task.task_spec.manual]
    if len(ready) > 1:
        ready = workflow.get_tasks(state=SpiffState.READY, manual=True)
    return {str(t.id): t for t in ready}


def human_task(workflow: BpmnWorkflow, task_id: str) -> SpiffTask | None:
    """The READY human task with this id, found directly (no walk over the task tree)."""
    try:
        task = workflow.get_task_from_id(UUID(task_id))
    except (ValueError, KeyError, TaskNotFoundException):
        return None
    if task is None or not task.has_state(SpiffState.READY) or not task.task_spec.manual:
        return None
    return task


def bpmn_id(task: SpiffTask) -> str:
    """The BPMN element id; children of a multi-instance task report their parent's."""
    spec = task.task_spec
    while spec.bpmn_id is None and task.parent is not None:
        task = task.parent
        spec = task.task_spec
    return spec.bpmn_id or spec.name


def task_name(task: SpiffTask) -> str:
    """The task's name, or its multi-instance's, else its id: never the name of the task before it, which in Spiff's
    tree is also its parent (an unnamed task would read as the previous one, ready again)."""
    return next((c.task_spec.bpmn_name for c in _own_tasks(task) if c.task_spec.bpmn_name), None) or bpmn_id(task)


def task_property(task: SpiffTask, name: str) -> str | None:
    """The task's own property, or its multi-instance's: never that of the task before it (a task after a placed
    one would go to the first's place, due at its deadline)."""
    for candidate in _own_tasks(task):
        value = getattr(candidate.task_spec, "extensions", {}).get("properties", {}).get(name)
        if value:
            return value
    return None


def _own_tasks(task: SpiffTask) -> tuple[SpiffTask, ...]:
    """The task, and its multi-instance task when it is one instance of it."""
    parent = task.parent
    of_multi_instance = parent is not None and getattr(parent.task_spec, "task_spec", None) == task.task_spec.name
    return (task, parent) if of_multi_instance else (task,)


def form_name(task: SpiffTask) -> str | None:
    return task_property(task, FORM_PROPERTY)


def due_expression(task: SpiffTask) -> str | None:
    return task_property(task, DUE_DATE_PROPERTY)


def department_expression(task: SpiffTask) -> str | None:
    return task_property(task, DEPARTMENT_PROPERTY)


def subject_expression(task: SpiffTask) -> str | None:
    return task_property(task, SUBJECT_PROPERTY)


def place_expression(task: SpiffTask) -> str | None:
    return task_property(task, PLACE_PROPERTY)


def lane(task: SpiffTask) -> str | None:
    return task.task_spec.lane or (task.parent.task_spec.lane if task.parent else None)


@dataclass(frozen=True)
class Waiting:
    """What a running instance waits for besides people; ``wake_at`` is its earliest timer."""

    items: list[dict[str, Any]]
    wake_at: datetime | None


def _definitions(definition: Any) -> list[Any]:
    if isinstance(definition, MultipleEventDefinition):
        return list(definition.event_definitions)
    return [definition]


def _timer_due(task: SpiffTask, definition: TimerEventDefinition) -> datetime | None:
    value = task.internal_data.get("event_value")
    if isinstance(definition, CycleTimerEventDefinition) and isinstance(value, dict):
        value = value.get("next")
    if not isinstance(value, str):
        return None
    if value.upper().startswith("P"):
        return None
    return TimerEventDefinition.get_datetime(value)


def waiting_for(workflow: BpmnWorkflow) -> Waiting:
    items: list[dict[str, Any]] = []
    wake_at: datetime | None = None
    for task in workflow.event_manager.tasks.values():
        if not task.has_state(SpiffState.WAITING) or task.id not in task.workflow.tasks:
            continue  # out of the tree: a branch Spiff abandoned in this step left it in the event manager
        for definition in _definitions(task.task_spec.event_definition):
            if isinstance(definition, TimerEventDefinition):
                due = _timer_due(task, definition)
                items.append({"type": "timer", "until": due.isoformat() if due else None, "task": bpmn_id(task)})
                if due is not None and (wake_at is None or due < wake_at):
                    wake_at = due
            elif isinstance(definition, MessageEventDefinition):
                items.append({"type": "message", "name": definition.name, "task": bpmn_id(task)})
    return Waiting(items, wake_at)


def cycle_timers(workflow: BpmnWorkflow) -> dict[UUID, int]:
    """How many tasks each waiting cycle timer has begun, by its task's id: a round that fires adds the timer's next
    tasks beside it and leaves the timer waiting, so no completed task tells of it (``rounds_fired``)."""
    return {task.id: len(task.children) for task in workflow.event_manager.tasks.values()
            if isinstance(task.task_spec.event_definition, CycleTimerEventDefinition)}


def rounds_fired(workflow: BpmnWorkflow, before: dict[UUID, int]) -> list[SpiffTask]:
    """The cycle timers' rounds fired since ``before`` (``cycle_timers``), each as its timer's task."""
    fired = []
    for task_id, begun in cycle_timers(workflow).items():
        task = workflow.event_manager.tasks[task_id]
        fired += [task] * ((begun - before.get(task_id, begun)) // max(len(task.task_spec.outputs), 1))
    return fired


def fired_timer(task: SpiffTask) -> bool:
    """Whether this completed catching task (or event-based gateway) was triggered by a timer."""
    definition = getattr(task.task_spec, "event_definition", None)
    if isinstance(definition, MultipleEventDefinition):
        seen = task.internal_data.get("seen_events", [])
        return any(isinstance(event.event_definition, TimerEventDefinition) for event in seen)
    return isinstance(definition, TimerEventDefinition)


def final_data(workflow: BpmnWorkflow) -> dict[str, Any]:
    """The newest task data: what the instance knows now (end event data once it has ended)."""
    last = workflow.last_task
    return dict(last.data) if last is not None else {}


def end_reached(workflow: BpmnWorkflow) -> dict[str, str]:
    """The BPMN end event a completed instance finished at (its id and name)."""
    ends = [t for t in workflow.get_tasks(state=SpiffState.COMPLETED)
            if isinstance(t.task_spec, EndEvent)]
    if not ends:
        return {}
    last = max(ends, key=lambda t: t.last_state_change)
    return {"end": last.task_spec.bpmn_id, "end_name": last.task_spec.bpmn_name or ""}

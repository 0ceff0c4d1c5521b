"""Moving running instances of a process onto another version of it (SpiffWorkflow.bpmn.util.diff).

A dry run and a migration are one code path: each instance is migrated inside a SAVEPOINT of its own, under its lock
(``Engine.open_instance``), which a dry run always rolls back and a migration keeps only when every part succeeded:
the diff, the engine steps with the new version's specs, the task rows and the ``instance_migrated`` event. So a dry
run reports what a migration would do, down to a new task's property that fails to evaluate, and an instance that
cannot move keeps nothing of the attempt.

Only what a migration changes is touched: a READY task whose spec is unchanged keeps its id, claim and drafts; one
whose spec changed keeps its id and its row follows the new spec; predicted tasks are predicted again from the new
spec. What the instance already did, or waits for, must mean the same in the new version, else it stays where it is
and finishes on its version; a step it did whose only change is the way on from it (a task inserted after it) did
the same thing in both, so the instance moves and is told which new tasks it has passed and will not do.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.util.diff import SpecDiff, WorkflowDiff, migrate_workflow
from SpiffWorkflow.bpmn.util.subworkflow import BpmnBaseWorkflow
from SpiffWorkflow.specs.base import TaskSpec
from SpiffWorkflow.specs.Join import Join
from SpiffWorkflow.task import Task as SpiffTask
from SpiffWorkflow.util.task import TaskState as SpiffState
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from engine import audit, model_diff, runtime, versions
from engine.assignment import Actor
from engine.core import Engine, LoadedVersion, Step, describe_failure
from engine.errors import EngineError, InvalidData
from engine.models import InstanceStatus, ProcessInstance, ProcessVersion, Task, TaskState
from engine.paging import Key, Page, Window, page
from engine.scope import within
from engine.serialization import SPEC_REGISTRY

INSTANCE_ORDER = (Key(ProcessInstance.id),)  # oldest first, as they wait longest
MAX_INSTANCES = 500  # instances one request migrates: each is a locked step with its own SAVEPOINT
# Spec attributes that say only how a step is reached or left, not what it does: a step reached or done keeps the way
# it was reached and left (what a case did is history), and what follows a waiting step is predicted from the new spec
LEFT_BY, REACHED_BY, LANE = "outputs", "inputs", "lane"
CONDITIONS = "cond_task_specs"  # an exclusive or inclusive gateway's conditions, which model_diff shows on its flows
EVENTS = "event_definition"  # what an event awaits; for an event-based gateway, the events after it
# migrate_workflow resets the tasks in its mask: none, since resetting an unchanged task would give it a new branch
# (its boundary timer restarted); the tasks that changed are dealt with here, one by one
_NO_TASK = SpiffState.CANCELLED << 1


@dataclass(frozen=True)
class InstanceMigration:
    """What happened to one instance: whether it can move, why not, whether it moved, its READY tasks after."""

    id: int
    migratable: bool
    reasons: list[str]
    migrated: bool
    tasks: list[str]
    notes: list[str] = field(default_factory=list)  # what the designer should know of a move, e.g. a task it skips


class Refused(Exception):
    """The instance cannot move; the reasons are in Chinese, for the designer."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("；".join(reasons))
        self.reasons = reasons


def migrate(engine: Engine, session: Session, actor: Actor, key: str, from_version: int, to_version: int,
            instance_ids: Sequence[int] | None, dry_run: bool) -> list[InstanceMigration]:
    """Move the instances (``None``: every running one of ``from_version`` the actor sees) from one version of ``key``
    to another, each whole or not at all; a dry run keeps nothing and says what would happen."""
    if from_version == to_version:
        raise InvalidData("新旧版本相同", {"to_version": "应与 from_version 不同"})
    source_row = versions.get_version(session, key, from_version)
    target_row = versions.get_version(session, key, to_version)
    source, target = engine.versions.get(session, source_row.id), engine.versions.get(session, target_row.id)
    changes = element_changes(source_row, target_row)
    if instance_ids is None:
        instance_ids = running_instance_ids(session, actor, source.id)
    elif not 1 <= len(instance_ids) <= MAX_INSTANCES:
        raise InvalidData("实例数量无效", {"instance_ids": f"应为 1 到 {MAX_INSTANCES} 个实例编号"})
    if len(instance_ids) > MAX_INSTANCES:
        raise InvalidData("运行中的实例过多", {"instance_ids": f"一次最多迁移 {MAX_INSTANCES} 个，请分批选择"})
    results = [migrate_instance(engine, session, actor, instance_id, source, target, changes, dry_run)
               for instance_id in dict.fromkeys(instance_ids)]
    if not dry_run:
        migrated = [r.id for r in results if r.migrated]
        audit.append_global(session, [audit.Event("model_migration", engine.now(), actor.username, detail={
            "key": key, "from_version": from_version, "to_version": to_version, "requested": len(results),
            "migrated": len(migrated), "refused": len(results) - len(migrated), "instances": migrated})])
    return results


def element_changes(source: ProcessVersion, target: ProcessVersion) -> dict[str, list[str]]:
    """What changed on each element between two versions, in the words the designer's diff uses (名称, 表单, 泳道…)."""
    found = model_diff.diff(source.files, target.files)["changed"]
    return {element["id"]: [change["what"] for change in element["changes"]] for element in found}


def running_instance_ids(session: Session, actor: Actor, version_id: int) -> list[int]:
    """Every running instance of a version at the actor's place or below (one more than a request may migrate, so
    that too many is refused rather than cut short), oldest first."""
    query = _running(actor, version_id, ProcessInstance.id).order_by(ProcessInstance.id).limit(MAX_INSTANCES + 1)
    return list(session.execute(query).scalars())


def running_instances(session: Session, actor: Actor, version_id: int, window: Window) -> Page[ProcessInstance]:
    """One page of the running instances of a version at the actor's place or below, oldest first."""
    return page(session, _running(actor, version_id, ProcessInstance), INSTANCE_ORDER, window)


def _running(actor: Actor, version_id: int, selected: Any) -> Select[Any]:
    return select(selected).where(ProcessInstance.version_id == version_id,
                                  ProcessInstance.status == InstanceStatus.RUNNING,
                                  within(ProcessInstance.place_path, actor))


def open_tasks_of(session: Session, instance_ids: Collection[int]) -> dict[int, list[Task]]:
    """The READY tasks of each instance, in one query (what a list of instances to migrate shows per instance)."""
    found: dict[int, list[Task]] = {instance_id: [] for instance_id in instance_ids}
    rows = session.execute(select(Task).where(Task.instance_id.in_(found), Task.state == TaskState.READY)
                           .order_by(Task.created_at, Task.id)).scalars()
    for row in rows:
        found[row.instance_id].append(row)
    return found


def migrate_instance(engine: Engine, session: Session, actor: Actor, instance_id: int, source: LoadedVersion,
                     target: LoadedVersion, changes: dict[str, list[str]], dry_run: bool) -> InstanceMigration:
    """One instance in a SAVEPOINT of its own: kept if it moved and this is no dry run, else rolled back whole;
    ``changes`` are ``element_changes`` of the two versions."""
    savepoint = session.begin_nested()
    try:
        tasks, notes = _move(engine, session, actor, instance_id, source, target, changes)
    except Refused as refused:
        savepoint.rollback()
        return InstanceMigration(instance_id, False, refused.reasons, False, [])
    except EngineError as exc:  # e.g. a domain rule refused what the new version's steps did
        savepoint.rollback()
        return InstanceMigration(instance_id, False, [f"迁移失败: {exc}"], False, [])
    if dry_run:
        savepoint.rollback()
    else:
        savepoint.commit()
    return InstanceMigration(instance_id, True, [], not dry_run, tasks, notes)


def _move(engine: Engine, session: Session, actor: Actor, instance_id: int, source: LoadedVersion,
          target: LoadedVersion, changes: dict[str, list[str]]) -> tuple[list[str], list[str]]:
    _check_row(session, actor, instance_id, source)
    with engine.open_instance(session, instance_id, actor.username) as step:
        if step.error is not None:
            raise Refused([f"流程实例打开时出错: {step.error}"])
        before = _ready_names(step)
        plan = Plan.of(step.workflow, target, changes)
        if plan.reasons:
            raise Refused([*plan.reasons, f"此案件留在第 {source.version} 版，将按第 {source.version} 版办完"])
        step.attempt(plan.apply)  # a failure here fails the step like any other, and this instance with it
        step.version, step.renewed = target, plan.renewed
        step.run_engine()
        after = _ready_names(step)
        notes = [f"此案件已过新增的任务“{name}”，迁移后不会再办理它" for name in plan.passed(step.workflow)]
        step.record("instance_migrated", actor.username, key=target.key, from_version=source.version,
                    to_version=target.version, tasks_before=before, tasks_after=after)
    if step.error is not None:
        raise Refused([step.error])
    return after, notes


def _check_row(session: Session, actor: Actor, instance_id: int, source: LoadedVersion) -> None:
    row = session.execute(select(ProcessInstance.place_path, ProcessInstance.status, ProcessInstance.version_id)
                          .where(ProcessInstance.id == instance_id)).one_or_none()
    if row is None or not actor.sees(row.place_path):
        raise Refused(["未找到此流程实例"])  # one outside the actor's scope reads exactly like one that does not exist
    if row.status != InstanceStatus.RUNNING:
        raise Refused(["流程实例不在运行中"])
    if row.version_id != source.id:
        raise Refused([f"流程实例不在“{source.key}”的版本 {source.version} 上"])


def _ready_names(step: Step) -> list[str]:
    return [runtime.task_name(task) for task in runtime.ready_human_tasks(step.workflow).values()]


@dataclass
class Part:
    """The top workflow or one of its subprocesses, its diff and the spec it moves to."""

    workflow: BpmnBaseWorkflow
    spec_diff: SpecDiff
    diff: WorkflowDiff
    spec: BpmnProcessSpec


@dataclass
class Plan:
    """How an instance moves: the parts to migrate, the READY tasks whose spec changed, and why it cannot;
    ``changes`` words what changed on each element (``element_changes``)."""

    changes: dict[str, list[str]]
    parts: list[Part] = field(default_factory=list)
    renewed: set[str] = field(default_factory=set)
    reasons: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, workflow: BpmnWorkflow, target: LoadedVersion, changes: dict[str, list[str]]) -> Plan:
        plan = cls(changes)
        try:
            plan.parts = list(_parts(workflow, target, plan.reasons))
        except Exception as exc:  # a spec Spiff's diff cannot align (e.g. one no path from the start reaches)
            return cls(changes, reasons=[f"新版本与此实例的流程无法对齐: {describe_failure(exc)}"])
        for part in plan.parts:
            for task in part.workflow.get_tasks(skip_subprocesses=True):
                plan._judge(task, part)
        return plan

    def _judge(self, task: SpiffTask, part: Part) -> None:
        """Whether one task of the instance lets it move, and if its row must follow a changed spec."""
        if task.has_state(SpiffState.PREDICTED_MASK | SpiffState.FUTURE):
            return  # not reached yet: predicted again from the new spec
        name = runtime.task_name(task)
        if part.diff.alignment.get(task) is None:
            where = "已办理的任务" if task.has_state(SpiffState.COMPLETED) else \
                "已撤销的任务" if task.has_state(SpiffState.CANCELLED) else "当前任务"
            self.reasons.append(f"{where}“{name}”在新版本中已删除")
            return
        changes = set(part.spec_diff.changed.get(task.task_spec, ()))
        if not task.task_spec.manual:
            changes.discard(LANE)  # a lane names who works on a human task; on any other it is only drawn there
        rerouted = _harmless_reroutes(task.task_spec, part.diff.alignment[task])
        if task.has_state(SpiffState.COMPLETED) and (left := changes - {REACHED_BY} - (rerouted & {LEFT_BY})):
            # what it did may differ; only the way on from it (a task inserted after it) leaves what it did alone
            self.reasons.append(f"已办理的任务“{name}”在新版本中已修改{self._what(task, left)}")
        elif task.has_state(SpiffState.WAITING | SpiffState.STARTED) and \
                (left := changes - {LEFT_BY} - (rerouted & {REACHED_BY})):
            self.reasons.append(f"{_under_way(task)}“{name}”在新版本中已修改{self._what(task, left)}")
        elif task.has_state(SpiffState.READY) and (left := changes - {LEFT_BY, REACHED_BY}):
            if task.task_spec.manual:
                self.renewed.add(str(task.id))
            else:
                self.reasons.append(f"待执行的“{name}”在新版本中已修改{self._what(task, left)}")

    def _what(self, task: SpiffTask, changes: set[str]) -> str:
        """（名称、泳道）: what the designer's diff says changed on the element, and what it says elsewhere: a renamed
        lane on the lane, a gateway's conditions on its flows, the events an event-based gateway awaits on them."""
        words = [*self.changes.get(task.task_spec.bpmn_id or "", []),
                 *([model_diff.LANE_WORD] if LANE in changes else []),
                 *([model_diff.ELEMENT_WORDS["conditionExpression"]] if CONDITIONS in changes else []),
                 *(["之前的流程"] if REACHED_BY in changes else []), *(["之后的流程"] if LEFT_BY in changes else [])]
        if EVENTS in changes and task.task_spec.outputs:  # an event-based gateway: it awaits what follows it
            words += [f"“{output.bpmn_name or output.bpmn_id}”的{what}" for output in task.task_spec.outputs
                      for what in self.changes.get(output.bpmn_id or "", [])]
        return f"（{'、'.join(dict.fromkeys(words))}）" if words else ""

    def passed(self, workflow: BpmnWorkflow) -> list[str]:
        """The human tasks the new version adds that the migrated instance has nothing ahead of it to reach: it is
        past where they were inserted."""
        added = [spec for part in self.parts for spec in part.spec_diff.added if spec.manual]
        ahead = {task.task_spec for task in workflow.get_tasks(state=SpiffState.NOT_FINISHED_MASK)}
        return [spec.bpmn_name or spec.bpmn_id or spec.name for spec in added if spec not in ahead]

    def apply(self) -> None:
        """Point every task at its spec in the new version, then predict what follows the waiting ones again."""
        for part in self.parts:
            migrate_workflow(part.diff, part.workflow, part.spec, reset_mask=_NO_TASK)
        for part in self.parts:
            _predict_again(part.workflow, part.spec)


def _parts(workflow: BpmnWorkflow, target: LoadedVersion, reasons: list[str]) -> Iterator[Part]:
    spec_diff = SpecDiff(SPEC_REGISTRY, workflow.spec, target.spec)
    yield Part(workflow, spec_diff, WorkflowDiff(workflow, spec_diff), target.spec)
    for subprocess in workflow.subprocesses.values():
        spec = target.subprocess_specs.get(subprocess.spec.name)
        if spec is None:
            state = "运行中的" if not subprocess.completed else "已完成的"
            reasons.append(f"{state}子流程“{subprocess.spec.description or subprocess.spec.name}”在新版本中已不存在")
            continue
        spec_diff = SpecDiff(SPEC_REGISTRY, subprocess.spec, spec)
        yield Part(subprocess, spec_diff, WorkflowDiff(subprocess, spec_diff), spec)


def _harmless_reroutes(old: TaskSpec, new: TaskSpec) -> set[str]:
    """The ways into and out of a step whose change leaves what it did or awaits alone: the way in, unless the step
    joins branches (it waits for every way in, and the new one no branch of the case takes); the way out, unless it
    splits into branches (a join after it would wait for a new branch the case never took)."""
    found = set()
    if not isinstance(old, Join) and not isinstance(new, Join):
        found.add(REACHED_BY)
    if len(old.outputs) <= 1 and len(new.outputs) <= 1:
        found.add(LEFT_BY)
    return found


def _under_way(task: SpiffTask) -> str:
    """What a task the case is in the middle of is, as a designer calls it."""
    if task.has_state(SpiffState.STARTED):
        return "进行中的环节"  # a called process or subprocess, a multi-instance step
    definition = getattr(task.task_spec, "event_definition", None)
    if isinstance(definition, TimerEventDefinition):
        return "等待中的定时器"
    if isinstance(definition, MessageEventDefinition):
        return "等待中的消息"
    return "等待中的事件" if definition is not None else "等待中的环节"  # an event-based gateway awaits several


def _predict_again(workflow: BpmnBaseWorkflow, spec: BpmnProcessSpec) -> None:
    """Predict what follows again where the new version differs: tasks predicted from specs it has not are dropped
    (they would not even load), and each waiting or predicted task whose children are not its new spec's outputs
    gets them anew; so a task added after the current one is where the case goes next."""
    predicted = SpiffState.PREDICTED_MASK | SpiffState.FUTURE
    for task in list(workflow.get_tasks(state=predicted, skip_subprocesses=True)):
        if task.id in workflow.tasks and spec.task_specs.get(task.task_spec.name) is not task.task_spec:
            workflow._remove_task(task.id)  # with what was predicted after it
    mask = predicted | SpiffState.READY | SpiffState.WAITING
    for task in list(workflow.get_tasks(state=mask, skip_subprocesses=True)):
        if task.id in workflow.tasks and {child.task_spec for child in task.children} != set(task.task_spec.outputs):
            task._drop_children()  # only what is not done: a waiting task has nothing done after it
            task.task_spec._predict(task, mask=mask)

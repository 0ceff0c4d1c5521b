"""Use cases on human tasks: complete (one or a batch), claim, unclaim."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from engine import audit
from engine.assignment import Actor
from engine.core import Engine
from engine.errors import Conflict, InvalidData, NotFound
from engine.models import ProcessInstance, Task, TaskDraft, TaskState
from engine.serialization import check_data_keys

BATCH_PROPERTY = "batch"  # a step the process lets decide for several cases at once (one meeting, one notice)


def visible_task(session: Session, task_id: str, actor: Actor) -> Task:
    """The task row if it is in the actor's lane and place (any state), else NotFound."""
    task = session.get(Task, task_id)
    if task is None or not actor.may_work_on(task.role, task.place_path):
        raise NotFound(f"task {task_id}")
    return task


def _open_task(session: Session, task_id: str, actor: Actor) -> Task:
    task = visible_task(session, task_id, actor)
    if task.state != TaskState.READY:
        raise Conflict("任务已被处理或已撤销")
    if task.claimed_by not in (None, actor.username):
        raise Conflict(f"任务已由 {task.claimed_by} 认领")
    return task


def complete_task(engine: Engine, session: Session, task_id: str, actor: Actor, data: dict[str, Any]) -> int:
    """Complete one task with the submitted form data; returns the instance id."""
    return complete_tasks(engine, session, [task_id], actor, data)[0]


def complete_tasks(engine: Engine, session: Session, task_ids: Sequence[str], actor: Actor,
                   data: dict[str, Any]) -> list[int]:
    """One decision for several tasks (e.g. one public notice for a village's households): all or nothing.

    Instances are locked in id order so that two overlapping batches cannot deadlock.
    """
    if not task_ids:
        raise InvalidData("没有选择任务", {"task_ids": "至少选择一项"})
    if len(set(task_ids)) != len(task_ids):
        raise InvalidData("任务重复", {"task_ids": "不能包含重复的任务"})
    if not isinstance(data, dict):
        raise InvalidData("data 应为对象", {"data": "应为对象"})
    check_data_keys(data)
    rows = [_open_task(session, task_id, actor) for task_id in task_ids]
    if len(rows) > 1:
        check_batch(engine, session, rows)
    by_instance: dict[int, list[str]] = defaultdict(list)
    for row in rows:
        by_instance[row.instance_id].append(row.id)
    for instance_id in sorted(by_instance):
        with engine.open_instance(session, instance_id, actor.username) as step:
            for task_id in by_instance[instance_id]:
                step.complete(task_id, actor, dict(data))
    session.execute(delete(TaskDraft).where(TaskDraft.task_id.in_(task_ids)))  # of no more use to anyone
    return [instance_id for instance_id in by_instance]


def check_batch(engine: Engine, session: Session, rows: Sequence[Task]) -> None:
    """Several tasks decided at once must be the same step, at the same place, of a step its BPMN marks
    batchable (``spiffworkflow:property name="batch" value="true"``); else InvalidData naming ``task_ids``."""
    first = rows[0]
    if any(row.bpmn_id != first.bpmn_id or row.place_code != first.place_code for row in rows):
        raise InvalidData("只能批量办理同一地点、同一步骤的任务", {"task_ids": "步骤或地点不一致"})
    versions = set(session.execute(select(ProcessInstance.version_id)
                                   .where(ProcessInstance.id.in_({row.instance_id for row in rows}))).scalars())
    if any(engine.versions.get(session, version).step_property(first.bpmn_id, BATCH_PROPERTY) != "true"
           for version in versions):
        raise InvalidData("此步骤须逐个办理", {"task_ids": "此步骤不能批量办理"})


def claim_task(engine: Engine, session: Session, task_id: str, actor: Actor) -> Task:
    task = _open_task(session, task_id, actor)
    claimed = session.execute(
        update(Task).where(Task.id == task_id, Task.state == TaskState.READY,
                           (Task.claimed_by.is_(None)) | (Task.claimed_by == actor.username))
        .values(claimed_by=actor.username)
    ).rowcount
    if not claimed:
        raise Conflict("任务已被他人认领或已处理")
    _record(engine, session, "task_claimed", actor, task)
    return _refreshed(session, task_id)


def unclaim_task(engine: Engine, session: Session, task_id: str, actor: Actor) -> Task:
    task = visible_task(session, task_id, actor)
    if task.claimed_by is None:
        return task
    if task.claimed_by != actor.username and actor.role not in engine.supervisor_roles:
        raise Conflict(f"任务由 {task.claimed_by} 认领, 只有本人可以退回")
    session.execute(update(Task).where(Task.id == task_id).values(claimed_by=None))
    _record(engine, session, "task_unclaimed", actor, task)
    return _refreshed(session, task_id)


def _record(engine: Engine, session: Session, type_: str, actor: Actor, task: Task) -> None:
    audit.append_to_instance(session, task.instance_id,
                             [audit.Event(type_, engine.now(), actor.username, task.instance_id, task.id)])


def _refreshed(session: Session, task_id: str) -> Task:
    task = session.get(Task, task_id)
    session.refresh(task)
    return task

"""Use cases on human tasks: complete (one or a batch), claim, unclaim; and what a waiting task's step sees."""

from __future__ import annotations

from collections import defaultdict, namedtuple
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import Row, bindparam, delete, exists, select, update
from sqlalchemy.orm import Session

from engine import audit, batch, lazy_transactions, runtime
from engine.assignment import Actor
from engine.core import LOCKED, Engine, has_row_locks
from engine.driver_statements import DriverStatement
from engine.errors import Conflict, InvalidData, NotFound, StaleCase
from engine.models import InstanceStatus, ProcessInstance, Task, TaskDraft, TaskState
from engine.serialization import check_data_keys, load_state, to_plain_json

BATCH_PROPERTY = batch.BATCH_PROPERTY
T = TypeVar("T", Task, Row)
TASKS, INSTANCES, DRAFTS = Task.__table__, ProcessInstance.__table__, TaskDraft.__table__
# What a completion reads of a task row: whose it is (``Actor.may_work_on``), whether it is open, its step, its form
_OPENING = (TASKS.c.id, TASKS.c.instance_id, TASKS.c.bpmn_id, TASKS.c.form, TASKS.c.state, TASKS.c.claimed_by,
            TASKS.c.role, TASKS.c.department, TASKS.c.place_path, TASKS.c.placed)
# Built once: a completion reads its task rows, each with its case's version and whether anyone saved a draft of it,
# in one statement; so the drafts are deleted only where there are some (one round trip less on most completions)
# (on the driver's cursor: engine.driver_statements)
_TASKS_WITH_VERSION = DriverStatement(select(*_OPENING, INSTANCES.c.version_id,
                                             exists().where(DRAFTS.c.task_id == TASKS.c.id).label("has_draft"))
                                      .join(INSTANCES, INSTANCES.c.id == TASKS.c.instance_id)
                                      .where(TASKS.c.id.in_(bindparam("task_ids", expanding=True))))
# One task completed on its own (most completions): the same read with what the step needs of its case, and the
# case's lock (``Engine.open_instance``) taken in the same statement — one round trip less; or, when the step is the
# caller's only write (``sole_write``), no lock at all. Where rows can be locked as they are read (PostgreSQL); a task
# not found so (none, or its case no longer running) is read again as above to say why it cannot be completed
_TASK_WITH_CASE = select(*_OPENING, INSTANCES.c.version_id,
                         exists().where(DRAFTS.c.task_id == TASKS.c.id).label("has_draft"),
                         *(column.label(f"case_{column.name}") for column in LOCKED)) \
    .where(INSTANCES.c.id == TASKS.c.instance_id, TASKS.c.id == bindparam("task_id"),
           INSTANCES.c.status == InstanceStatus.RUNNING)
_TASK_READING_CASE = DriverStatement(_TASK_WITH_CASE)
_TASK_LOCKING_CASE = DriverStatement(_TASK_WITH_CASE.with_for_update(of=INSTANCES, key_share=True))  # as engine.core
_Locked = namedtuple("_Locked", [column.name for column in LOCKED])  # what ``Engine.open_instance`` takes as locked
_FORGET_DRAFTS = delete(DRAFTS).where(DRAFTS.c.task_id.in_(bindparam("task_ids", expanding=True)))


def visible_task(session: Session, task_id: str, actor: Actor) -> Task:
    """The task row if it is the actor's to work on (``Actor.may_work_on``, any state), else NotFound."""
    return _visible(session.get(Task, task_id), task_id, actor)


def _visible(task: T | None, task_id: str, actor: Actor) -> T:
    if task is None or not actor.may_work_on(task):
        raise NotFound(f"task {task_id}")
    return task


def waiting_data(engine: Engine, session: Session, task: Task) -> dict[str, Any]:
    """The data the task's step sees while it waits, e.g. a multi-instance child's own item, which the case's
    data does not hold; read without locking the case. Empty once the task no longer waits."""
    if task.state != TaskState.READY:
        return {}
    instance = session.get(ProcessInstance, task.instance_id)
    version = engine.versions.get(session, instance.version_id)
    workflow = load_state(instance.state, version.spec, version.subprocess_specs, engine.script_engine)
    found = runtime.human_task(workflow, task.id)
    return to_plain_json(found.data) if found is not None else {}


def _open_task(session: Session, task_id: str, actor: Actor) -> Task:
    return _open(visible_task(session, task_id, actor), actor)


def _open(task: T, actor: Actor) -> T:
    """The task if the actor may act on it now: still READY, and not claimed by someone else."""
    if task.state != TaskState.READY:
        raise Conflict("任务已被处理或已撤销")
    if task.claimed_by not in (None, actor.username):
        raise Conflict("任务已由他人认领")
    return task


def _open_tasks(session: Session, task_ids: Sequence[str], actor: Actor) -> list[Row]:
    """``_open_task`` for each id, in order, read together with each case's ``version_id``."""
    found = {row.id: row for row in _TASKS_WITH_VERSION.rows(session.connection(), {"task_ids": list(task_ids)})}
    return [_open(_visible(found.get(task_id), task_id, actor), actor) for task_id in task_ids]


def _open_task_with_case(session: Session, task_id: str, actor: Actor, alone: bool) -> tuple[Row, tuple] | None:
    """``_open_tasks`` of one task with its case, locked in the same statement as ``Engine.open_instance`` would lock
    it, or (``alone``) not locked (the case's ``LOCKED`` columns come second); None where the database cannot or the
    task was not found so. A refusal after the lock (not the actor's, no longer open, bad data) rolls it back with the
    request."""
    connection = session.connection()
    if not has_row_locks(connection):  # SQLite locks by writing, and its RETURNING may name only the table it updates
        return None
    found = (_TASK_READING_CASE if alone else _TASK_LOCKING_CASE).first(connection, {"task_id": task_id})
    if found is None:
        return None
    if alone and found.has_draft:  # its drafts go in the step's transaction, after the case's lock (as a batch's do)
        raise _NotAlone
    return _open(_visible(found, task_id, actor), actor), \
        _Locked._make(found[-len(LOCKED):])  # the case's columns come last


class _NotAlone(Exception):
    """The step cannot be saved in one statement of its own after all: it is done again, its case locked."""


def complete_task(engine: Engine, session: Session, task_id: str, actor: Actor, data: dict[str, Any],
                  sole_write: bool = False) -> int:
    """Complete one task with the submitted form data; returns the instance id. ``sole_write``: as in
    ``complete_tasks``."""
    return complete_tasks(engine, session, [task_id], actor, data, sole_write=sole_write)[0]


def complete_tasks(engine: Engine, session: Session, task_ids: Sequence[str], actor: Actor,
                   data: dict[str, Any], per_task: Mapping[str, Any] | None = None,
                   sole_write: bool = False) -> list[int]:
    """One decision for several tasks (e.g. one public notice for a village's households): all or nothing.

    ``data`` is what every task answers alike; ``per_task`` (task id → answers) what each answers on
    its own, only the fields its form marks per case (``engine.batch``). Each task's merged data is
    checked against its form before any instance steps, and every problem of every task is reported
    at once. Instances are locked in id order so that two overlapping batches cannot deadlock.

    ``sole_write``: the caller writes nothing else in its unit of work, before or after. One task's step on PostgreSQL
    then reads its case without locking it and, unless the step writes anything else, saves it in one statement that
    commits itself (``engine.lazy_transactions``): two round trips less (BEGIN, COMMIT). If another step saved the case
    in between, that statement writes nothing (``engine.round_trips``): the attempt is rolled back and the step done
    again from the start, the case locked.
    """
    if sole_write and len(task_ids) == 1 and _may_step_alone(session):
        try:
            return _complete(engine, session, task_ids, actor, data, per_task, alone=True)
        except (StaleCase, _NotAlone):
            session.rollback()  # this attempt's, and nothing else (``sole_write``)
    return _complete(engine, session, task_ids, actor, data, per_task, alone=False)


def _may_step_alone(session: Session) -> bool:
    """Nothing written yet, nor waiting in the session to be flushed: a retry's rollback can lose nothing."""
    if session.new or session.dirty or session.deleted:
        return False
    connection = session.connection()
    return has_row_locks(connection) and not lazy_transactions.in_transaction(connection)


def _complete(engine: Engine, session: Session, task_ids: Sequence[str], actor: Actor, data: dict[str, Any],
              per_task: Mapping[str, Any] | None, alone: bool) -> list[int]:
    if not task_ids:
        raise InvalidData("没有选择任务", {"task_ids": "至少选择一项"})
    if len(set(task_ids)) != len(task_ids):
        raise InvalidData("任务重复", {"task_ids": "不能包含重复的任务"})
    if not isinstance(data, dict):
        raise InvalidData("data 应为对象", {"data": "应为对象"})
    check_data_keys(data)
    own = batch.own_answers(per_task, task_ids)
    opened = _open_task_with_case(session, task_ids[0], actor, alone) if len(task_ids) == 1 else None
    rows = [opened[0]] if opened else _open_tasks(session, task_ids, actor)
    versions = {row.instance_id: row.version_id for row in rows}
    if len(rows) > 1:
        check_batch(engine, session, rows, versions)
    forms = {row.id: engine.versions.get(session, versions[row.instance_id]).forms.get(row.form) if row.form else None
             for row in rows}
    batch.check_own_keys(own, forms)
    merged = {row.id: {**data, **own.get(row.id, {})} for row in rows}
    names = batch.ErrorNames(per_task is not None, forms)
    errors: dict[str, str] = {}
    for row in rows:
        validator = engine.versions.get(session, versions[row.instance_id]).validator(row.form, engine.forms)
        try:
            engine.forms.validate(validator, merged[row.id])
        except InvalidData as error:
            _add(errors, names.of(row.id, error.fields))
    if errors:
        raise InvalidData("表单填写有误", errors)
    checked = {row.id: (row.version_id, row.form) for row in rows}  # what each task's data has passed
    by_instance: dict[int, list[str]] = defaultdict(list)
    for row in rows:
        by_instance[row.instance_id].append(row.id)
    for instance_id in sorted(by_instance):
        task_id = by_instance[instance_id][0]
        try:
            with engine.open_instance(session, instance_id, actor.username, opened[1] if opened else None,
                                      alone=alone) as step:
                for task_id in by_instance[instance_id]:
                    step.complete(task_id, actor, dict(merged[task_id]), checked[task_id])
        except InvalidData as error:  # a domain rule refused this case: the others are still checked
            if per_task is None:
                raise
            _add(errors, names.of(task_id, error.fields))
    if errors:
        raise InvalidData("部分农户的填写有误，全部未提交", errors)
    drafted = [row.id for row in rows if row.has_draft]
    if drafted:
        session.connection().execute(_FORGET_DRAFTS, {"task_ids": drafted})  # of no more use to anyone
    return [instance_id for instance_id in by_instance]


def _add(errors: dict[str, str], fields: Mapping[str, str]) -> None:
    """The first reason per field: a shared field refused for every task is reported once."""
    for path, reason in fields.items():
        errors.setdefault(path, reason)


def _versions_of(session: Session, rows: Sequence[Task]) -> dict[int, int]:
    """instance id → its process version id."""
    return dict(session.execute(select(ProcessInstance.id, ProcessInstance.version_id)
                                .where(ProcessInstance.id.in_({row.instance_id for row in rows}))).all())


def check_batch(engine: Engine, session: Session, rows: Sequence[Task | Row],
                versions: Mapping[int, int] | None = None) -> None:
    """Several tasks decided at once must be the same step, of a step its BPMN marks batchable
    (``spiffworkflow:property name="batch"``), within the reach its value gives (``engine.batch``);
    else InvalidData naming ``task_ids``."""
    first = rows[0]
    if any(row.bpmn_id != first.bpmn_id for row in rows):
        raise InvalidData("只能批量办理同一步骤的任务", {"task_ids": "步骤不一致"})
    versions = versions if versions is not None else _versions_of(session, rows)
    scopes = {engine.versions.get(session, version).step_property(first.bpmn_id, BATCH_PROPERTY)
              for version in set(versions.values())}
    batch.check_reach(scopes.pop() if len(scopes) == 1 else None, [row.place_path for row in rows])


def batch_scope(engine: Engine, session: Session, task: Task, version_id: int) -> str | None:
    """How far the task's step may be decided together with others (``engine.batch``), None if never."""
    scope = engine.versions.get(session, version_id).step_property(task.bpmn_id, BATCH_PROPERTY)
    return scope if scope in batch.BATCH_SCOPES else None


def claim_task(engine: Engine, session: Session, task_id: str, actor: Actor) -> Task:
    task = _open_task(session, task_id, actor)
    _record(engine, session, "task_claimed", actor, task)  # the case's lock first (see ``_record``)
    claimed = session.execute(
        update(Task).where(Task.id == task_id, Task.state == TaskState.READY,
                           (Task.claimed_by.is_(None)) | (Task.claimed_by == actor.username))
        .values(claimed_by=actor.username)
    ).rowcount
    if not claimed:  # done or claimed meanwhile: the request rolls back, its audit event with it
        raise Conflict("任务已被他人认领或已处理")
    return _refreshed(session, task_id)


def unclaim_task(engine: Engine, session: Session, task_id: str, actor: Actor) -> Task:
    task = visible_task(session, task_id, actor)
    if task.claimed_by is None:
        return task
    if task.claimed_by != actor.username and actor.role not in engine.supervisor_roles:
        raise Conflict("任务由他人认领，只有认领人可以退回")
    _record(engine, session, "task_unclaimed", actor, task)  # the case's lock first (see ``_record``)
    session.execute(update(Task).where(Task.id == task_id).values(claimed_by=None))
    return _refreshed(session, task_id)


def _record(engine: Engine, session: Session, type_: str, actor: Actor, task: Task) -> None:
    """Append the event to the case's audit chain, which locks the case: before the task's row, as a completion locks
    them (the case, then its task rows), so a claim and a completion of one task cannot each hold what the other
    waits for."""
    audit.append_to_instance(session, task.instance_id,
                             [audit.Event(type_, engine.now(), actor.username, task.instance_id, task.id)])


def _refreshed(session: Session, task_id: str) -> Task:
    task = session.get(Task, task_id)
    session.refresh(task)
    return task

"""Read side: scope, inboxes, instance lists and timelines. Plain SELECTs on rows; no workflow is ever loaded."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.assignment import Actor
from engine.errors import NotFound
from engine.models import AuditEvent, ProcessInstance, ProcessVersion, Task, TaskState

T = TypeVar("T")


def in_scope(session: Session, model: type[T], key: Any, actor: Actor,
             path: Callable[[Any], str] = lambda row: row.place_path) -> T:
    """The row if the actor sees its place; one outside answers NotFound, exactly like one that does not exist."""
    row = session.get(model, key)
    if row is None or not actor.sees(path(row)):
        raise NotFound(f"{model.__name__} {key}")
    return row


def inbox(session: Session, actor: Actor) -> list[Task]:
    """READY tasks in the actor's lane at its place or below, oldest first."""
    return list(session.execute(
        select(Task)
        .where(Task.state == TaskState.READY, Task.place_path.startswith(actor.place_path, autoescape=True),
               (Task.role == actor.role) | Task.role.is_(None))
        .order_by(Task.created_at, Task.id)
    ).scalars())


def visible_instances(session: Session, actor: Actor, process: str | None = None,
                      status: str | None = None, limit: int = 500) -> list[ProcessInstance]:
    query = select(ProcessInstance).where(ProcessInstance.place_path.startswith(actor.place_path, autoescape=True))
    if process:
        query = query.where(ProcessInstance.process_key == process)
    if status:
        query = query.where(ProcessInstance.status == status)
    return list(session.execute(query.order_by(ProcessInstance.id.desc()).limit(limit)).scalars())


def open_tasks(session: Session, instance_id: int) -> list[Task]:
    return list(session.execute(
        select(Task).where(Task.instance_id == instance_id, Task.state == TaskState.READY).order_by(Task.created_at)
    ).scalars())


def timeline(session: Session, instance_id: int) -> list[AuditEvent]:
    return list(session.execute(
        select(AuditEvent).where(AuditEvent.instance_id == instance_id).order_by(AuditEvent.id)
    ).scalars())


def version_numbers(session: Session, version_ids: set[int]) -> dict[int, int]:
    """Version id -> version number, without loading the versions' files and specs."""
    rows = session.execute(select(ProcessVersion.id, ProcessVersion.version).where(ProcessVersion.id.in_(version_ids)))
    return dict(rows.all())

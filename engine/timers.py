"""Advancing instances whose timers are due: ``fangpin timers run`` and the scheduler in ``fangpin serve``.

Each instance is advanced in its own transaction. On PostgreSQL candidates are claimed with
``FOR UPDATE SKIP LOCKED`` so several sweepers share the work; on SQLite the write lock serializes
them. Either way the step re-checks ``wake_at`` under the instance lock, so no timer fires twice.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.core import Engine
from engine.errors import Conflict
from engine.models import InstanceStatus, ProcessInstance

SessionScope = Callable[[], AbstractContextManager[Session]]


def _next_due(session: Session, now: datetime, skip: set[int]) -> int | None:
    query = (select(ProcessInstance.id)
             .where(ProcessInstance.status == InstanceStatus.RUNNING, ProcessInstance.wake_at < now,
                    ProcessInstance.id.not_in(skip))
             .order_by(ProcessInstance.wake_at).limit(1))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return session.execute(query).scalar()


def advance_due(engine: Engine, session: Session, instance_id: int, now: datetime) -> int:
    """Advance one instance if its timer is still due; returns how many timers fired."""
    due = session.execute(select(ProcessInstance.wake_at).where(ProcessInstance.id == instance_id)).scalar()
    if due is None or due >= now:  # Spiff fires a timer strictly after its time
        return 0
    with engine.open_instance(session, instance_id, "system") as step:
        fired = sum(1 for event in step.events if event.type == "timer_fired")
    return fired


def run_due_timers(engine: Engine, session_scope: SessionScope, limit: int = 10_000) -> int:
    """Advance every instance whose earliest timer is due by the engine's clock; returns timers fired.

    ``session_scope`` is the caller's unit of work: it yields a session and commits on success.
    """
    now = engine.now()
    fired, seen = 0, set()
    while len(seen) < limit:
        with session_scope() as session:
            instance_id = _next_due(session, now, seen)
            if instance_id is None:
                break
            seen.add(instance_id)
            try:
                fired += advance_due(engine, session, instance_id, now)
            except Conflict:
                continue  # another sweeper finished it first
    return fired


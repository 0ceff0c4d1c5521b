"""Advancing instances whose timers are due: ``fangpin timers run`` and every server's scheduler.

A sweep reads the due instances once, oldest first, then works through them a small batch at a time. On PostgreSQL
each batch is first narrowed with ``FOR UPDATE SKIP LOCKED`` in one round trip: what another sweeper (on this host
or another) is advancing right now, or has already advanced, drops out. Each instance is then advanced in its own
transaction, once it is claimed under its row lock with its ``wake_at`` re-checked there — so no timer fires twice,
a sweeper never waits behind another, and one instance that fails loses nothing of the others. On SQLite the claim
takes the database's write lock, which serializes sweepers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session

from engine.core import Engine
from engine.models import InstanceStatus, ProcessInstance

SessionScope = Callable[[], AbstractContextManager[Session]]
BATCH = 20  # instances narrowed per round trip: small enough that sweepers side by side take different ones
INSTANCES = ProcessInstance.__table__
log = logging.getLogger("fangpin.timers")


def _due(now: datetime) -> tuple[ColumnElement[bool], ...]:
    return INSTANCES.c.status == InstanceStatus.RUNNING, INSTANCES.c.wake_at < now  # Spiff fires strictly after


def _on_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def due_instances(session: Session, now: datetime, limit: int) -> list[int]:
    """The instances whose earliest timer is due, oldest first (index ``ix_process_instances_wake``)."""
    return list(session.execute(select(INSTANCES.c.id).where(*_due(now))
                                .order_by(INSTANCES.c.wake_at, INSTANCES.c.id).limit(limit)).scalars())


def still_due(session: Session, batch: Sequence[int], now: datetime) -> list[int]:
    """Those of ``batch`` still due and, on PostgreSQL, not held by another sweeper or request at this moment."""
    query = select(INSTANCES.c.id).where(INSTANCES.c.id.in_(batch), *_due(now)).order_by(INSTANCES.c.id)
    if _on_postgresql(session):
        query = query.with_for_update(skip_locked=True)
    return list(session.execute(query).scalars())


def claim(session: Session, instance_id: int, now: datetime) -> bool:
    """Lock the instance for this transaction if its timer is still due (checked under the lock); False if it is
    not due any more or, on PostgreSQL, another transaction holds it (that one fires it, or the next sweep does)."""
    due = (INSTANCES.c.id == instance_id, *_due(now))
    if _on_postgresql(session):
        return session.execute(select(INSTANCES.c.id).where(*due).with_for_update(skip_locked=True)).first() is not None
    # SQLite has no row locks: a write takes the database's lock (queueing behind the busy timeout), then re-checks
    return session.execute(update(INSTANCES).where(*due).values(wake_at=INSTANCES.c.wake_at)).rowcount == 1


def advance_due(engine: Engine, session: Session, instance_id: int, now: datetime) -> int:
    """Advance one instance if its timer is still due; returns how many timers fired."""
    if not claim(session, instance_id, now):
        return 0
    with engine.open_instance(session, instance_id, "system") as step:
        pass
    return sum(1 for event in step.events if event.type == "timer_fired")


def run_due_timers(engine: Engine, session_scope: SessionScope, limit: int = 10_000) -> int:
    """Advance every instance whose earliest timer is due by the engine's clock (at most ``limit`` of them);
    returns timers fired. ``session_scope`` is the caller's unit of work: it yields a session and commits on
    success, rolls back on an exception."""
    now = engine.now()
    with session_scope() as session:
        due = due_instances(session, now, limit)
    fired = 0
    for start in range(0, len(due), BATCH):
        with session_scope() as session:
            batch = still_due(session, due[start:start + BATCH], now)
        for instance_id in batch:
            fired += _advance_alone(engine, session_scope, instance_id, now)
    return fired


def _advance_alone(engine: Engine, session_scope: SessionScope, instance_id: int, now: datetime) -> int:
    """One instance in its own transaction; a failure is logged and retried by the next sweep."""
    try:
        with session_scope() as session:
            return advance_due(engine, session, instance_id, now)
    except Exception:
        log.exception("advancing instance %s at its timer failed", instance_id)
        return 0

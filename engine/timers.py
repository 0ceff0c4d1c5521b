"""Advancing instances whose timers are due: ``fangpin timers run`` and every server's scheduler.

A sweep reads the due instances once, oldest first, then works through them a batch at a time, one transaction per
batch. The batch is claimed in one ``UPDATE … RETURNING`` that locks its rows until the batch commits, re-checks under
those locks that each is still due, and returns what each step needs (so no step locks or reads its row again): on
PostgreSQL its rows are picked ``FOR UPDATE SKIP LOCKED``, so what another sweeper (on this host or another) or a
request holds right now drops out and is never waited for; on SQLite it takes the database's write lock, which
serializes sweepers. The claimed instances are then advanced and commit
together; one that fails rolls the batch back, is logged and left due for the next sweep, and the others are claimed
and advanced again without it. A crash before the commit leaves the whole batch still due; after it, fired — never
both, never twice.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, select, update
from sqlalchemy.orm import Session

from engine.core import LOCKED, Engine
from engine.models import InstanceStatus, ProcessInstance

SessionScope = Callable[[], AbstractContextManager[Session]]
# Instances per transaction: one commit and one claim for all of them, yet a short hold on their rows (and on
# SQLite's write lock) so requests wait little; sweepers side by side share out the rows of the batches they meet
BATCH = 20
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


def claim(session: Session, batch: Sequence[int], now: datetime) -> list[Row[Any]]:
    """Lock, until this transaction ends, those of ``batch`` still due (checked under the lock) and raise their
    revision, as ``Engine.open_instance`` would one by one; returns their ids with what the step needs of them
    (``engine.core.LOCKED``), in id order. On PostgreSQL those another transaction holds are left out (that one
    fires them, or the next sweep does); SQLite has no row locks: the write takes the database's lock, queueing
    behind the busy timeout, then re-checks."""
    due = (INSTANCES.c.id.in_(batch), *_due(now))
    if _on_postgresql(session):
        free = select(INSTANCES.c.id).where(*due).with_for_update(skip_locked=True)
        due = (INSTANCES.c.id.in_(free), *_due(now))
    locked = update(INSTANCES).where(*due).values(revision=INSTANCES.c.revision + 1) \
        .returning(INSTANCES.c.id, *LOCKED)
    return sorted(session.connection().execute(locked).all(), key=lambda row: row.id)


_frozen = False


def _freeze_startup_heap() -> None:
    """Once per process, before its first sweep: what lives by then (modules, the app, restored specs) leaves the
    collector's generations. A sweep restores thousands of workflows, and every full collection it triggers walked that
    heap again: 0.34 → 0.17 ms of collector CPU per timer. Garbage is collected first, so none is frozen with it."""
    global _frozen
    if not _frozen:
        _frozen = True
        gc.collect()
        gc.freeze()


def advance_due(engine: Engine, session: Session, instance_id: int, now: datetime) -> int:
    """Advance one instance if its timer is still due; returns how many timers fired."""
    claimed = claim(session, [instance_id], now)
    return _advance_claimed(engine, session, claimed[0]) if claimed else 0


def run_due_timers(engine: Engine, session_scope: SessionScope, limit: int = 10_000) -> int:
    """Advance every instance whose earliest timer is due by the engine's clock (at most ``limit`` of them);
    returns timers fired. ``session_scope`` is the caller's unit of work: it yields a session and commits on
    success, rolls back on an exception."""
    _freeze_startup_heap()
    now = engine.now()
    with session_scope() as session:
        due = due_instances(session, now, limit)
    return sum(advance_batch(engine, session_scope, due[start:start + BATCH], now)
               for start in range(0, len(due), BATCH))


def advance_batch(engine: Engine, session_scope: SessionScope, batch: Sequence[int], now: datetime) -> int:
    """Claim ``batch`` and advance each claimed instance in one transaction; returns timers fired once it has
    committed. When an instance fails, the transaction is rolled back and the batch is claimed and advanced again
    without it (it is logged and stays due for the next sweep): failures are rare, and a SAVEPOINT per instance
    would cost every timer two more round trips. If the claim or the commit fails, the batch stays due."""
    pending = list(batch)
    while pending:
        failing = None
        try:
            with session_scope() as session:
                fired = 0
                for row in claim(session, pending, now):
                    failing = row.id
                    fired += _advance_claimed(engine, session, row)
                failing = None  # what fails from here on (the commit) is the batch's, not an instance's
            return fired
        except Exception:
            if failing is None:
                log.exception("advancing instances %s at their timers failed", pending)
                return 0
            log.exception("advancing instance %s at its timer failed", failing)
            pending.remove(failing)
    return 0


def _advance_claimed(engine: Engine, session: Session, row: Row[Any]) -> int:
    with engine.open_instance(session, row.id, "system", row, keep=False) as step:
        pass
    return sum(1 for event in step.events if event.type == "timer_fired")

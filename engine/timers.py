"""Advancing instances whose timers are due: ``fangpin timers run`` and every server's scheduler.

A sweep claims the due instances a batch at a time, oldest first, one transaction per batch. A claim is one statement
that takes the next due instances nobody holds, locks their rows until the batch commits, and returns what each step
needs (so no step locks or reads its row again): on PostgreSQL a ``SELECT … FOR NO KEY UPDATE SKIP LOCKED``, so what
another sweeper (on this host or another) or a request holds right now is passed over, never waited for, and each
sweeper's next claim takes the next free batch — sweepers side by side never claim the same batch or come away empty
while timers are due; on SQLite an ``UPDATE … RETURNING`` that takes the database's write lock, which serializes
sweepers. The claimed instances are then advanced and commit together; one that fails rolls the batch back, is logged
and left due for the next sweep, and the others are claimed and advanced again without it. A crash before the commit
leaves the whole batch still due; after it, fired — never both, never twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, select, update
from sqlalchemy.orm import Session

from engine.core import LOCKED, Engine, has_row_locks
from engine.models import InstanceStatus, ProcessInstance

SessionScope = Callable[[], AbstractContextManager[Session]]
# Instances per transaction: one commit and one claim for all of them, yet a short hold on their rows (and on
# SQLite's write lock) so requests wait little
BATCH = 20
INSTANCES = ProcessInstance.__table__
log = logging.getLogger("fangpin.timers")


def _due(now: datetime) -> tuple[ColumnElement[bool], ...]:
    return INSTANCES.c.status == InstanceStatus.RUNNING, INSTANCES.c.wake_at < now  # Spiff fires strictly after


def claim(session: Session, now: datetime, size: int, passed: Collection[int] = ()) -> list[Row[Any]]:
    """Lock, until this transaction ends, the next ``size`` due instances, oldest first (index
    ``ix_process_instances_wake``), but those in ``passed`` (they failed in this sweep), as ``Engine.open_instance``
    would one by one; returns their ids with what the step needs of them
    (``engine.core.LOCKED``), in id order. On PostgreSQL those another transaction holds are passed over (that one
    fires them, or the next sweep does); SQLite has no row locks: the write takes the database's lock, queueing
    behind the busy timeout, then picks them."""
    due = _due(now)
    free = select(INSTANCES.c.id).where(*due, INSTANCES.c.id.not_in(sorted(passed))) \
        .order_by(INSTANCES.c.wake_at, INSTANCES.c.id).limit(size).with_for_update(skip_locked=True, key_share=True)
    connection = session.connection()
    if has_row_locks(connection):  # read and locked, no row written (``engine.core``'s lock)
        locked = free.with_only_columns(INSTANCES.c.id, *LOCKED)
    else:
        locked = update(INSTANCES).where(INSTANCES.c.id.in_(free), *due) \
            .values(revision=INSTANCES.c.revision).returning(INSTANCES.c.id, *LOCKED)
    return sorted(connection.execute(locked).all(), key=lambda row: row.id)


def run_due_timers(engine: Engine, session_scope: SessionScope, limit: int = 10_000) -> int:
    """Advance every instance whose earliest timer is due by the engine's clock (at most ``limit`` of them);
    returns timers fired. ``session_scope`` is the caller's unit of work: it yields a session and commits on
    success, rolls back on an exception."""
    now = engine.now()
    passed: set[int] = set()  # failed in this sweep: left due for the next
    fired = advanced = 0
    while advanced < limit:
        size = min(BATCH, limit - advanced)
        batch = advance_batch(engine, session_scope, now, size, passed)
        if batch is None:
            break
        fired, advanced = fired + batch[0], advanced + batch[1]
        if batch[1] < size and not batch[2]:  # fewer were free than asked, none failed: nothing more is due now
            break
    return fired


def advance_batch(engine: Engine, session_scope: SessionScope, now: datetime, size: int,
                  passed: set[int]) -> tuple[int, int, bool] | None:
    """Claim up to ``size`` due instances not in ``passed`` and advance each in one transaction; returns, once it has
    committed, the timers fired, the instances advanced and whether any failed (added to ``passed``: they stay due);
    None if nothing was claimed (none due, or the claim failed). When an instance fails, the transaction is rolled
    back and claimed again without it: a SAVEPOINT per instance would cost every timer two more round trips. If the
    commit fails, the whole batch is passed over and stays due."""
    failed = False
    while True:
        failing, claimed = None, []
        try:
            with session_scope() as session:
                rows = claim(session, now, size, passed)
                claimed = [row.id for row in rows]
                fired = 0
                for row in rows:
                    failing = row.id
                    fired += _advance_claimed(engine, session, row)
                failing = None  # what fails from here on (the commit) is the batch's, not an instance's
            return (fired, len(claimed), failed) if claimed else None
        except Exception:
            if failing is None:
                log.exception("advancing instances %s at their timers failed", claimed)
                passed.update(claimed)
                return (0, 0, True) if claimed else None
            log.exception("advancing instance %s at its timer failed", failing)
            passed.add(failing)
            failed = True


def _advance_claimed(engine: Engine, session: Session, row: Row[Any]) -> int:
    with engine.open_instance(session, row.id, "system", row, keep=False) as step:
        pass
    return sum(1 for event in step.events if event.type == "timer_fired")

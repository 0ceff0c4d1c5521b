"""The append-only, hash-chained event log.

Every instance has its own chain: each event's hash covers its content and the previous event of
the same instance, and the instance row keeps the chain's last hash. A step already holds the
instance lock, so it extends the chain with one bulk INSERT and the hash rides along in the UPDATE
of the instance; there is no global serialization point between workers. Events that belong to
no instance (deployments) form the global chain, whose head is the single ``audit_head`` row.
Altering, deleting or inserting a row breaks its chain at that row.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from engine.driver_statements import DriverStatement
from engine.models import AuditEvent, AuditHead, ProcessInstance
from engine.serialization import to_plain_json

GENESIS = "0" * 64
# Core tables, not ORM entities: appends are bulk statements without identity-map bookkeeping
EVENTS, HEAD, INSTANCES = AuditEvent.__table__, AuditHead.__table__, ProcessInstance.__table__
# built once: every step appends through it, on the driver's cursor (engine.driver_statements); no ids read back
_APPEND = DriverStatement(insert(EVENTS).inline())


@dataclass
class Event:
    """One thing that happened, waiting to be appended."""

    type: str
    at: datetime
    actor: str | None
    instance_id: int | None = None
    task_id: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)


def digest(prev_hash: str, at: datetime, actor: str | None, type_: str, instance_id: int | None,
           task_id: str | None, detail: Any) -> str:
    body = json.dumps(
        [prev_hash, at.astimezone(UTC).isoformat(), actor, type_, instance_id, task_id, detail],
        ensure_ascii=False, sort_keys=True, separators=(",", ":"),
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def chain_rows(prev_hash: str, events: Iterable[Event]) -> tuple[list[dict[str, Any]], str]:
    """The rows that extend a chain ending in ``prev_hash``, and the chain's new last hash."""
    rows = []
    for event in events:
        detail = to_plain_json(event.detail)
        hashed = digest(prev_hash, event.at, event.actor, event.type, event.instance_id, event.task_id, detail)
        rows.append({"at": event.at, "actor": event.actor, "type": event.type, "instance_id": event.instance_id,
                     "task_id": event.task_id, "detail": detail, "prev_hash": prev_hash, "hash": hashed})
        prev_hash = hashed
    return rows, prev_hash


def insert_rows(connection: Connection, rows: list[dict[str, Any]]) -> None:
    _APPEND.run_many(connection, rows)


def append_global(session: Session, events: list[Event]) -> None:
    """Extend the global chain (events of no instance); the head row's UPDATE is the lock."""
    connection = session.connection()
    head = connection.execute(update(HEAD).where(HEAD.c.id == 1).values(hash=HEAD.c.hash)
                              .returning(HEAD.c.hash)).scalar()
    if head is None:
        connection.execute(insert(HEAD).values(id=1, hash=GENESIS))
        head = GENESIS
    rows, last = chain_rows(head, events)
    insert_rows(connection, rows)
    connection.execute(update(HEAD).where(HEAD.c.id == 1).values(hash=last))


def append_to_instance(session: Session, instance_id: int, events: list[Event]) -> None:
    """Extend an instance's chain outside a step (claims): lock the row, append, store the new head."""
    connection = session.connection()
    head = connection.execute(update(INSTANCES).where(INSTANCES.c.id == instance_id)
                              .values(revision=INSTANCES.c.revision + 1).returning(INSTANCES.c.audit_hash)).scalar()
    rows, last = chain_rows(head, events)
    insert_rows(connection, rows)
    connection.execute(update(INSTANCES).where(INSTANCES.c.id == instance_id).values(audit_hash=last))


@dataclass(frozen=True)
class ChainReport:
    checked: int
    broken_at: int | None  # id of the first row whose hash or link does not hold (or after which rows are missing)
    reason: str | None = None


def verify(session: Session, batch: int = 5000) -> ChainReport:
    """Recompute every chain in row order; report the first row where a hash or a link does not hold."""
    last: dict[int | None, tuple[str, int]] = {}  # chain -> (last hash, last row id)
    checked, last_id = 0, 0
    while True:
        rows = session.execute(select(EVENTS).where(EVENTS.c.id > last_id).order_by(EVENTS.c.id).limit(batch)).all()
        if not rows:
            break
        for row in rows:
            expected_prev = last.get(row.instance_id, (GENESIS, 0))[0]
            if row.prev_hash != expected_prev:
                return ChainReport(checked, row.id, "link to the previous event does not match (rows deleted?)")
            if digest(row.prev_hash, row.at, row.actor, row.type, row.instance_id, row.task_id, row.detail) != row.hash:
                return ChainReport(checked, row.id, "row content does not match its hash")
            last[row.instance_id] = (row.hash, row.id)
            checked, last_id = checked + 1, row.id
    return _check_heads(session, last, checked)


def _check_heads(session: Session, last: dict[int | None, tuple[str, int]], checked: int) -> ChainReport:
    """A chain whose stored head is not its last row has lost rows at its end."""
    heads = dict(session.execute(select(INSTANCES.c.id, INSTANCES.c.audit_hash)).all())
    global_head = session.execute(select(HEAD.c.hash).where(HEAD.c.id == 1)).scalar()
    if global_head is not None:
        heads[None] = global_head
    for chain, head in heads.items():
        seen_hash, seen_id = last.get(chain, (GENESIS, 0))
        if head != seen_hash:
            where = f"instance {chain}" if chain is not None else "the global chain"
            return ChainReport(checked, seen_id, f"events missing after this row, at the end of {where}")
    return ChainReport(checked, None)

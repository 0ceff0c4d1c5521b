"""The append-only, hash-chained event log.

Each row's hash covers its content and the previous row's hash, so altering, inserting or
deleting a row breaks the chain from there on. Appenders serialize on the single ``audit_head``
row (an UPDATE takes its lock on both databases), taken last in the transaction to keep it short.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from engine.models import AuditEvent, AuditHead
from engine.serialization import to_plain_json

GENESIS = "0" * 64


@dataclass
class Event:
    """One thing that happened, waiting to be appended."""

    type: str
    at: datetime
    actor: str | None
    instance_id: int | None = None
    task_id: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)


def _digest(prev_hash: str, seq: int, at: datetime, actor: str | None, type_: str,
            instance_id: int | None, task_id: str | None, detail: Any) -> str:
    body = json.dumps(
        [prev_hash, seq, at.astimezone(timezone.utc).isoformat(), actor, type_, instance_id, task_id, detail],
        ensure_ascii=False, sort_keys=True, separators=(",", ":"),
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def append(session: Session, events: Iterable[Event]) -> None:
    """Append events to the chain inside the caller's transaction (which commits them)."""
    events = list(events)
    if not events:
        return
    head = session.execute(
        update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq + len(events))
        .returning(AuditHead.seq, AuditHead.hash)
    ).one_or_none()
    if head is None:  # first event ever: create the head row
        session.execute(insert(AuditHead).values(id=1, seq=len(events), hash=GENESIS))
        last_seq, prev = len(events), GENESIS
    else:
        last_seq, prev = head.seq, head.hash
    rows = []
    for seq, event in enumerate(events, start=last_seq - len(events) + 1):
        detail = to_plain_json(event.detail)
        digest = _digest(prev, seq, event.at, event.actor, event.type, event.instance_id, event.task_id, detail)
        rows.append({"id": seq, "at": event.at, "actor": event.actor, "type": event.type,
                     "instance_id": event.instance_id, "task_id": event.task_id,
                     "detail": detail, "prev_hash": prev, "hash": digest})
        prev = digest
    session.execute(insert(AuditEvent), rows)
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(hash=prev))


@dataclass(frozen=True)
class ChainReport:
    checked: int
    broken_at: int | None  # id of the first row whose hash or link does not hold
    reason: str | None = None


def verify(session: Session, batch: int = 5000) -> ChainReport:
    """Recompute the chain from the start; report the first broken link."""
    prev, expected_seq, checked = GENESIS, 1, 0
    last_id = 0
    while True:
        rows = session.execute(
            select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch)
        ).scalars().all()
        if not rows:
            break
        for row in rows:
            if row.id != expected_seq:
                return ChainReport(checked, expected_seq, "missing row")
            if row.prev_hash != prev:
                return ChainReport(checked, row.id, "link to previous row does not match")
            digest = _digest(prev, row.id, row.at, row.actor, row.type, row.instance_id, row.task_id, row.detail)
            if digest != row.hash:
                return ChainReport(checked, row.id, "row content does not match its hash")
            prev, expected_seq, checked, last_id = row.hash, expected_seq + 1, checked + 1, row.id
    head = session.get(AuditHead, 1)
    if head is not None and (head.seq != checked or head.hash != prev):
        return ChainReport(checked, checked + 1, "rows missing at the end of the chain")
    return ChainReport(checked, None)

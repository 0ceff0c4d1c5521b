"""Workflows kept between steps, so the next step of a case need not restore it from its JSON.

Restoring a workflow is a sixth of a task completion's CPU. A step that saved its case keeps the live workflow here,
but only once its transaction commits (a rolled-back step keeps nothing), and only when the workflow is exactly what
restoring the state it wrote would give: plain JSON data (no tuples, sets, non-text keys or other types the
serializer turns into something else) and no list or dict reachable twice (Spiff's data merge shares nested values
between tasks, a restored workflow never does: a later in-place change would reach other tasks only here, so each
second sharer is given its own copy before the workflow is kept). The events an event-based gateway or a multiple
event has caught (its ``seen_events``, e.g. the 公示 notice's timer or objection) are kept as they are: restored,
each is a new event of an equal definition (Spiff compares definitions by kind and name, never by identity) with the
same payload.

The next step takes the entry out (two threads never share a workflow) and uses it only if the state and version the
lock just read are the ones it was kept with: any other writer — another process, another server, a migration — has
changed the stored state, and the case is restored from it as ever.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from copy import deepcopy
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnEvent, BpmnWorkflow
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from engine.serialization import RESERVED_KEY, SPEC_REGISTRY

DEFAULT_SIZE = 256  # cases per process; each entry is one restored workflow (tens of kilobytes)
_PENDING = "fangpin.workflows_to_keep"  # session.info: what the open transaction's steps will keep on commit
_IMMUTABLE = frozenset({str, int, float, bool, type(None), date, timedelta, Decimal, UUID})


@dataclass(frozen=True)
class _Kept:
    version_id: int
    state: str  # the stored state the workflow was saved as
    workflow: BpmnWorkflow


class WorkflowCache:
    """The live workflows of the cases this process stepped last, least recently kept dropped first."""

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self.size = size
        self.hits = 0  # steps that began from a kept workflow (the bench prints how many)
        self._kept: OrderedDict[int, _Kept] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, instance_id: int, version_id: int, state: str) -> BpmnWorkflow | None:
        """The kept workflow of the case if it was saved as exactly ``state`` of ``version_id``; it leaves the cache."""
        with self._lock:
            kept = self._kept.pop(instance_id, None)
            if kept is None or kept.version_id != version_id or kept.state != state:
                return None
            self.hits += 1
        return kept.workflow

    def kept_cases(self) -> frozenset[int]:
        """The ids of the cases whose workflows are kept now."""
        with self._lock:
            return frozenset(self._kept)

    def keep_on_commit(self, session: Session, instance_id: int, version_id: int, state: str,
                       workflow: BpmnWorkflow) -> None:
        """Keep ``workflow``, just saved as ``state``, once the session's transaction commits; nothing if it rolls back
        or if the workflow is not what restoring ``state`` would give."""
        if self.size and restores_as_itself(workflow):
            session.info.setdefault(_PENDING, []).append((self, instance_id, _Kept(version_id, state, workflow)))

    def _keep(self, instance_id: int, kept: _Kept) -> None:
        with self._lock:
            self._kept.pop(instance_id, None)
            self._kept[instance_id] = kept
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)


@event.listens_for(Session, "after_commit")
def _kept_on_commit(session: Session) -> None:
    for cache, instance_id, kept in session.info.pop(_PENDING, ()):
        cache._keep(instance_id, kept)


@event.listens_for(Session, "after_transaction_end")
def _dropped_unless_committed(session: Session, transaction: SessionTransaction) -> None:
    """A transaction that ended otherwise (rolled back, or closed with the session) keeps nothing of its steps; one
    that committed has already handed them over."""
    if transaction.parent is None:
        session.info.pop(_PENDING, None)


def restores_as_itself(workflow: BpmnWorkflow) -> bool:
    """Whether the workflow is (or is now made) what restoring its saved state gives: every value the serializer stores
    is plain (``_canonical``) and no list or dict is reachable twice (a second sharer gets its own copy, as it would
    from the JSON), and no event waits in it to be thrown out of it. The values stay equal, so the state it was saved
    as is unchanged."""
    seen: set[int] = set()
    try:
        for each in (workflow, *workflow.subprocesses.values()):
            if getattr(each, "bpmn_events", None):
                return False
            each.data = _canonical(each.data, seen)
            if getattr(each, "correlations", None):
                each.correlations = _canonical(each.correlations, seen)
            for task in each.tasks.values():
                task.data = _canonical(task.data, seen)
                task.internal_data = _canonical(task.internal_data, seen)
    except _NotPlain:
        return False
    return True


class _NotPlain(Exception):
    """A value the serializer would store as something else (a tuple as a list, a number key as text, …)."""


def _canonical(value: Any, seen: set[int]) -> Any:
    """``value`` if plain and met for the first time; a copy of it if met before; ``_NotPlain`` if not plain."""
    kind = type(value)
    if kind in _IMMUTABLE:
        return value
    if kind is datetime and (value.tzinfo is None or type(value.tzinfo) is timezone):
        return value  # restored with a fixed offset: a zone object would come back as something else
    if kind is BpmnEvent:
        return _canonical_event(value, seen)
    if kind is not dict and kind is not list:
        raise _NotPlain
    if id(value) in seen:
        return deepcopy(value)  # checked plain (and freed of inner sharing) when first met
    seen.add(id(value))
    if kind is list:
        for index, item in enumerate(value):
            value[index] = _canonical(item, seen)
        return value
    if RESERVED_KEY in value or any(type(key) is not str for key in value):
        raise _NotPlain
    for key, item in value.items():
        value[key] = _canonical(item, seen)
    return value


def _canonical_event(event: BpmnEvent, seen: set[int]) -> BpmnEvent:
    """A caught event in a task's history, its payload and correlations made plain; ``_NotPlain`` if restoring it would
    give something else: an event met twice (restored as two), aimed at a target (not stored) or of a definition the
    serializer does not know."""
    if id(event) in seen or event.target is not None or type(event.event_definition) not in SPEC_REGISTRY.typenames:
        raise _NotPlain
    seen.add(id(event))
    event.payload = _canonical(event.payload, seen)
    event.correlations = _canonical(event.correlations, seen)
    return event

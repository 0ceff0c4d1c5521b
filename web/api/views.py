"""JSON shapes of api.md, built from rows (never from a deserialized workflow)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from engine import queries
from engine.assignment import Actor
from engine.models import ProcessInstance, ProcessVersion, Task
from monitoring import department_access
from monitoring.cases import household_of
from monitoring.id_number import mask_id_numbers_in


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def process_model(version: ProcessVersion) -> dict[str, Any]:
    return {"key": version.key, "name": version.name, "version": version.version, "sha256": version.sha256,
            "deployed_at": iso(version.deployed_at)}


def task(row: Task, now: datetime | None = None) -> dict[str, Any]:
    """A task row; ``overdue`` when it is still open after its due time (by the engine's clock)."""
    overdue = bool(now and row.due_at and row.state == "ready" and row.due_at < now)
    return {
        "id": row.id, "instance_id": row.instance_id, "process": row.process_key, "bpmn_id": row.bpmn_id,
        "name": row.name, "role": row.role, "place": row.place_code, "state": row.state,
        "due_at": iso(row.due_at), "claimed_by": row.claimed_by, "created_at": iso(row.created_at),
        "completed_at": iso(row.completed_at), "completed_by": row.completed_by, "overdue": overdue,
    }


def instance_summary(row: ProcessInstance, version: int) -> dict[str, Any]:
    return {
        "id": row.id, "process": row.process_key, "version": version, "place": row.place_code,
        "business_key": row.business_key, "status": row.status, "created_at": iso(row.created_at),
        "ended_at": iso(row.ended_at), "waiting": [_waiting(w) for w in row.waiting or []],
    }


def _waiting(item: dict[str, Any]) -> dict[str, Any]:
    if item["type"] == "timer":
        return {"type": "timer", "until": item["until"]}
    return {"type": "message", "name": item["name"]}


def instance(session: Session, row: ProcessInstance, actor: Actor) -> dict[str, Any]:
    """A case as the actor reads it: its data and events through ``department_access`` (a department reading
    the case of its routed task sees only what that work needs); ID numbers only where a step needs them."""
    body = instance_summary(row, queries.version_numbers(session, {row.version_id})[row.version_id])
    data = department_access.case_data(session, actor, household_of(session, row), row.data or {})
    body.update({
        "data": mask_id_numbers_in(data),
        "error": row.error,
        "tasks": [task(t) for t in queries.open_tasks(session, row.id)],
        "events": [{"at": iso(e.at), "user": e.actor, "type": e.type, "task": e.task_id,
                    "detail": department_access.case_event_detail(actor, e.detail)}
                   for e in queries.timeline(session, row.id)],
    })
    return body

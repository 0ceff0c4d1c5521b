"""What a task's page and the API show its user beside the form: the values the form starts from and the evidence
the decision rests on — both read the household's record, so only for users whose place opens it; a department on a
task routed to it decides on its own work and starts from an empty form."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from engine.assignment import Actor
from engine.models import ProcessInstance
from monitoring import cases
from monitoring.evidence import Evidence, evidence_for
from monitoring.permissions import sees_full_record
from monitoring.prefill import prefill


def starting_values(session: Session, actor: Actor, instance: ProcessInstance, bpmn_id: str, form_name: str | None,
                    schema: dict[str, Any] | None, today: date) -> dict[str, Any]:
    """What the task's form starts from: what the system already knows of the household and the case."""
    if not sees_full_record(actor):
        return {}
    return prefill(cases.household_of(session, instance), bpmn_id, form_name, schema, instance.data or {}, today)


def decision_evidence(session: Session, actor: Actor, instance: ProcessInstance, today: date) -> Evidence | None:
    """What the decision rests on (``monitoring.evidence``), or None for a user who may not read the record."""
    return evidence_for(session, instance, today) if sees_full_record(actor) else None

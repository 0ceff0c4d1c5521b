"""What a task form shows before anyone types: what the case and the household record already know.

"Data entered once is reused by every later step" (domain.md §8): the form of a step starts from
the case's data (a re-verification starts from the last visit) and from the household record.
What says when a step took place, and its verdict, are never carried over from an earlier time: a re-check
after an objection is a new visit on its own day with its own result, and a reused date or "符合" would be
submitted unseen.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from monitoring.households import MEMBER_TEXT_FIELDS, MONEY_FIELDS
from monitoring.models import Household
from monitoring.rules import GUARANTEE_FLAGS

# The processes keep each step's answers in one dict named after the step (a few use a noun instead).
ANSWER_KEYS = {"apply": "application", "authorize": "authorization", "comparison_review": "comparison"}
# Answers that belong to one time a step is done: when, and what was decided.
DATES = ("applied_on", "visited_on", "signed_on", "meeting_date", "entry_date")
VERDICTS = ("approved", "decision", "reason")


def _from_case(bpmn_id: str, data: dict[str, Any]) -> dict[str, Any]:
    """The step's own earlier answers (a re-verification after an objection starts from the last visit's figures)."""
    answers = data.get(ANSWER_KEYS.get(bpmn_id, bpmn_id))
    if not isinstance(answers, dict):
        return {}
    return {k: v for k, v in answers.items() if v is not None and k not in DATES and k not in VERDICTS}


def _visit(household: Household, data: dict[str, Any], today: date) -> dict[str, Any]:
    """The first visit is usually recorded on the day; a re-check's date is typed, never the first visit's."""
    latest = household.measurements[-1] if household.measurements else None
    values: dict[str, Any] = {"year": today.year}
    if "visit" not in data:
        values["visited_on"] = today.isoformat()
    if latest is not None:
        values.update({name: float(getattr(latest, name)) for name in MONEY_FIELDS})
        values.update({flag: getattr(latest, flag) for flag in GUARANTEE_FLAGS})
    return values


def _authorize(household: Household, data: dict[str, Any], today: date) -> dict[str, Any]:
    members = [{"name": m.name, "id_number": m.id_number, "health": m.health,
                **{f: getattr(m, f) for f in MEMBER_TEXT_FIELDS if f != "phone" and getattr(m, f)}}
               for m in household.members]
    return {"signed_by": "head", "signed_on": today.isoformat(), "members": members}


def _entry(household: Household, data: dict[str, Any], today: date) -> dict[str, Any]:
    """The type the visit's figures suggest and the risk types the visit recorded (the last visit, after a re-check)."""
    suggested = (data.get("visit_result") or {}).get("suggested_type")
    risk_types = (data.get("visit") or {}).get("risk_types")
    values: dict[str, Any] = {"entry_date": today.isoformat()}
    if suggested:
        values["monitoring_type"] = suggested
    if risk_types:
        values["risk_types"] = list(risk_types)
    return values


def _today_field(name: str) -> Callable[[Household, dict[str, Any], date], dict[str, Any]]:
    return lambda household, data, today: {name: today.isoformat()}


FROM_HOUSEHOLD: dict[str, Callable[[Household, dict[str, Any], date], dict[str, Any]]] = {
    "identification_apply.json": _today_field("applied_on"),
    "identification_visit.json": _visit,
    "identification_authorize.json": _authorize,
    "identification_appraisal.json": _today_field("meeting_date"),
    "identification_entry.json": _entry,
}


def prefill(household: Household | None, bpmn_id: str, form_name: str | None, schema: dict[str, Any] | None,
            data: dict[str, Any], today: date) -> dict[str, Any]:
    """Initial values for a task's form: the household record first, the step's own earlier answers over it.

    ``household`` is the case's own (``monitoring.cases.household_of``), never one named in case data.
    """
    if not form_name or not schema:
        return {}
    properties = schema.get("properties", {})
    values: dict[str, Any] = {}
    if household is not None and form_name in FROM_HOUSEHOLD:
        values.update(FROM_HOUSEHOLD[form_name](household, data, today))
    values.update(_from_case(bpmn_id, data))
    return {k: v for k, v in values.items() if k in properties and v is not None}

"""What a task form shows before anyone types: what the case and the household record already know.

"Data entered once is reused by every later step" (domain.md §8): the form of a step starts from
the case's data (a re-verification starts from the last visit) and from the household record.
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


def _from_case(bpmn_id: str, data: dict[str, Any]) -> dict[str, Any]:
    """The step's own earlier answers (a re-verification after an objection starts from the last visit)."""
    answers = data.get(ANSWER_KEYS.get(bpmn_id, bpmn_id))
    return {k: v for k, v in answers.items() if v is not None} if isinstance(answers, dict) else {}


def _visit(household: Household, data: dict[str, Any], today: date) -> dict[str, Any]:
    latest = household.measurements[-1] if household.measurements else None
    values: dict[str, Any] = {"visited_on": today.isoformat(), "year": today.year}
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
    suggested = (data.get("visit_result") or {}).get("suggested_type")
    values: dict[str, Any] = {"entry_date": today.isoformat()}
    if suggested:
        values["monitoring_type"] = suggested
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

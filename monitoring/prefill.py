"""What a task form shows before anyone types: what the case and the household record already know.

"Data entered once is reused by every later step" (domain.md §8): the form of a step starts from
the case's data (a re-verification starts from the last visit) and from the household record, as the
step's process describes it (``monitoring.processes``).
What says when a step took place, and its verdict, are never carried over from an earlier time: a re-check
after an objection is a new visit on its own day with its own result, and a reused date or "符合" would be
submitted unseen.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from monitoring import processes
from monitoring.models import Household

# Answers that belong to one time a step is done: what was decided (when it was done, each process declares).
VERDICTS = frozenset({"approved", "decision", "reason"})


def _from_case(answers_key: str, dates: frozenset[str], data: dict[str, Any]) -> dict[str, Any]:
    """The step's own earlier answers (a re-verification after an objection starts from the last visit's figures)."""
    answers = data.get(answers_key)
    if not isinstance(answers, dict):
        return {}
    return {k: v for k, v in answers.items() if v is not None and k not in dates and k not in VERDICTS}


def prefill(household: Household | None, bpmn_id: str, form_name: str | None, schema: dict[str, Any] | None,
            data: dict[str, Any], today: date) -> dict[str, Any]:
    """Initial values for a task's form: the household record first, the step's own earlier answers over it.

    ``household`` is the case's own (``monitoring.cases.household_of``), never one named in case data.
    """
    if not form_name or not schema:
        return {}
    properties = schema.get("properties", {})
    described, step = processes.step_of_form(form_name) or (processes.NO_PROCESS, None)
    values: dict[str, Any] = {}
    if household is not None and step is not None and step.prefill is not None:
        values.update(step.prefill(household, data, today))
    values.update(_from_case(step.answers_key if step else bpmn_id, described.dates, data))
    return {k: v for k, v in values.items() if k in properties and v is not None}

"""帮扶 (domain.md §5): after system entry the county holds the departmental consultation and confirms the plan; each
open measure then goes to its lead department's inbox (the county's own where it leads), which records what it did
until the measure is done or stopped. Started by identification as a follow-up case of the same household."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import object_session

from monitoring.models import Household, Measure, MeasureStatus
from monitoring.processes import ProcessDescriptor, Step, Variables, today_field

PLAN_STEP = "plan"
CARRY_OUT_STEPS = frozenset({"carry_out", "carry_out_by_county"})


def carried_out(household: Household, data: dict[str, Any]) -> Measure | None:
    """The household's measure a carry-out task is about (its multi-instance item), None for any other."""
    item = data.get("item")
    measure_id = item.get("measure_id") if isinstance(item, dict) else None
    session = object_session(household)
    measure = session.get(Measure, measure_id) if session is not None and isinstance(measure_id, int) else None
    return measure if measure is not None and measure.household_id == household.id else None


def _progress(household: Household, data: dict[str, Any], today: date) -> dict[str, Any]:
    """Progress starts from what the measure records now: a department's earlier entry or the county's edit."""
    measure = carried_out(household, data)
    if measure is None:
        return {}
    values: dict[str, Any] = {"result": measure.result or None,
                              "done_on": measure.done_on.isoformat() if measure.done_on else None,
                              "amount": float(measure.amount) if measure.amount is not None else None}
    if measure.status != MeasureStatus.PLANNED:  # planned is not a choice: a department starts or ends it
        values["status"] = measure.status
    return values


DESCRIPTOR = ProcessDescriptor(
    key="assistance",
    household_case=True,
    start_fields=frozenset(),  # a person starts a consultation; the measures a case carries out are the system's
    steps=(
        Step(PLAN_STEP, "assistance_plan.json", prefill=today_field("consulted_on")),
        *(Step(step, "assistance_progress.json", prefill=_progress, own_work=True) for step in sorted(CARRY_OUT_STEPS)),
    ),
    variables=Variables(),
    dates=frozenset({"consulted_on", "done_on"}),
    words={
        "plan": "部门会商·帮扶计划", "measures": "派往牵头部门的措施", "outcomes": "各项措施落实情况",
        "item": "措施", "progress": "落实进展", "measure_id": "措施编号", "department": "牵头部门", "title": "措施",
        "warnings": "计划提示", "code": "提示代码", "message": "提示",
        "safety_net_household": "整户无劳动能力兜底保障户",
    },
)

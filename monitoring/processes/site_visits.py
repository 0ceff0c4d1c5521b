"""What a visit's form starts from, for every process that measures a household on site (identification's 走访排查,
risk elimination's 入户核查核实)."""

from __future__ import annotations

from datetime import date
from typing import Any

from monitoring.households import MONEY_FIELDS
from monitoring.models import Household
from monitoring.rules import GUARANTEE_FLAGS


def site_visit(household: Household, data: dict[str, Any], today: date, record: str) -> dict[str, Any]:
    """This year's figures start from the last measurement; the first visit is usually recorded on the day, while a
    re-check (the case already holds ``record``, the first visit) has its day typed, never the first visit's."""
    latest = household.measurements[-1] if household.measurements else None
    values: dict[str, Any] = {"year": today.year}
    if record not in data:
        values["visited_on"] = today.isoformat()
    if latest is not None:
        values.update({name: float(getattr(latest, name)) for name in MONEY_FIELDS})
        values.update({flag: getattr(latest, flag) for flag in GUARANTEE_FLAGS})
    return values

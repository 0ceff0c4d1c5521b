"""核查参考: what the household's records say about risk elimination's four criteria while the check on site waits,
so the village judges on the records rather than from memory. The criteria come from ``elimination.verify``, the
function the step itself runs when it is submitted; this module only adds the records the criteria rest on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitoring import elimination, thresholds
from monitoring.codelists import labels
from monitoring.measures import STATUS_LABELS, measure_title
from monitoring.models import Household, Measure, MeasurementHistory


@dataclass(frozen=True)
class MeasureLine:
    """A measure of the plan with where it stands."""

    title: str
    status: str
    done_on: date | None


@dataclass(frozen=True)
class PastMeasurement:
    """A measurement taken earlier, against its year's income line (``above`` None: no line for that year)."""

    measured_on: date
    year: int
    per_capita_income: Decimal
    income_line: Decimal | None
    above: bool | None


@dataclass(frozen=True)
class CheckReference:
    method: str
    year: int
    income_line: Decimal | None
    risk_types: list[str]
    measures: list[MeasureLine]
    measurements: list[PastMeasurement]
    criteria: list[elimination.Criterion]


def check_reference(session: Session, household: Household, data: dict[str, Any], today: date) -> dict[str, Any]:
    """The reference for the case's method as an evidence field (``processes.Step.reference``)."""
    method = str(data.get("method"))
    verification = elimination.verify(session, household, method, today)
    risks = labels(session, "risk_type", include_retired=True)
    methods = labels(session, "elimination_method", include_retired=True)
    return {"check_reference": CheckReference(
        method=methods.get(method, method), year=today.year,
        income_line=thresholds.current(session, thresholds.INCOME_LINE, household.place_path, today.year),
        risk_types=[risks.get(code, code) for code in household.risk_types or []],
        measures=[MeasureLine(measure_title(session, m), STATUS_LABELS.get(m.status, m.status), m.done_on)
                  for m in session.execute(select(Measure).where(Measure.household_id == household.id)
                                           .order_by(Measure.id)).scalars()],
        measurements=_measurements(session, household),
        criteria=list(verification.criteria))}


def _measurements(session: Session, household: Household) -> list[PastMeasurement]:
    rows = list(session.execute(select(MeasurementHistory).where(MeasurementHistory.household_id == household.id)
                                .order_by(MeasurementHistory.measured_on, MeasurementHistory.id)).scalars())
    lines = thresholds.current_for(session, thresholds.INCOME_LINE, {(household.place_path, r.year) for r in rows})
    found = []
    for row in rows:
        line = lines.get((household.place_path, row.year))
        found.append(PastMeasurement(row.measured_on, row.year, row.per_capita_income, line,
                                     row.per_capita_income > line if line is not None else None))
    return found

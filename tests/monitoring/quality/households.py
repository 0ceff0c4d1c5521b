"""Households written straight into the tables, as a check finds them: only the fields a test names differ from an
ordinary monitored household of the ``tree`` fixture's first village."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from itertools import count
from typing import Any

from sqlalchemy.orm import Session

from monitoring.models import Household, Measure, Measurement, Member
from monitoring.quality.catalogue import CheckScope

VILLAGE = "150223100201"
VILLAGE_PATH = "/150000000000/150223000000/150223100000/150223100201/"
COUNTY_PATH = "/150000000000/150223000000/"
AT = datetime(2026, 11, 2, 1, tzinfo=UTC)
TODAY = date(2026, 11, 2)
_numbers = count(1)


def scope(place_path: str = COUNTY_PATH, today: date = TODAY) -> CheckScope:
    return CheckScope(place_path, today)


def member(**fields: Any) -> Member:
    """An able, healthy adult head with a valid-looking ID number of its own."""
    n = next(_numbers)
    values = {"name": f"成员{n}", "id_number": f"15022319800101{n:04d}"[:18], "relation": "head", "sex": "male",
              "labour_skill": "ordinary", "health": ["healthy"], "insurance": "resident_medical", **fields}
    return Member(**values)


def household(session: Session, *members: Member, measurement: dict[str, Any] | None = None,
              measures: tuple[dict[str, Any], ...] = (), **fields: Any) -> Household:
    values = {"village_code": VILLAGE, "place_path": VILLAGE_PATH, "household_type": "ordinary",
              "monitoring_status": "monitored", "monitoring_type": "marginal", "risk_types": ["illness"],
              "monitored_since": date(2026, 3, 10), "created_at": AT, **fields}
    found = Household(**values, members=list(members) or [member()])
    session.add(found)
    session.flush()
    if measurement is not None:
        session.add(Measurement(household_id=found.id, year=measurement.pop("year", 2026), recorded_at=AT,
                                recorded_by="test", **{k: Decimal(str(v)) if isinstance(v, int | float) else v
                                                       for k, v in measurement.items()}))
    for each in measures:
        session.add(Measure(household_id=found.id, **{"category": "health", "subtype": "family_doctor",
                                                       "content": "签约", "responsible": "张三",
                                                       "start_on": date(2026, 3, 20), "status": "done",
                                                       "created_at": AT, "created_by": "test", "updated_at": AT,
                                                       "updated_by": "test", **each}))
    session.flush()
    return found

"""Households written straight into the tables, as a check finds them: only the fields a test names differ from an
ordinary monitored household of the ``tree`` fixture's first village."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from itertools import count
from typing import Any

from sqlalchemy.orm import Session

from monitoring.id_number import check_digit
from monitoring.models import Household, Measure, Measurement, Member
from monitoring.quality import checks  # noqa: F401  (registers the catalogue)
from monitoring.quality.catalogue import CHECKS, CheckScope
from monitoring.thresholds import INCOME_LINE, set_threshold

VILLAGE = "150223100201"
VILLAGE_PATH = "/150000000000/150223000000/150223100000/150223100201/"
COUNTY_PATH = "/150000000000/150223000000/"
AT = datetime(2026, 11, 2, 1, tzinfo=UTC)
TODAY = date(2026, 11, 2)
_numbers = count(1)


def scope(place_path: str = COUNTY_PATH, today: date = TODAY) -> CheckScope:
    return CheckScope(place_path, today)


def id_number(born: date = date(1980, 1, 1), sex: str = "male", area: str = "150223") -> str:
    """A valid resident ID number of its own (check digit right) for a birth date and sex."""
    sequence = next(_numbers) % 500 * 2 + (1 if sex == "male" else 0)
    first17 = f"{area}{born:%Y%m%d}{sequence:03d}"
    return first17 + check_digit(first17)


def member(born: date = date(1980, 1, 1), **fields: Any) -> Member:
    """An able, healthy adult head born on ``born``, with a valid ID number of its own."""
    n = next(_numbers)
    values = {"name": f"成员{n}", "relation": "head", "sex": "male", "labour_skill": "ordinary",
              "health": ["healthy"], "insurance": "resident_medical", **fields}
    values.setdefault("id_number", id_number(born, values["sex"]))
    return Member(**values)


def income_line(session: Session, amount: int, year: int = 2026, place_code: str = "150000000000") -> None:
    """The region's income line for a year (the tree fixture's root), as the region sets it."""
    set_threshold(session, INCOME_LINE, place_code, year, amount, "test", AT)


def household(session: Session, *members: Member, measurement: dict[str, Any] | None = None,
              measures: tuple[dict[str, Any], ...] = (), **fields: Any) -> Household:
    values = {"village_code": VILLAGE, "place_path": VILLAGE_PATH, "household_type": "ordinary",
              "monitoring_status": "monitored", "monitoring_type": "marginal", "risk_types": ["illness"],
              "monitored_since": date(2026, 3, 10), "created_at": AT, **fields}
    found = Household(**values, members=list(members) or [member()])
    session.add(found)
    session.flush()
    if measurement is not None:
        add_measurement(session, found, **measurement)
    for each in measures:
        session.add(Measure(household_id=found.id, **{"category": "health", "subtype": "family_doctor",
                                                       "content": "签约", "responsible": "张三",
                                                       "start_on": date(2026, 3, 20), "status": "done",
                                                       "created_at": AT, "created_by": "test", "updated_at": AT,
                                                       "updated_by": "test", **each}))
    session.flush()
    return found


def add_measurement(session: Session, found: Household, year: int = 2026, **fields: Any) -> None:
    """A year's measurement of the household: amounts as numbers, flags as booleans, the rest 0 or False."""
    session.add(Measurement(household_id=found.id, year=year, recorded_at=AT, recorded_by="test",
                            **{k: Decimal(str(v)) if isinstance(v, int | float) and not isinstance(v, bool) else v
                               for k, v in fields.items()}))
    session.flush()


def findings(session: Session, code: str, today: date = TODAY) -> dict[tuple[int, str], tuple[dict[str, Any], str]]:
    """Each trip of one check over the county: its figures and its message, written, so a figure the message names
    and the finder forgot fails here; a household and subject found twice fails too."""
    found: dict[tuple[int, str], tuple[dict[str, Any], str]] = {}
    for trip in CHECKS[code].find(session, scope(today=today)):
        assert (trip.household_id, trip.subject) not in found
        found[trip.household_id, trip.subject] = (trip.figures, CHECKS[code].describe(trip))
    return found


def tripped(session: Session, code: str, today: date = TODAY) -> dict[int, dict[str, Any]]:
    """The figures of each household a household-level check trips."""
    return {household_id: figures for (household_id, _), (figures, _) in findings(session, code, today).items()}


def message(session: Session, code: str, household_id: int, subject: str = "") -> str:
    return findings(session, code)[household_id, subject][1]


def only_checks(monkeypatch, *codes: str) -> None:
    """The catalogue holds only ``codes`` for the test: the runner's bookkeeping is tested on checks whose trips the
    test controls, whatever other checks the catalogue gains."""
    for code in [code for code in CHECKS if code not in codes]:
        monkeypatch.delitem(CHECKS, code)


def too_soon(session: Session, **fields: Any) -> Household:
    """A household Q101 trips: eliminated by assistance in the month it was identified."""
    return household(session, monitoring_status="eliminated", elimination_method="assisted",
                     monitored_since=date(2026, 3, 10), eliminated_on=date(2026, 3, 28), **fields)

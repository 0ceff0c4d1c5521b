"""Income lines and expense warning standards: set with history, read as of now."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import InvalidData
from engine.limits import string_length, to_decimal
from engine.text import read_text
from monitoring.models import Place, Threshold

INCOME_LINE = "income_line"  # per region (or any ancestor) and year
EXPENSE_WARNING = "expense_warning"  # per county and year
DATA_MAX_AGE = "data_max_age"  # per county and year: days a department's data counts as current for comparison
EVENT_ACK_HOURS = "event_ack_hours"  # per region (or league) and year: hours a level has to acknowledge a major event
YEARS = range(2000, 2101)  # the years a threshold or a measurement may be for


def set_threshold(session: Session, kind: str, place_code: str, year: int, amount: Decimal | float | str,
                  username: str, at: datetime, note: str = "") -> Threshold:
    """Record a new value (a positive amount the column holds, rounded to cents); earlier values stay as history."""
    fields: dict[str, str] = {}
    try:
        value = to_decimal(amount, Threshold.amount, positive=True)
    except ValueError as exc:
        fields["amount"] = str(exc)
    if isinstance(year, bool) or not isinstance(year, int) or year not in YEARS:
        fields["year"] = "年份无效"
    note = read_text(note, "note", fields, string_length(Threshold.note), label="说明", required=False)
    if not isinstance(place_code, str) or session.get(Place, place_code) is None:
        fields["place"] = f"区划 {place_code} 不存在"
    if fields:
        raise InvalidData("标准设置有误", fields)
    row = Threshold(kind=kind, place_code=place_code, year=year, amount=value, note=note, set_at=at,
                    set_by=username)
    session.add(row)
    session.flush()
    return row


def current(session: Session, kind: str, place_path: str, year: int) -> Decimal | None:
    """The value in force for a place: set on the place itself or the nearest ancestor, newest first."""
    return current_for(session, kind, {(place_path, year)})[(place_path, year)]


def current_for(session: Session, kind: str, wanted: set[tuple[str, int]]) -> dict[tuple[str, int], Decimal | None]:
    """The values in force for several (place path, year) pairs, in one query (pages of many households)."""
    codes_of = {path: [code for code in path.strip("/").split("/") if code] for path, _ in wanted}
    all_codes = {code for codes in codes_of.values() for code in codes}
    rows = session.execute(
        select(Threshold.place_code, Threshold.year, Threshold.amount)
        .where(Threshold.kind == kind, Threshold.year.in_({year for _, year in wanted}),
               Threshold.place_code.in_(all_codes))
        .order_by(Threshold.set_at.desc(), Threshold.id.desc())
    ).all() if wanted else []
    newest: dict[tuple[str, int], Decimal] = {}
    for code, year, amount in rows:
        newest.setdefault((code, year), amount)
    return {(path, year): next((newest[(code, year)] for code in reversed(codes_of[path]) if (code, year) in newest),
                               None)
            for path, year in wanted}


def history(session: Session, kind: str, place_code: str) -> list[Threshold]:
    return list(session.execute(
        select(Threshold).where(Threshold.kind == kind, Threshold.place_code == place_code)
        .order_by(Threshold.year.desc(), Threshold.set_at.desc(), Threshold.id.desc())  # the later of one instant first
    ).scalars())

"""The administrator's table of holidays and make-up workdays, and the calendar built from it."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.calendar import WorkingCalendar
from engine.models import CalendarOverride


def load_calendar(session: Session) -> WorkingCalendar:
    rows = session.execute(select(CalendarOverride.day, CalendarOverride.is_working_day)).all()
    return WorkingCalendar({day: working for day, working in rows})


def set_override(session: Session, day: date, is_working_day: bool, note: str = "") -> CalendarOverride:
    """Declare ``day`` a holiday or a make-up workday, replacing any earlier entry for it."""
    row = session.get(CalendarOverride, day) or CalendarOverride(day=day)
    row.is_working_day, row.note = is_working_day, note
    session.add(row)
    session.flush()
    return row


def remove_override(session: Session, day: date) -> bool:
    row = session.get(CalendarOverride, day)
    if row is not None:
        session.delete(row)
        session.flush()
    return row is not None


def overrides(session: Session) -> list[CalendarOverride]:
    return list(session.execute(select(CalendarOverride).order_by(CalendarOverride.day)).scalars())

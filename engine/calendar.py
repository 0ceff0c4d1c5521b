"""Working days: the official Chinese calendar where it is known, overridden by our own table.

chinese-calendar knows 2004–2026; for any other year we fall back to Monday–Friday. The override
table (holidays and make-up workdays entered by an administrator) wins over both, so a county can
enter 2027's State Council schedule the day it is published.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta, timezone

import chinese_calendar

MAX_WORKING_DAYS = 3660
CHINA_TZ = timezone(timedelta(hours=8), "CST")


class WorkingCalendar:
    """Decides whether a date is a working day and counts working days forward."""

    def __init__(self, overrides: Mapping[date, bool] | None = None) -> None:
        # date -> True (a make-up workday) or False (a holiday)
        self._overrides = dict(overrides or {})

    def is_working_day(self, day: date) -> bool:
        if day in self._overrides:
            return self._overrides[day]
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:
            return day.weekday() < 5

    def add_working_days(self, start: date | datetime | str, n: int) -> date:
        """The date ``n`` working days after ``start`` (the start day itself does not count)."""
        day = as_date(start)
        if not isinstance(n, int) or isinstance(n, bool) or not 0 <= n <= MAX_WORKING_DAYS:
            raise ValueError(f"working days must be an integer between 0 and {MAX_WORKING_DAYS}")
        remaining = n
        while remaining:
            day += timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        return day


def as_date(value: date | datetime | str) -> date:
    """The calendar day in China: a timezone-aware moment is converted to China Standard Time first."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    if isinstance(value, datetime):
        return value.astimezone(CHINA_TZ).date() if value.tzinfo is not None else value.date()
    if isinstance(value, date):
        return value
    raise TypeError(f"not a date: {value!r}")

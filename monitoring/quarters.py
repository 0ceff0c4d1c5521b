"""Quarters (季度): the period counties monitor, mark changes and report in (domain.md §3, §8).

A quarter is named ``2026Q4`` in addresses and files and 2026年第四季度 on paper; its bounds are days in
China, so a case started at 23:30 on 31 December (China time) belongs to the fourth quarter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time

from engine.calendar import CHINA_TZ
from engine.errors import InvalidData

NUMERALS = "一二三四"
_CODE = re.compile(r"(\d{4})Q([1-4])", re.ASCII)  # not ２０２６Q1: a code reads the same in every address
FIRST_YEAR = 2004  # the oldest year the working-day calendar knows; no bulletin looks further back


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int  # 1..4

    @classmethod
    def of(cls, day: date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def parse(cls, text: str | None, field: str = "quarter") -> Quarter:
        """``2026Q4`` (case-insensitive) or InvalidData naming ``field``."""
        match = _CODE.fullmatch((text or "").strip().upper())
        if not match or not FIRST_YEAR <= int(match.group(1)) <= 2100:
            raise InvalidData("季度无效：应为年份加季度，如 2026Q4", {field: "应为年份加季度，如 2026Q4"})
        return cls(int(match.group(1)), int(match.group(2)))

    @property
    def code(self) -> str:
        return f"{self.year}Q{self.number}"

    @property
    def label(self) -> str:
        return f"{self.year}年第{NUMERALS[self.number - 1]}季度"

    @property
    def first_day(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def last_day(self) -> date:
        return date.fromordinal(self.next().first_day.toordinal() - 1)

    @property
    def starts_at(self) -> datetime:
        """The first moment of the quarter in China; ``ends_at`` is the next quarter's first (half-open)."""
        return datetime.combine(self.first_day, time(), CHINA_TZ)

    @property
    def ends_at(self) -> datetime:
        return self.next().starts_at

    def next(self) -> Quarter:
        return Quarter(self.year + self.number // 4, self.number % 4 + 1)

    def previous(self) -> Quarter:
        return Quarter(self.year - (self.number == 1), (self.number - 2) % 4 + 1)

    def recent(self, count: int) -> list[Quarter]:
        """This quarter and the ``count - 1`` before it, newest first (the page's chooser)."""
        found = [self]
        while len(found) < count and found[-1].year > FIRST_YEAR:
            found.append(found[-1].previous())
        return found

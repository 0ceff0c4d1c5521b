"""Horizontal bar charts drawn on the server as SVG: no chart library, so they print and work on a phone.

Each bar's label sits above the bar (long Chinese names need no truncation on a 375 px screen) and its
number is written at the bar's end, so the chart can be read without the table beside it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

WIDTH = 320  # viewBox units: a card's width on a 375 px phone, so one unit is about one pixel there
PAD = 4
ROW = 44  # label line + bar + gap
BAR = 14
NUMBER_ROOM = 48  # right of the longest bar, for "123"
PART_NUMBER_ROOM = 104  # for "123（逾期 45）"


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    part: int  # the highlighted share of ``value`` (overdue), drawn over the bar's start
    top: int
    length: float
    part_length: float

    @property
    def text_y(self) -> int:
        return self.top + 14

    @property
    def bar_y(self) -> int:
        return self.top + 20

    @property
    def number_x(self) -> float:
        return PAD + self.length + 6

    @property
    def number_y(self) -> int:
        return self.bar_y + BAR - 2


@dataclass(frozen=True)
class BarChart:
    """``key`` makes the ids of the chart's title and description unique on the page."""

    key: str
    title: str
    unit: str
    part_label: str | None
    bars: list[Bar]

    @property
    def width(self) -> int:
        return WIDTH

    @property
    def height(self) -> int:
        return len(self.bars) * ROW + PAD

    @property
    def left(self) -> int:
        return PAD

    @property
    def bar_height(self) -> int:
        return BAR

    @property
    def empty(self) -> bool:
        return not any(bar.value for bar in self.bars)

    def number(self, bar: Bar) -> str:
        if self.part_label is None:
            return str(bar.value)
        return f"{bar.value}（{self.part_label} {bar.part}）"

    @property
    def description(self) -> str:
        """Every bar as text, for screen readers."""
        return "；".join(f"{bar.label}：{self.number(bar)}{self.unit}" for bar in self.bars)


def bar_chart(key: str, title: str, items: Iterable[tuple[str, int] | tuple[str, int, int]], unit: str = "",
              part_label: str | None = None) -> BarChart:
    """A chart of ``(label, value)`` or ``(label, value, part)`` items, bars scaled to the largest value."""
    rows = [(item[0], item[1], item[2] if len(item) > 2 else 0) for item in items]
    largest = max((value for _, value, _ in rows), default=0) or 1
    room = WIDTH - 2 * PAD - (NUMBER_ROOM if part_label is None else PART_NUMBER_ROOM)
    bars = [Bar(label, value, part, PAD + index * ROW, room * value / largest, room * part / largest)
            for index, (label, value, part) in enumerate(rows)]
    return BarChart(key, title, unit, part_label, bars)

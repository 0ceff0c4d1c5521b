"""Marking windows (标注窗口期): risk elimination and natural changes are marked only inside one.

By default marking is open in the last month of each quarter (March, June, September, December: the
county's quarterly monitoring ends there). A region or county may set its own windows instead; the
nearest place up the tree that has any explicit window decides for every place below it, so a county's
windows override the default for its villages and leave other counties on theirs (or the region's).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.assignment import Actor
from engine.errors import InvalidData
from engine.paging import Key, Page, page
from engine.paging import Window as PageWindow
from engine.scope import below
from monitoring import places
from monitoring.models import MarkingWindow, PlaceLevel
from monitoring.permissions import MARKING_WINDOW_SETTERS, require

MAX_DAYS = 92  # a window is at most a quarter long
SETTING_LEVELS = (PlaceLevel.REGION, PlaceLevel.LEAGUE, PlaceLevel.COUNTY)
WINDOW_ORDER = (Key(MarkingWindow.opens_on, descending=True), Key(MarkingWindow.id, descending=True))


@dataclass(frozen=True)
class Window:
    """A span of days (both ends included) when marking is open; ``place_code`` None for the default."""

    opens_on: date
    closes_on: date
    place_code: str | None = None

    @property
    def default(self) -> bool:
        return self.place_code is None

    def contains(self, day: date) -> bool:
        return self.opens_on <= day <= self.closes_on


def default_window(day: date) -> Window:
    """The last month of the quarter that contains ``day``."""
    month = (day.month - 1) // 3 * 3 + 3
    return Window(date(day.year, month, 1), date(day.year, month, calendar.monthrange(day.year, month)[1]))


def _codes_upward(place_path: str) -> list[str]:
    """The codes of a place and its ancestors, the place itself first."""
    return list(reversed([code for code in place_path.strip("/").split("/") if code]))


def _deciding_place(session: Session, place_path: str) -> str | None:
    """The nearest place (itself or up the tree) that has explicit windows; None when the default holds."""
    codes = _codes_upward(place_path)
    having = set(session.execute(select(MarkingWindow.place_code).where(MarkingWindow.place_code.in_(codes))
                                 .distinct()).scalars())
    return next((code for code in codes if code in having), None)


def _explicit(session: Session, place_code: str) -> list[Window]:
    rows = session.execute(select(MarkingWindow).where(MarkingWindow.place_code == place_code)
                           .order_by(MarkingWindow.opens_on)).scalars()
    return [Window(row.opens_on, row.closes_on, row.place_code) for row in rows]


def window_for(session: Session, place_path: str, day: date) -> Window | None:
    """The window open at a place on a day, or None when marking is closed there then."""
    deciding = _deciding_place(session, place_path)
    if deciding is None:
        window = default_window(day)
        return window if window.contains(day) else None
    return next((w for w in _explicit(session, deciding) if w.contains(day)), None)


def next_opening(session: Session, place_path: str, day: date) -> date | None:
    """The first day from ``day`` on when marking is open at the place (``day`` itself inside a window); None when
    the place's own windows set none ahead (a case then waits until one is added)."""
    deciding = _deciding_place(session, place_path)
    if deciding is None:
        window = default_window(day)
        return day if window.contains(day) else window.opens_on
    return next((max(w.opens_on, day) for w in _explicit(session, deciding) if w.closes_on >= day), None)


# --- setting windows ----------------------------------------------------------------------------------------------

def windows_page(session: Session, place_path: str, window: PageWindow) -> Page[MarkingWindow]:
    """The explicit windows set at a place and below it, latest first."""
    return page(session, select(MarkingWindow).where(below(MarkingWindow.place_path, place_path)), WINDOW_ORDER,
                window)


def day_asked(value: str | None, today: date) -> date:
    """The day a reader asks about (``on``), today when not given; 422 naming ``on`` when it is not an ISO date."""
    if value is None:
        return today
    fields: dict[str, str] = {}
    day = iso_date(value, "on", "查询日期", fields)
    if day is None:
        raise InvalidData("日期有误", fields)
    return day


def iso_date(value: Any, field: str, label: str, fields: dict[str, str]) -> date | None:
    """A strict ISO date (2026-12-01): no times, no other separators; the reason in ``fields`` otherwise."""
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    fields[field] = f"{label}必填" if value in (None, "") else f"{label}应为日期，如 2026-12-01"
    return None


def add_window(session: Session, actor: Actor, data: dict[str, Any], at: datetime) -> MarkingWindow:
    """A new window at a region or county in the actor's scope (404 outside it); refused with the field's reason
    when inverted, longer than a quarter or overlapping another window of the same place."""
    require(actor.role, MARKING_WINDOW_SETTERS, "只有自治区、盟市或旗县可以设置标注窗口期")
    code = data.get("place")
    fields: dict[str, str] = {}
    if not isinstance(code, str) or not code:
        raise InvalidData("标注窗口期有误", {"place": "区划必填"})
    place = places.place_in_scope(session, actor, code)
    if place.level not in SETTING_LEVELS:
        fields["place"] = "标注窗口期只能在自治区、盟市或旗县一级设置"
    opens_on = iso_date(data.get("opens_on"), "opens_on", "开始日期", fields)
    closes_on = iso_date(data.get("closes_on"), "closes_on", "结束日期", fields)
    if opens_on and closes_on:
        if closes_on < opens_on:
            fields["closes_on"] = "结束日期不能早于开始日期"
        elif (closes_on - opens_on) >= timedelta(days=MAX_DAYS):
            fields["closes_on"] = f"窗口期最长 {MAX_DAYS} 天"
        else:
            clash = next((w for w in _explicit(session, place.code)
                          if w.opens_on <= closes_on and opens_on <= w.closes_on), None)
            if clash is not None:
                fields["opens_on"] = (f"与已有窗口期 {clash.opens_on.isoformat()} 至 {clash.closes_on.isoformat()} "
                                      "重叠")
    if fields:
        raise InvalidData("标注窗口期有误", fields)
    row = MarkingWindow(place_code=place.code, place_path=place.path, opens_on=opens_on, closes_on=closes_on,
                        created_by=actor.username, created_at=at)
    session.add(row)
    session.flush()
    return row

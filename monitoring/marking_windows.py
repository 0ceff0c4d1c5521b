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

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import audit
from engine.assignment import Actor
from engine.calendar import CHINA_TZ
from engine.errors import Conflict, InvalidData, NotFound
from engine.models import Task, TaskState
from engine.paging import Key, Page, page
from engine.paging import Window as PageWindow
from engine.scope import below
from monitoring import places
from monitoring.models import MarkingWindow, Place, PlaceLevel
from monitoring.permissions import MARKING_WINDOW_SETTERS, require

MAX_DAYS = 92  # a window is at most a quarter long
FIRST_YEAR, LAST_YEAR = 2000, 2100  # the years a window may fall in: anything else is a typing slip
FIELDS = frozenset({"place", "opens_on", "closes_on", "replace_default"})
MARKING_STEP = ("risk_elimination", "marking")  # the task that marks inside a window (processes/risk_elimination.bpmn)
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
    """A strict ISO date (2026-12-01) between 2000 and 2100: no times, no other separators, no year a typing slip
    makes (0001, 9999); the reason in ``fields`` otherwise."""
    if isinstance(value, str) and len(value) == 10:
        try:
            day = date.fromisoformat(value)
        except ValueError:
            pass
        else:
            if FIRST_YEAR <= day.year <= LAST_YEAR:
                return day
            fields[field] = f"{label}应在{FIRST_YEAR}年至{LAST_YEAR}年之间"
            return None
    fields[field] = f"{label}必填" if value in (None, "") else f"{label}应为日期，如 2026-12-01"
    return None


def add_window(session: Session, actor: Actor, data: dict[str, Any], at: datetime) -> MarkingWindow:
    """A new window at a region or county in the actor's scope (404 outside it), audited; refused with each field's
    reason when a field is unknown, a date is outside 2000–2100, the window ends before today, is inverted, longer
    than a quarter or overlaps another window of the same place, or when it would close today's marking where
    cases wait at 系统标注 and ``replace_default`` does not confirm it."""
    require(actor.role, MARKING_WINDOW_SETTERS, "只有自治区、盟市或旗县可以设置标注窗口期")
    today = at.astimezone(CHINA_TZ).date()
    fields: dict[str, str] = {name: "不能填写此项" for name in sorted(set(data) - FIELDS)}
    place = _setting_place(session, actor, data.get("place"), fields)
    opens_on = iso_date(data.get("opens_on"), "opens_on", "开始日期", fields)
    closes_on = iso_date(data.get("closes_on"), "closes_on", "结束日期", fields)
    confirmed = data.get("replace_default", False)
    if not isinstance(confirmed, bool):
        fields["replace_default"] = "应为 true 或 false"
    if opens_on and closes_on:
        if closes_on < opens_on:
            fields["closes_on"] = "结束日期不能早于开始日期"
        elif closes_on < today:
            fields["closes_on"] = f"结束日期不能早于今天（{today.isoformat()}）"
        elif (closes_on - opens_on) >= timedelta(days=MAX_DAYS):
            fields["closes_on"] = f"窗口期最长 {MAX_DAYS} 天"
        elif place is not None:
            clash = next((w for w in _explicit(session, place.code)
                          if w.opens_on <= closes_on and opens_on <= w.closes_on), None)
            if clash is not None:
                fields["opens_on"] = (f"与已有窗口期 {clash.opens_on.isoformat()} 至 {clash.closes_on.isoformat()} "
                                      "重叠")
            elif confirmed is not True:
                closing = _closes_marking_today(session, place, Window(opens_on, closes_on, place.code), today)
                if closing:
                    fields["replace_default"] = closing
    if fields or place is None:
        raise InvalidData("标注窗口期有误", fields)
    row = MarkingWindow(place_code=place.code, place_path=place.path, opens_on=opens_on, closes_on=closes_on,
                        created_by=actor.username, created_at=at)
    session.add(row)
    session.flush()
    _audit(session, "marking_window_added", row, actor, at)
    return row


def delete_window(session: Session, actor: Actor, window_id: int, at: datetime) -> MarkingWindow:
    """Remove a window set by mistake (an edit is a delete and a new window), audited with who and when; the same
    setters in whose scope it lies (404 otherwise). A window that has ended stays: it decided the markings then."""
    require(actor.role, MARKING_WINDOW_SETTERS, "只有自治区、盟市或旗县可以设置标注窗口期")
    row = session.get(MarkingWindow, window_id)
    if row is None or not actor.sees(row.place_path):
        raise NotFound(f"MarkingWindow {window_id}")
    if row.closes_on < at.astimezone(CHINA_TZ).date():
        raise Conflict("该窗口期已结束，它决定了当时的标注，不能删除")
    _audit(session, "marking_window_deleted", row, actor, at)
    session.delete(row)
    session.flush()
    return row


def _setting_place(session: Session, actor: Actor, code: Any, fields: dict[str, str]) -> Place | None:
    """The region, league or county the window is set at (404 outside the actor's scope); None with the reason."""
    if code in (None, ""):
        fields["place"] = "区划必填"
        return None
    if not isinstance(code, str):
        fields["place"] = "区划应为代码，如 150223000000"
        return None
    place = places.place_in_scope(session, actor, code)
    if place.level not in SETTING_LEVELS:
        fields["place"] = "标注窗口期只能在自治区、盟市或旗县一级设置"
        return None
    return place


def _closes_marking_today(session: Session, place: Place, new: Window, today: date) -> str | None:
    """Why the new window needs ``replace_default``: it is the place's first, so the windows that applied there
    until now (the quarter's default, or a higher place's) no longer do, marking is open today and the new window
    does not cover today, and cases wait at 系统标注 at the place or below."""
    if _explicit(session, place.code) or new.contains(today):
        return None
    applying = window_for(session, place.path, today)
    if applying is None:
        return None
    waiting = session.execute(select(func.count()).select_from(Task).where(
        Task.process_key == MARKING_STEP[0], Task.bpmn_id == MARKING_STEP[1], Task.state == TaskState.READY,
        below(Task.place_path, place.path))).scalar()
    if not waiting:
        return None
    which = "季度默认窗口期" if applying.default else "上级设置的窗口期"
    span = f"{applying.opens_on.isoformat()} 至 {applying.closes_on.isoformat()}"
    return (f"本地设置窗口期后，{which}不再适用：正在开放的 {span} 今天即停止标注，现有{waiting}户在系统标注等待；"
            "请确认替换后再保存")


def _audit(session: Session, kind: str, row: MarkingWindow, actor: Actor, at: datetime) -> None:
    audit.append_global(session, [audit.Event(kind, at, actor.username, detail={
        "window": row.id, "place": row.place_code, "opens_on": row.opens_on.isoformat(),
        "closes_on": row.closes_on.isoformat()})])

"""Quarterly marking (标注) of natural changes: a change is recorded when it happens and marked for the national
record only inside an open marking window (§四(三) "对标注风险消除、人口自然增减，按季度进行系统标注") — the same
windows as risk elimination (``monitoring.marking_windows``). A village marks its pending changes in one batch."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.assignment import Actor
from engine.calendar import CHINA_TZ
from engine.errors import Forbidden, InvalidData, NotFound
from engine.paging import Key, Page, Window, page
from engine.scope import within
from monitoring import marking_windows
from monitoring.change_models import HouseholdChange
from monitoring.natural_changes import check_recorder, chinese_date, is_id

MAX_BATCH = 500  # a village's changes of a quarter fit many times over
PENDING_ORDER = (Key(HouseholdChange.occurred_on), Key(HouseholdChange.id))


def window_refusal(session: Session, place_path: str, today: date) -> str | None:
    """Why marking is closed at the place today, naming the next window (None: it is open)."""
    if marking_windows.window_for(session, place_path, today) is not None:
        return None
    opening = marking_windows.next_opening(session, place_path, today)
    ahead = f"下一个窗口期{chinese_date(opening)}开始" if opening else "本地尚未设置下一个窗口期"
    return f"今天不在标注窗口期内，{ahead}；变更已登记，待窗口期内标注"


def mark_changes(session: Session, actor: Actor, data: dict[str, Any], now: datetime) -> list[HouseholdChange]:
    """Mark the given pending changes today: refused whole (nothing marked) for a change the actor does not see
    (404), one already marked, an id that is none, or a day outside the marking window (``marking_window``)."""
    check_recorder(actor)
    fields: dict[str, str] = {name: "不能填写此项" for name in sorted(set(data) - {"change_ids"})}
    ids = data.get("change_ids")
    if not isinstance(ids, list) or not ids:
        fields["change_ids"] = "请选择要标注的变更"
        ids = []
    elif len(ids) > MAX_BATCH:
        fields["change_ids"] = f"一次至多标注{MAX_BATCH}项"
        ids = []
    today = now.astimezone(CHINA_TZ).date()
    chosen: list[HouseholdChange] = []
    for index, value in enumerate(ids):
        where = f"change_ids.{index}"
        change = session.get(HouseholdChange, value) if is_id(value) else None
        if change is None and not is_id(value):
            fields[where] = "应为变更编号"
        elif change is None or not actor.sees(change.place_path):
            raise NotFound(f"HouseholdChange {value}")
        elif change in chosen:
            fields[where] = "重复"
        elif change.marked_on is not None:
            fields[where] = f"已于{chinese_date(change.marked_on)}标注"
        else:
            chosen.append(change)
    closed = next((refusal for refusal in (window_refusal(session, c.place_path, today) for c in chosen) if refusal),
                  None)
    if closed:
        fields["marking_window"] = closed
    if fields:
        raise InvalidData("标注有误", fields)
    for change in chosen:
        change.marked_on, change.marked_by = today, actor.username
    session.flush()
    return chosen


def pending_page(session: Session, actor: Actor, window: Window) -> Page[HouseholdChange]:
    """The changes waiting for marking in the actor's scope, oldest first; a line department's place opens no
    household's changes to it."""
    if not actor.place_scope:
        raise Forbidden("无权查看人口自然变更")
    return page(session, select(HouseholdChange).where(within(HouseholdChange.place_path, actor),
                                                       HouseholdChange.marked_on.is_(None)), PENDING_ORDER, window)

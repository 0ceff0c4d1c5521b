"""Holidays and make-up workdays as the administrator enters them (engine.calendar_store keeps them)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from sqlalchemy.orm import Session

from engine import calendar_store
from engine.models import CalendarOverride
from web.admin.forms import parse_date, refuse_if, text
from web.templating import cn_date

KINDS = {"holiday": "放假", "workday": "调休上班"}
WEEKDAYS = "一二三四五六日"


def weekday(day: date) -> str:
    return f"星期{WEEKDAYS[day.weekday()]}"


def describe(row: CalendarOverride) -> str:
    return f"{cn_date(row.day)}（{weekday(row.day)}）{KINDS['workday' if row.is_working_day else 'holiday']}"


def set_day(session: Session, form: Mapping[str, str]) -> CalendarOverride:
    """Declare a day a holiday or a make-up workday; an earlier entry for the same day is replaced."""
    problems: dict[str, str] = {}
    day = parse_date(form.get("day"), "day", problems)
    kind = form.get("kind", "")
    if kind not in KINDS:
        problems["kind"] = "请选择放假或调休上班"
    note = text(form.get("note"), "note", "说明", 200, problems, required=False)
    refuse_if(problems, "节假日设置有误")
    return calendar_store.set_override(session, day, kind == "workday", note)

"""Income lines and expense warning lines as the administration sets them: who, for which places, the history."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from engine.assignment import Actor
from engine.errors import NotFound
from monitoring import thresholds
from monitoring.models import Place, Threshold
from monitoring.permissions import THRESHOLD_RULES, check_threshold_place, threshold_kinds_for, threshold_rule
from web.admin.access import places_in_scope
from web.admin.forms import parse_int, reported_together, text


@dataclass(frozen=True)
class Kind:
    key: str
    name: str
    text: str
    unit: str

    @property
    def levels(self) -> tuple[str, ...]:
        """Where it is set (``monitoring.permissions``): an income line per region or league, the rest per county."""
        return THRESHOLD_RULES[self.key].levels


KINDS = {
    thresholds.INCOME_LINE: Kind(
        thresholds.INCOME_LINE, "收入监测线（监测底线）", "家庭年人均纯收入低于此线的，列入监测范围。", "元/人·年"),
    thresholds.EXPENSE_WARNING: Kind(
        thresholds.EXPENSE_WARNING, "刚性支出预警线", "家庭合规自付刚性支出超过此线的，予以预警。", "元/年"),
    thresholds.DATA_MAX_AGE: Kind(
        thresholds.DATA_MAX_AGE, "比对数据有效期",
        "部门比对数据上传超过此天数的，数据比对时提示旗县确认（未设置时为一个季度，92天）。", "天"),
    thresholds.EVENT_ACK_HOURS: Kind(
        thresholds.EVENT_ACK_HOURS, "重大事项确认时限",
        "盟市、自治区须在此时限内确认旗县上报的重大事项，逾期自动上报上一级（未设置时为2小时）。", "小时"),
}


def kinds_for(role: str) -> list[Kind]:
    return [KINDS[key] for key in threshold_kinds_for(role)]


def kind_for(role: str, key: str) -> Kind:
    if key not in KINDS:
        raise NotFound(f"threshold kind {key}")
    threshold_rule(role, key)
    return KINDS[key]


def places_for(session: Session, actor: Actor, kind: Kind) -> list[Place]:
    return [place for place, _ in places_in_scope(session, actor, kind.levels)]


def set_line(session: Session, actor: Actor, kind: Kind, place: Place, form: Mapping[str, str],
             at: datetime) -> Threshold:
    """A new value for a year; the old one stays in the history."""
    problems: dict[str, str] = {}
    year = parse_int(form.get("year"), "year", "年份应为数字", problems)
    note = text(form.get("note"), "note", "说明", 200, problems, required=False)
    check_threshold_place(threshold_rule(actor.role, kind.key), place)
    with reported_together(problems, "标准设置有误"):
        row = thresholds.set_threshold(session, kind.key, place.code, year or 0, (form.get("amount") or "").strip(),
                                       actor.username, at, note)
    return row


def history(session: Session, kind: Kind, place: Place) -> list[tuple[Threshold, bool]]:
    """Every value set for the place, newest year first, each marked whether it is the one in force."""
    seen: set[int] = set()
    rows = []
    for row in thresholds.history(session, kind.key, place.code):
        rows.append((row, row.year not in seen))
        seen.add(row.year)
    return rows

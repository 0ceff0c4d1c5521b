"""The lists a bulletin number links to: the case list and the household list, filtered as the count was.

``/cases/?quarter=2026Q4&count=started&place=CODE`` (``&step=visit`` for a step's count) and
``/households/?quarter=2026Q4&count=identified&place=CODE&type=marginal`` (``&own=1``: what lies at the place
itself, the bulletin's （本级） line, not at its areas too): each list applies the condition
``monitoring.statistics`` counted with, so a list shows exactly the cases or households behind its number.
Bad values are refused naming the parameter (``quarter``, ``count``, ``place``), never ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask import g

from engine.errors import InvalidData
from engine.models import ProcessInstance
from engine.scope import below
from monitoring import statistics
from monitoring.models import Household
from monitoring.places import place_in_scope
from monitoring.quarters import Quarter
from web.extensions import db

PARAMETERS = ("quarter", "count", "place", "own", "step")


def case_conditions(args: Mapping[str, str], now: datetime) -> list[Any]:
    """The conditions a bulletin link puts on the case list (none without ``quarter``)."""
    quarter, count = _quarter_count(args, statistics.CASE_COUNTS)
    if quarter is None:
        return []
    conditions = [statistics.case_condition(count, quarter, now, args.get("step") or None)]
    return conditions + _within(args, ProcessInstance.place_path)


def household_conditions(args: Mapping[str, str]) -> list[Any]:
    """The conditions a bulletin link puts on the household list (none without ``quarter``)."""
    quarter, count = _quarter_count(args, statistics.HOUSEHOLD_COUNTS)
    if quarter is None:
        return []
    return [statistics.household_condition(count, quarter), *_within(args, Household.place_path)]


def described(args: Mapping[str, str]) -> str | None:
    """What a linked list is showing, for its heading: 2026年第四季度 · 新发起案件 · 百灵庙镇."""
    if not args.get("quarter"):
        return None
    names = {**statistics.CASE_COUNTS, **statistics.HOUSEHOLD_COUNTS}
    code = (args.get("place") or "").strip()
    place = place_in_scope(db.session, g.actor, code) if code else None
    parts = [Quarter.parse(args.get("quarter")).label, names.get(args.get("count") or "", "")]
    name = (place.name + ("（本级）" if _own(args) else "")) if place else ""
    return " · ".join(p for p in [*parts, name] if p)


def _quarter_count(args: Mapping[str, str], counts: Mapping[str, str]) -> tuple[Quarter | None, str]:
    if not args.get("quarter"):
        return None, ""
    quarter = Quarter.parse(args.get("quarter"))
    count = args.get("count") or ""
    if count not in counts:
        raise InvalidData("统计口径无效", {"count": "应为 " + "/".join(counts)})
    return quarter, count


def _within(args: Mapping[str, str], path_column: Any) -> list[Any]:
    code = (args.get("place") or "").strip()
    if not code:
        return []
    place = place_in_scope(db.session, g.actor, code)  # 404 outside, as the bulletin
    return [path_column == place.path if _own(args) else below(path_column, place.path)]


def _own(args: Mapping[str, str]) -> bool:
    """``own=1``: the place itself only; anything else but nothing is refused naming it."""
    own = (args.get("own") or "").strip()
    if own not in ("", "1"):
        raise InvalidData("统计范围无效", {"own": "应为 1（仅本级）或不填"})
    return own == "1"

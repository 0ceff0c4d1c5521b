"""What a quarterly bulletin may be asked of: a league's or a county's (issue 12: "per league and county") and a
quarter that has begun — a later one would print zeros as though they were figures."""

from __future__ import annotations

from datetime import date

from engine.errors import InvalidData
from monitoring.models import LEVEL_NAMES, Place, PlaceLevel
from monitoring.quarters import Quarter

BULLETIN_LEVELS = (PlaceLevel.LEAGUE, PlaceLevel.COUNTY)


def check_bulletin(place: Place, quarter: Quarter, today: date) -> None:
    """Refuse a place that is no league or county and a quarter after ``today``'s, naming each field."""
    fields: dict[str, str] = {}
    current = Quarter.of(today)
    if quarter > current:
        fields["quarter"] = f"{quarter.label}尚未开始，最晚可选{current.label}"
    if place.level not in BULLETIN_LEVELS:
        level = LEVEL_NAMES.get(PlaceLevel(place.level), place.level)
        fields["place"] = f"季度通报按盟市、旗县编制，{place.name}是{level}"
    if fields:
        raise InvalidData("无法编制季度通报：" + "；".join(fields.values()), fields)

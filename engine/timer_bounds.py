"""How long a timer literal may be, told from its text alone: Spiff counts a duration's years and months one at a
time (``get_timedelta_from_start``, also while it parses a cycle), so ``P999999999Y`` costs days of CPU before
anything can refuse it. The numbers are bounded by a regex and how long the value lasts is worked out by
arithmetic, before Spiff sees it."""

from __future__ import annotations

import re

MAX_TIMER_YEARS = 100
_HUGE_NUMBER = re.compile(r"\d{10,}")
_COUNT = re.compile(r"(\d{1,9}(?:[.,]\d{1,9})?)([A-Z])")
# the days one of each designator stands for on average, before and after the T of a duration
_YEAR_DAYS = 365.25
_DATE_DAYS = {"Y": _YEAR_DAYS, "M": _YEAR_DAYS / 12, "W": 7, "D": 1}
_TIME_DAYS = {"H": 1 / 24, "M": 1 / 1440, "S": 1 / 86400}


def timer_value_problem(value: str) -> str | None:
    """Why a literal timeDuration, timeDate or timeCycle value lasts too long to be meant (in Chinese), else None."""
    if _HUGE_NUMBER.search(value):
        return "其中的数字过大"
    for part in value.upper().replace("--", "/").split("/"):
        if "P" in part and _days(part[part.index("P"):]) > MAX_TIMER_YEARS * _YEAR_DAYS:
            return f"时长超过 {MAX_TIMER_YEARS} 年"
    return None


def _days(duration: str) -> float:
    date_part, _, time_part = duration.partition("T")
    return sum(float(count.replace(",", ".")) * weights.get(unit, 0)
               for text, weights in ((date_part, _DATE_DAYS), (time_part, _TIME_DAYS))
               for count, unit in _COUNT.findall(text))

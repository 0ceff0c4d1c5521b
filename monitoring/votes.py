"""The votes of a democratic appraisal (民主评议): counts that can be, and a result that follows them.

The work plan (seed 003, §四(一)4) has the villagers' representative meeting vote on each household
but sets no majority; the Organic Law of Villagers' Committees (村民委员会组织法, art. 26) has that
meeting decide by more than half of those present. That is the default rule ``attendees``; a process
may name ``cast`` instead: more than half of the votes cast (for, against and abstaining).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.errors import ScriptError

MAJORITY_BASES = {"attendees": "参会人数", "cast": "投票总数"}  # rule -> what "more than half of" counts
DEFAULT_MAJORITY = "attendees"


def _count(record: Mapping[str, Any], key: str) -> int | None:
    value = record.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def vote_problems(record: Mapping[str, Any], majority: str = DEFAULT_MAJORITY) -> dict[str, str]:
    """Field -> why, for votes that cannot be or a result the votes do not give; empty when all is well.

    Counts the form has not accepted as integers are left to the form's own check.
    """
    if majority not in MAJORITY_BASES:
        raise ScriptError(f"未知的多数规则“{majority}”，可用：{'、'.join(MAJORITY_BASES)}")
    attendees, votes_for, against = (_count(record, k) for k in ("attendees", "votes_for", "votes_against"))
    abstain = _count(record, "votes_abstain") or 0
    if attendees is None or votes_for is None or against is None:
        return {}
    cast = votes_for + against + abstain
    if cast > attendees:
        return {"votes_for": f"同意、反对、弃权票数之和（{cast}）超过参会人数（{attendees}）"}
    base = attendees if majority == "attendees" else cast
    passed = 2 * votes_for > base
    shown = f"同意票（{votes_for}）{'已' if passed else '未'}超过{MAJORITY_BASES[majority]}（{base}）的半数"
    if record.get("approved") is True and not passed:
        return {"approved": f"{shown}，评议不能通过"}
    if record.get("approved") is False and passed:
        return {"approved": f"{shown}，评议结果应为通过"}
    return {}

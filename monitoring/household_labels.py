"""Telling apart households whose heads share a name, as a list shows them.

Two 巴特尔 in one inbox look like one household twice; their village group and the last four digits of
the head's ID number (all a list may show of it) tell them apart without opening either.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from monitoring.models import Household

ID_TAIL = 4


def tell_apart(households: Iterable[Household | None]) -> dict[int, str]:
    """Household id -> "2组 · 身份证尾号0123" for each whose head's name another household in the list shares."""
    listed = {h.id: h for h in households if h is not None and h.head is not None}
    counts = Counter(h.head.name for h in listed.values())
    return {h.id: _distinction(h) for h in listed.values() if counts[h.head.name] > 1}


def _distinction(household: Household) -> str:
    parts = [household.group_name or "", f"身份证尾号{household.head.id_number[-ID_TAIL:]}"]
    return " · ".join(part for part in parts if part)

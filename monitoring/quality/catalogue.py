"""What a data-quality check is, and the catalogue of every check the system runs.

A check is a rule over the records of a place and below: ``find`` returns the households (or members) that trip it,
each with the figures its message names. The catalogue is the one list pages, the API, exports and the runner read;
a check's code never changes meaning once findings carry it (retire a check, never reuse its code).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.orm import Session


class Severity(enum.StrEnum):
    ERROR = "error"  # the record contradicts itself or the policy: it must be corrected
    WARNING = "warning"  # unusual enough to look at; may be right


SEVERITY_LABELS = {Severity.ERROR: "错误", Severity.WARNING: "提示"}


def severity_label(severity: str) -> str:
    """错误 or 提示 for a stored severity."""
    return SEVERITY_LABELS.get(Severity(severity), severity)


@dataclass(frozen=True)
class CheckScope:
    """Where and when a check runs: the households at ``place_path`` and below, as of ``today`` (the engine's clock)."""

    place_path: str
    today: date


@dataclass(frozen=True)
class Trip:
    """One household (or one of its members) that trips a check, with the figures its message is written from.
    ``subject`` tells several findings of one check on one household apart ("member:12"); "" for the household."""

    household_id: int
    figures: dict[str, Any] = field(default_factory=dict)
    subject: str = ""


Finder = Callable[[Session, CheckScope], Iterable[Trip]]


@dataclass(frozen=True)
class Check:
    """One rule: its code, how grave, a short title, the message (``str.format`` over a trip's figures, naming
    them), the record fields to correct, the policy it comes from, and the query that finds what trips it."""

    code: str
    severity: Severity
    title: str
    message: str
    fields: tuple[str, ...]
    policy: str
    find: Finder

    def describe(self, trip: Trip) -> str:
        """The finding's message in words, with its figures."""
        return self.message.format(**trip.figures)


CHECKS: dict[str, Check] = {}
# Codes of checks taken out of the catalogue: their open findings close at the next run. Only codes named here close
# that way — a check missing from a process for another reason (an older release's worker, a module that failed to
# import) must not mark its findings corrected.
RETIRED: frozenset[str] = frozenset()


def title_of(code: str) -> str:
    """A check's title, or its code once it has left the catalogue (its old findings still carry it)."""
    found = CHECKS.get(code)
    return found.title if found else code


def check(code: str, severity: Severity, title: str, message: str, fields: tuple[str, ...],
          policy: str) -> Callable[[Finder], Finder]:
    """Register the decorated finder as the check ``code``; a code registered twice is a programming error."""

    def register(find: Finder) -> Finder:
        if code in CHECKS:
            raise ValueError(f"check {code} is registered twice")
        CHECKS[code] = Check(code, severity, title, message, fields, policy, find)
        return find

    return register

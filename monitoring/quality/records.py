"""The records every check reads: a scope's live households (a household merged into another is not one any more)
and its members, and date arithmetic both databases run the same way."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, extract

from engine.scope import below
from monitoring.models import Household, Member
from monitoring.quality.catalogue import CheckScope


def live_households(scope: CheckScope) -> ColumnElement[bool]:
    """The households at the scope's place and below that still stand on their own."""
    return and_(below(Household.place_path, scope.place_path), Household.merged_into_id.is_(None))


def members_in(scope: CheckScope, member: Any = Member) -> ColumnElement[bool]:
    """The members whose household lies at the scope's place or below, read by the copy of its place they carry
    (``members.place_path``, ``ix_members_place``). A check joining members to ``live_households`` adds it: the
    household's place alone let PostgreSQL read the whole region's members for a county (a region's run of the
    member checks cost little more than one county's, bench/quality_runs.py)."""
    return below(member.place_path, scope.place_path)


def month_number(column: ColumnElement) -> ColumnElement[int]:
    """A date's months since year 0, in SQL: two dates' months apart is the difference of their numbers."""
    return extract("year", column) * 12 + extract("month", column)

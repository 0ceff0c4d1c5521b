"""The records every check reads: a scope's live households (a household merged into another is not one any more),
and date arithmetic both databases run the same way."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, extract

from engine.scope import below
from monitoring.models import Household
from monitoring.quality.catalogue import CheckScope


def live_households(scope: CheckScope) -> ColumnElement[bool]:
    """The households at the scope's place and below that still stand on their own."""
    return and_(below(Household.place_path, scope.place_path), Household.merged_into_id.is_(None))


def month_number(column: ColumnElement) -> ColumnElement[int]:
    """A date's months since year 0, in SQL: two dates' months apart is the difference of their numbers."""
    return extract("year", column) * 12 + extract("month", column)

"""Counts over a whole subtree planned for the place they count, on every run.

psycopg prepares a statement from its fifth run on a connection, and after five plans made for the values PostgreSQL
may keep one generic plan, chosen without them. For a page's few rows that saves planning; for a count over a subtree
the best plan differs between a village's range and a region's, and the generic one can be far off: the region's
dashboard took a median 145 ms with plans for its values, 340 ms once its statements ran on generic plans after a few
views of a county's (bench/scale.py's region, 12 views each). So the dashboard's, the bulletin's and the campaign's
counts run unprepared: each statement is planned for the values it is sent with. Nothing is sent to the server for
it and no transaction is begun (one held open through a PDF's rendering would hold its tables' locks for seconds).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Concatenate, ParamSpec, TypeVar

from sqlalchemy.orm import Session

P = ParamSpec("P")
R = TypeVar("R")


def planned_for_values(count: Callable[Concatenate[Session, P], R]) -> Callable[Concatenate[Session, P], R]:
    """``count``, whose first argument is its session, runs no prepared statement (its nested calls neither)."""

    @functools.wraps(count)
    def unprepared(session: Session, *args: P.args, **kwargs: P.kwargs) -> R:
        with _unprepared(session):
            return count(session, *args, **kwargs)

    return unprepared


@contextmanager
def _unprepared(session: Session) -> Iterator[None]:
    driver = session.connection().connection.driver_connection
    threshold = getattr(driver, "prepare_threshold", None)  # None: prepares nothing already (or not psycopg)
    if threshold is None:
        yield
        return
    driver.prepare_threshold = None  # psycopg then neither prepares a statement nor runs one it prepared
    try:
        yield
    finally:
        driver.prepare_threshold = threshold

"""Counts over a whole subtree planned for the place they count, on every run.

psycopg prepares a statement from its fifth run on a connection, and after five plans made for the values PostgreSQL
may keep one generic plan, chosen without them. For a page's few rows that saves planning; for a count over a subtree
the best plan differs between a village's range and a region's, and the generic one can be far off: the region's
dashboard took a median 145 ms with plans for its values, 340 ms once its statements ran on generic plans after a few
views of a county's (bench/scale.py's region, 12 views each). So the dashboard and the bulletin ask for plans made for
their values, for their own transaction only.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session


def plan_for_values(session: Session) -> None:
    """Until the session's transaction ends, PostgreSQL plans each statement for the values it runs with (SQLite
    always does)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.set_config("plan_cache_mode", "force_custom_plan", True)))

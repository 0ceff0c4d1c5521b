"""The plans a database makes for the statements a read sends, for tests that check an index answers it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import event


def plans_of(session: Any, table: str, read: Callable[[], Any]) -> str:
    """The plan of each statement ``read`` sends that reads ``table``; PostgreSQL told to use no sequential or bitmap
    scan, so the plan shows whether an index alone can answer (a handful of test rows would otherwise be scanned)."""
    reads = []
    listen = lambda *args: reads.append((args[2], args[3])) if f"FROM {table}" in args[2] else None  # noqa: E731
    event.listen(session.get_bind(), "before_cursor_execute", listen)
    try:
        read()
    finally:
        event.remove(session.get_bind(), "before_cursor_execute", listen)
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        return " / ".join(row[-1] for statement, parameters in reads
                          for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters))
    connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
    connection.exec_driver_sql("SET LOCAL enable_bitmapscan = off")
    return " / ".join(row[0] for statement, parameters in reads
                      for row in connection.exec_driver_sql(f"EXPLAIN {statement}", parameters))

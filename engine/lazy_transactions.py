"""PostgreSQL transactions begun by the first statement that needs one, as Python's sqlite3 module begins SQLite's.

psycopg, out of its autocommit mode, sends BEGIN before a connection's first statement and COMMIT at the end: two round
trips of their own, each a wake-up of the server process and of the client (on a 2-core VM, 0.05-0.3 ms of kernel CPU
each side). A request that only reads needs neither: at READ COMMITTED, PostgreSQL's default and the app's, every
statement of a transaction reads a snapshot of its own, so a read outside one sees what it would have seen inside.
``install`` therefore puts the driver in autocommit mode and sends BEGIN just before the first statement that needs a
transaction: anything but a plain SELECT (a write, a SAVEPOINT, SET LOCAL, DDL), or a SELECT that locks rows, takes an
advisory lock or sets a setting for the transaction. psycopg skips COMMIT and ROLLBACK when no transaction is open
(psycopg ``Connection.commit``), so the unit of work commits as before.

One statement may commit itself (``alone``): a case's step saved in one statement (``engine.round_trips``) when the
caller writes nothing else (``engine.tasks.complete_task``'s ``sole_write``); and a statement may run first thing in a
transaction if one begins (``first_in_transaction``): that step's case's lock, before anything its scripts write. A
connection asked for explicitly in autocommit mode (``isolation_level="AUTOCOMMIT"``: VACUUM, CREATE DATABASE) gets no
BEGIN at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, event
from sqlalchemy.engine import Engine

_BEGIN = "BEGIN"
_ALONE = "fangpin.alone"  # in a SQLAlchemy connection's info: its next statement commits itself
_FIRST = "fangpin.first_in_transaction"  # in a connection's info: what to run right after BEGIN
_SELECT = re.compile(r"\s*SELECT\b", re.IGNORECASE)
# what makes a SELECT part of its transaction: a row lock, an advisory lock, a setting for the transaction
_TRANSACTIONAL = re.compile(r"\bFOR\s+(?:NO\s+KEY\s+UPDATE|UPDATE|KEY\s+SHARE|SHARE)\b|advisory|set_config",
                            re.IGNORECASE)
_IDLE = 0  # psycopg.pq.TransactionStatus.IDLE: no transaction open


def install(engine: Engine) -> None:
    """Begin the engine's PostgreSQL (psycopg) transactions lazily; other drivers are left as they are."""
    if engine.dialect.driver != "psycopg":
        return
    event.listen(engine, "checkout", _driver_autocommit)
    event.listen(engine, "before_cursor_execute", _begin_if_needed)


def in_transaction(connection: Connection) -> bool:
    """Whether the connection's statements run in an open transaction: always where transactions are not begun lazily
    (SQLite, psycopg out of this mode)."""
    driver = connection.connection.driver_connection
    return not getattr(driver, "autocommit", False) or driver.pgconn.transaction_status != _IDLE


@contextmanager
def alone(connection: Connection) -> Iterator[None]:
    """The one statement run inside commits itself if no transaction is open: the caller has nothing else to write."""
    connection.info[_ALONE] = True
    try:
        yield
    finally:
        connection.info.pop(_ALONE, None)


@contextmanager
def first_in_transaction(connection: Connection, statement: str) -> Iterator[None]:
    """``statement`` (SQL without parameters) runs first thing in a transaction if one begins inside the block: sent
    with its BEGIN as one message (one round trip), before the statement that began it. E.g. a lock that must come
    before anything the transaction writes."""
    connection.info[_FIRST] = statement
    try:
        yield
    finally:
        connection.info.pop(_FIRST, None)


def _driver_autocommit(driver: Any, _record: Any, _proxy: Any) -> None:
    """Every checkout: SQLAlchemy turns autocommit off again where a caller asked for an isolation level of its own."""
    if not driver.autocommit:
        driver.autocommit = True


def _begin_if_needed(connection: Connection, cursor: Any, statement: str, _parameters: Any, context: Any,
                     _many: bool) -> None:
    if statement.startswith(_BEGIN):  # this listener's own, as the others hear it
        return
    driver = cursor.connection
    if driver.pgconn.transaction_status != _IDLE or connection.info.get(_ALONE):
        return
    if _reads_only(statement) and not (context is not None and context.execution_options.get("stream_results")):
        return  # a server-side cursor lives in a transaction
    if connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
        return
    first = connection.info.pop(_FIRST, None)
    begin = _BEGIN if first is None else f"{_BEGIN}; {first}"  # no parameters: the simple protocol takes both at once
    connection.dispatch.before_cursor_execute(connection, cursor, begin, (), None, False)  # heard like any other
    cursor.execute(begin)


@lru_cache(maxsize=2048)
def _reads_only(statement: str) -> bool:
    return bool(_SELECT.match(statement)) and not _TRANSACTIONAL.search(statement)

"""Several writes sent to the database together: on PostgreSQL in one round trip (psycopg's pipeline mode).

A step ends with four writes whose results nobody reads (its finished task rows, its new ones, the instance, the
audit rows). Sent one by one over psycopg they cost a round trip each, and each round trip costs the server process
two system calls and a wake-up; in a pipeline they go out together and their results come back in one. SQLite runs
in-process: nothing to save, the writes run as they are.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError


@contextmanager
def one_round_trip(connection: Connection) -> Iterator[None]:
    """Run the block's statements (writes only: their results are read at the block's end) in one round trip.
    A database error of any of them surfaces at the block's end, as SQLAlchemy's ``DBAPIError`` as if raised by
    the statement, and the transaction is then aborted like any failed statement's."""
    if connection.dialect.driver != "psycopg":
        yield
        return
    driver = connection.connection.driver_connection
    import psycopg  # only with the psycopg driver in use

    try:
        with driver.pipeline():
            yield
    except psycopg.Error as exc:
        raise DBAPIError.instance(None, None, exc, psycopg.Error) from exc

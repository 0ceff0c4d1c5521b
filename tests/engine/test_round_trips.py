"""``engine.round_trips.one_round_trip``: a step's writes land as written, and a failed one is reported as SQLAlchemy
reports any failed statement, on PostgreSQL (pipelined: at the block's end) as on SQLite."""

from __future__ import annotations

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select, update
from sqlalchemy.exc import IntegrityError

from engine.round_trips import one_round_trip

PROBE = Table("round_trip_probe", MetaData(), Column("id", Integer, primary_key=True), Column("note", String(20)))


@pytest.fixture
def connection(session):
    PROBE.create(session.connection())
    return session.connection()


def test_the_writes_of_the_block_land_in_their_order(connection):
    with one_round_trip(connection):
        connection.execute(insert(PROBE).inline(), [{"id": 1, "note": "a"}, {"id": 2, "note": "b"}])
        connection.execute(insert(PROBE).inline(), [{"id": 3, "note": "c"}])
        connection.execute(update(PROBE).where(PROBE.c.id == 1).values(note="a2"))
    assert connection.execute(select(PROBE.c.id, PROBE.c.note).order_by(PROBE.c.id)).all() == [
        (1, "a2"), (2, "b"), (3, "c")]


def test_a_failed_write_is_an_integrity_error_and_fails_the_block(connection):
    connection.execute(insert(PROBE), {"id": 1, "note": "a"})
    with pytest.raises(IntegrityError), one_round_trip(connection):
        connection.execute(insert(PROBE).inline(), [{"id": 2, "note": "b"}])
        connection.execute(insert(PROBE).inline(), [{"id": 1, "note": "again"}])

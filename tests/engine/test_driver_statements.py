"""``engine.driver_statements.DriverStatement``: a statement run on the driver's cursor writes and reads exactly what
SQLAlchemy's ``Connection.execute`` of the same statement writes and reads, in the same transaction, on SQLite and
PostgreSQL; a driver's error is SQLAlchemy's."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    insert,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from engine.driver_statements import DriverStatement
from engine.models import UtcDateTime

PROBE = Table("driver_statement_probe", MetaData(), Column("id", Integer, primary_key=True),
              Column("note", String(20)), Column("at", UtcDateTime), Column("flag", Boolean),
              Column("detail", JSON), Column("revision", Integer, server_default="0"))
AT = datetime(2026, 3, 1, 8, 30, 15, 123456, tzinfo=UTC)
ROWS = [{"id": 1, "note": "甲", "at": AT, "flag": True, "detail": {"村": ["一组", 2], "ok": None}},
        {"id": 2, "note": None, "at": None, "flag": False, "detail": [1.5, "b"]},
        {"id": 3, "note": "c", "at": AT, "flag": None, "detail": None}]
_READ = select(PROBE.c.id, PROBE.c.note, PROBE.c.at, PROBE.c.flag, PROBE.c.detail, PROBE.c.revision)
_BY_IDS = _READ.where(PROBE.c.id.in_(bindparam("ids", expanding=True))).order_by(PROBE.c.id)
# the statement carries values of its own besides the caller's: revision + 1 and the note it looks for
_BUMP = (update(PROBE).where(PROBE.c.id == bindparam("key"), PROBE.c.note != "none")
         .values(revision=PROBE.c.revision + 1, at=bindparam("when")).returning(PROBE.c.revision, PROBE.c.at))


@pytest.fixture
def connection(session):
    PROBE.create(session.connection())
    return session.connection()


def test_rows_written_by_the_driver_read_back_as_sqlalchemy_wrote_them(connection):
    DriverStatement(insert(PROBE).inline()).run_many(connection, ROWS)
    connection.execute(insert(PROBE), [{**row, "id": row["id"] + 10} for row in ROWS])
    read = {row.id: tuple(row)[1:] for row in connection.execute(_READ).all()}
    assert [read[i] for i in (1, 2, 3)] == [read[i] for i in (11, 12, 13)]
    assert read[1] == ("甲", AT, True, {"村": ["一组", 2], "ok": None}, 0)


def test_rows_read_by_the_driver_are_what_sqlalchemy_reads_by_name(connection):
    connection.execute(insert(PROBE), ROWS)
    statement = DriverStatement(_BY_IDS)
    for ids in ([2], [3, 1], [1, 2, 3], []):  # each length of the IN list has its own SQL
        expected = connection.execute(_BY_IDS, {"ids": ids}).all()
        rows = statement.rows(connection, {"ids": ids})
        assert [tuple(row) for row in rows] == [tuple(row) for row in expected]
        assert [(row.at, row.detail) for row in rows] == [(row.at, row.detail) for row in expected]


def test_a_statement_s_own_values_go_with_the_caller_s(connection):
    connection.execute(insert(PROBE), ROWS)
    later = datetime(2026, 3, 2, tzinfo=UTC)
    bumped = DriverStatement(_BUMP)
    assert bumped.first(connection, {"key": 1, "when": later}) == (1, later)
    assert bumped.first(connection, {"key": 1, "when": later}).revision == 2
    assert bumped.first(connection, {"key": 9, "when": later}) is None
    assert connection.execute(select(PROBE.c.revision, PROBE.c.at).where(PROBE.c.id == 1)).one() == (2, later)


def test_an_update_sets_the_columns_its_parameters_name(connection):
    connection.execute(insert(PROBE), ROWS[:2])
    DriverStatement(update(PROBE).where(PROBE.c.id == bindparam("key"))).run(connection, {"key": 1, "note": "a2"})
    assert connection.execute(select(PROBE.c.id, PROBE.c.note).order_by(PROBE.c.id)).all() == [(1, "a2"), (2, None)]


def test_a_driver_error_is_sqlalchemy_s_integrity_error(connection):
    statement = DriverStatement(insert(PROBE).inline())
    statement.run_many(connection, ROWS[:1])
    with pytest.raises(IntegrityError):
        statement.run_many(connection, ROWS[:1])


def test_a_parameter_named_twice_a_list_and_a_percent_sign_in_the_text_read_as_sqlalchemy_reads_them(connection):
    # on psycopg the statements are compiled with $n placeholders: a name used twice is one number, a list expands
    # among them, and a literal % is not doubled (as it is for psycopg's own %(name)s style)
    connection.execute(insert(PROBE), ROWS)
    probe = (select(PROBE.c.id, (literal_column("'100%'") + PROBE.c.note).label("share"))
             .where(PROBE.c.id.in_(bindparam("ids", expanding=True)),
                    or_(PROBE.c.note == bindparam("note"), PROBE.c.note.like(bindparam("note") + "%")))
             .order_by(PROBE.c.id))
    params = {"ids": [1, 3], "note": "甲"}
    assert [tuple(row) for row in DriverStatement(probe).rows(connection, params)] == \
        [tuple(row) for row in connection.execute(probe, params).all()] == [(1, "100%甲")]


def test_a_write_of_many_parameters_lands_whole(connection):
    # a step's one write names a hundred parameters or more (engine.round_trips)
    wide = [{**row, "id": 100 + index, "note": f"n{index}"} for index, row in enumerate(ROWS * 20)]
    many = insert(PROBE).values([{name: bindparam(f"{name}_{i}", type_=PROBE.c[name].type) for name in wide[0]}
                                 for i in range(len(wide))])
    DriverStatement(many).run(connection, {f"{name}_{i}": value for i, row in enumerate(wide)
                                           for name, value in row.items()})
    read = connection.execute(_READ.where(PROBE.c.id >= 100).order_by(PROBE.c.id)).all()
    assert [(row.id, row.note, row.at, row.detail) for row in read] == \
        [(row["id"], row["note"], row["at"], row["detail"]) for row in wide]

"""On PostgreSQL the app's transactions begin with the first statement that needs one (``engine.lazy_transactions``):
reads run on their own, and whatever writes, locks or sets something for the transaction begins one first, so that the
unit of work still commits or rolls back all of it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text, update

from engine import lazy_transactions
from monitoring.models import Place
from tests.web.test_api_completion_statements import statements
from web.extensions import db


@pytest.fixture
def pg(app, tree):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite's own driver begins its transactions before the first write")
    db.session.close()
    return db.session


def _open(session) -> bool:
    return lazy_transactions.in_transaction(session.connection())


def test_reads_begin_no_transaction_and_a_write_begins_one_that_rollback_undoes(pg):
    with statements() as sent:
        assert pg.execute(select(func.count()).select_from(Place)).scalar() == 7
        assert not _open(pg) and "BEGIN" not in sent
        pg.execute(update(Place).where(Place.code == "150223100201").values(name="改名嘎查"))
        assert _open(pg) and sent[-2] == "BEGIN", sent
        assert pg.get(Place, "150223100201").name == "改名嘎查"  # the transaction's own reads see its write
    pg.rollback()

    assert not _open(pg)
    assert pg.get(Place, "150223100201").name == "艾力嘎查"


@pytest.mark.parametrize("statement", [
    select(Place.code).where(Place.code == "150223100201").with_for_update(),
    select(Place.code).with_for_update(key_share=True, skip_locked=True),
    select(func.pg_advisory_xact_lock(42)),
    select(func.set_config("lock_timeout", "1s", True)),
    text("SET LOCAL jit = off"),
])
def test_a_lock_or_a_setting_for_the_transaction_begins_it(pg, statement):
    with statements() as sent:
        pg.execute(statement)

    assert sent[0] == "BEGIN" and _open(pg), sent
    pg.rollback()


def test_a_savepoint_begins_the_transaction_it_belongs_to(pg):
    with statements() as sent, pg.begin_nested():
        pg.execute(select(Place.code).limit(1))

    assert sent[:2] == ["BEGIN", "SAVEPOINT sa_savepoint_1"], sent
    pg.rollback()


def test_a_commit_ends_the_transaction_and_the_next_read_runs_on_its_own(pg):
    pg.execute(update(Place).where(Place.code == "150223100201").values(name="改名嘎查"))
    pg.commit()

    with statements() as sent:
        assert pg.get(Place, "150223100201").name == "改名嘎查"
    assert not _open(pg) and "BEGIN" not in sent


def test_a_connection_asked_for_in_autocommit_mode_gets_no_begin_and_the_next_checkout_is_lazy_again(pg):
    pg.close()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection, statements() as sent:
        connection.execute(text("VACUUM places"))  # refused inside a transaction
    assert "BEGIN" not in sent

    with db.engine.connect() as connection:
        assert connection.connection.driver_connection.autocommit
        connection.execute(select(Place.code).limit(1))
        assert not lazy_transactions.in_transaction(connection)

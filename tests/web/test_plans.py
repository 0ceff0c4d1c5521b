"""The dashboard and the bulletin count over whole subtrees: on PostgreSQL their statements are never prepared
(``engine.plans``), so each run is planned for the place it counts, not by a generic plan kept from other places'
runs; the connection prepares the pages' statements again afterwards, and no transaction is begun for it."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from engine import lazy_transactions
from monitoring.models import Place
from monitoring.quarters import Quarter
from tests.web.test_lazy_transactions import pg  # noqa: F401  (fixture)
from web.dashboard.bulletin import bulletin
from web.dashboard.overview import overview

RUNS = 7  # psycopg prepares a statement from its fifth run on a connection


def _prepared(session) -> list[str]:
    return list(session.execute(text("SELECT statement FROM pg_prepared_statements")).scalars())


@pytest.mark.parametrize("count", [
    lambda session, engine, place, now: overview(session, place, now),
    lambda session, engine, place, now: bulletin(session, engine, place, Quarter.of(now.date()).previous(), now),
], ids=["dashboard", "bulletin"])
def test_the_counts_run_unprepared_in_no_transaction_and_the_pages_statements_are_prepared_after(
        app, pg, engine, count):  # noqa: F811
    region = pg.get(Place, "150000000000")
    with app.test_request_context():  # the bulletin links its figures with url_for
        for _ in range(RUNS):
            count(pg, engine, region, engine.now())

    assert [s for s in _prepared(pg) if "GROUP BY" in s] == []
    assert not lazy_transactions.in_transaction(pg.connection())
    for _ in range(RUNS):  # a statement no fixture sends
        pg.execute(text("SELECT count(*) AS children FROM places WHERE parent_code = :code"), {"code": region.code})
    assert [s for s in _prepared(pg) if "AS children FROM places" in s]

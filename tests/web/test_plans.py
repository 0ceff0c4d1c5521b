"""The dashboard, the bulletin, the campaign summary and the quality findings per place count over whole subtrees: on
PostgreSQL their statements are never prepared (``engine.plans``), so each run is planned for the place it counts, not
by a generic plan kept from other places' runs; the connection prepares other statements again afterwards, and no
transaction is begun for it (the campaign's summary begins one of its own)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from engine import lazy_transactions
from monitoring import campaign_reports
from monitoring.campaign_models import Campaign
from monitoring.models import Place
from monitoring.quality import findings
from monitoring.quarters import Quarter
from tests.web.test_campaign_reports import build_world
from tests.web.test_lazy_transactions import pg  # noqa: F401  (fixture)
from web.dashboard.bulletin import bulletin
from web.dashboard.overview import overview

RUNS = 7  # psycopg prepares a statement from its fifth run on a connection
COUNTS = {  # name -> the count of the region, made ready given the session, the engine and the actors
    "dashboard": lambda session, engine, actors: lambda: overview(session, _region(session), engine.now()),
    "bulletin": lambda session, engine, actors: lambda: bulletin(
        session, engine, _region(session), Quarter.of(engine.now().date()).previous(), engine.now()),
    "campaign": lambda session, engine, actors: (lambda campaign: lambda: campaign_reports.summary(
        session, session.get(Campaign, campaign), _region(session)))(build_world(session, actors).campaign_id),
    "quality": lambda session, engine, actors: lambda: findings.counts_by_place(session, actors["county"], None),
}
OWN_TRANSACTION = {"campaign"}  # campaign_reports._without_jit: SET LOCAL jit = off, for its transaction


def _region(session) -> Place:
    return session.get(Place, "150000000000")


def _prepared(session) -> list[str]:
    return list(session.execute(text("SELECT statement FROM pg_prepared_statements")).scalars())


@pytest.mark.parametrize("name", COUNTS)
def test_the_counts_run_unprepared_in_no_transaction_and_other_statements_are_prepared_after(
        app, pg, engine, actors, name):  # noqa: F811
    counting = COUNTS[name](pg, engine, actors)
    with app.test_request_context():  # the bulletin links its figures with url_for
        counted = [counting() for _ in range(RUNS)]

    assert counted[0] == counted[-1]
    assert [s for s in _prepared(pg) if "GROUP BY" in s] == []
    assert lazy_transactions.in_transaction(pg.connection()) == (name in OWN_TRANSACTION)
    for _ in range(RUNS):  # a statement no fixture sends
        pg.execute(text("SELECT count(*) AS children FROM places WHERE parent_code = :code"), {"code": "150000000000"})
    assert [s for s in _prepared(pg) if "AS children FROM places" in s]

"""The dashboard and the bulletin count over whole subtrees: on PostgreSQL their statements are planned for the place
they count on every run (``engine.plans``), never by a generic plan kept from other places' runs, and only inside their
own transaction, so the pages' statements keep their plans."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from monitoring.models import Place
from monitoring.quarters import Quarter
from tests.web.test_lazy_transactions import pg  # noqa: F401  (fixture)
from web.dashboard.bulletin import bulletin
from web.dashboard.overview import overview


def _plan_cache_mode(session) -> str:
    return session.execute(select(func.current_setting("plan_cache_mode"))).scalar_one()


@pytest.mark.parametrize("count", [
    lambda session, engine, place, now: overview(session, place, now),
    lambda session, engine, place, now: bulletin(session, engine, place, Quarter.of(now.date()).previous(), now),
], ids=["dashboard", "bulletin"])
def test_the_counts_are_planned_for_their_values_until_their_transaction_ends(app, pg, engine, count):  # noqa: F811
    assert _plan_cache_mode(pg) == "auto"

    with app.test_request_context():  # the bulletin links its figures with url_for
        count(pg, engine, pg.get(Place, "150000000000"), engine.now())
        assert _plan_cache_mode(pg) == "force_custom_plan"
    pg.commit()  # a setting for the session, not the transaction, would outlive a commit

    assert _plan_cache_mode(pg) == "auto"

"""Two counties of one league report at the same moment (PostgreSQL, where two steps run side by side): the second
waits for the first's lock on the league's unit, so exactly one sees itself last and starts the league's case —
never none, which would leave the league waiting forever."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from engine.models import ProcessInstance
from engine.scripting import step_context
from monitoring import places
from monitoring.campaign_steps import campaign_unit_submitted
from tests.web.test_campaign import campaign_world, forms_dir, open_campaign  # noqa: F401  (fixtures)
from web.extensions import db

LEAGUE = "150200000000"
COUNTIES = ("150221000000", "150222000000")


@pytest.fixture
def league(session):
    """A league under the region with two counties, each with a township and a village."""
    places.add_place(session, LEAGUE, "包头市", "150000000000", "league")
    for n, county in enumerate(COUNTIES):
        places.add_place(session, county, f"旗{n}", LEAGUE, "county")
        places.add_place(session, county[:6] + "100000", f"镇{n}", county, "township")
        places.add_place(session, county[:6] + "100201", f"村{n}", county[:6] + "100000", "village")
    session.commit()


def report(session: Session, county: str) -> bool:
    """The county's 旗县审定上报 as its case's step calls it."""
    case = session.execute(select(ProcessInstance.id).where(ProcessInstance.place_code == county)).scalar_one()
    with step_context(session, "qi", case):
        return campaign_unit_submitted(county)


@pytest.mark.usefixtures("campaign_world", "league")
def test_the_second_of_two_counties_reporting_at_once_waits_and_sees_itself_last(app, api):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one writing step at a time")
    open_campaign(api)
    first, second = Session(db.engine), Session(db.engine)
    assert report(first, COUNTIES[0]) is False  # the other county has not reported
    answers = []
    other = threading.Thread(target=lambda: answers.append(report(second, COUNTIES[1])))
    other.start()
    with db.engine.connect() as watcher:  # until the second step waits on a lock, or is done
        while other.is_alive() and not watcher.execute(text("SELECT count(*) FROM pg_locks WHERE NOT granted")
                                                       ).scalar():
            watcher.rollback()
    first.commit()
    other.join()
    second.commit()
    assert answers == [True]
    first.close()
    second.close()

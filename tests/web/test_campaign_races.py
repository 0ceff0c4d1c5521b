"""Two places finishing at the same moment (PostgreSQL, where two steps run side by side): the second waits for the
first's lock on the parent's unit, so exactly one sees itself last and starts the parent's case — never none, which
would leave the parent waiting forever. Two townships of one county approved at once start the county's case; two
counties of one league reporting at once start the league's."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from engine.models import ProcessInstance
from engine.scripting import step_context
from engine.versions import latest_version
from monitoring import places
from monitoring.campaign_models import CampaignUnit, UnitStatus
from monitoring.campaign_steps import campaign_unit_reviewed, campaign_unit_submitted
from monitoring.campaigns import business_key
from tests.web.test_campaign import campaign_world, forms_dir, open_campaign  # noqa: F401  (fixtures)
from web.boundary import engine
from web.extensions import db

LEAGUE = "150200000000"
COUNTIES = ("150221000000", "150222000000")
TOWNSHIPS = ("150223100000", "150223200000")  # of 达茂旗


@pytest.fixture
def league(session):
    """A league under the region with two counties, each with a township and a village."""
    places.add_place(session, LEAGUE, "包头市", "150000000000", "league")
    for n, county in enumerate(COUNTIES):
        places.add_place(session, county, f"旗{n}", LEAGUE, "county")
        places.add_place(session, county[:6] + "100000", f"镇{n}", county, "township")
        places.add_place(session, county[:6] + "100201", f"村{n}", county[:6] + "100000", "village")
    session.commit()


def _as_case_at(session: Session, place: str, call: Callable[[], bool]) -> bool:
    """``call`` as a step of the campaign's case at ``place`` calls it."""
    case = session.execute(select(ProcessInstance.id).where(ProcessInstance.place_code == place)).scalar_one()
    with step_context(session, "qi", case):
        return call()


def _at_once(first_call: Callable[[Session], bool], second_call: Callable[[Session], bool]) -> list[bool]:
    """The first call's step holds its locks while the second runs, until the second waits on one (or is done)."""
    first, second = Session(db.engine), Session(db.engine)
    answers = [first_call(first)]
    other = threading.Thread(target=lambda: answers.append(second_call(second)))
    other.start()
    with db.engine.connect() as watcher:
        while other.is_alive() and not watcher.execute(text("SELECT count(*) FROM pg_locks WHERE NOT granted")
                                                       ).scalar():
            watcher.rollback()
    first.commit()
    other.join()
    second.commit()
    first.close()
    second.close()
    return answers


def _only_postgresql() -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one writing step at a time")


@pytest.mark.usefixtures("campaign_world")
def test_the_second_of_two_townships_approved_at_once_waits_and_sees_itself_last(app, api, session):
    _only_postgresql()
    open_campaign(api)
    session.execute(update(CampaignUnit).where(CampaignUnit.place_code.in_(TOWNSHIPS))
                    .values(status=UnitStatus.SUBMITTED))
    session.commit()

    def approve(township: str) -> Callable[[Session], bool]:
        return lambda s: _as_case_at(s, township, lambda: campaign_unit_reviewed(township, {"approved": True}))

    assert _at_once(approve(TOWNSHIPS[0]), approve(TOWNSHIPS[1])) == [False, True]


@pytest.mark.usefixtures("campaign_world", "league")
def test_the_second_of_two_counties_reporting_at_once_waits_and_sees_itself_last(app, api, session):
    _only_postgresql()
    campaign = open_campaign(api).json["id"]
    version = engine().versions.get(session, latest_version(session, "annual_adjustment").id)
    for county in COUNTIES:  # the counties' cases, as each county's last township approved starts them
        path = session.execute(select(CampaignUnit.place_path).where(CampaignUnit.place_code == county)).scalar()
        engine().create_instance(session, version, county, path, "qu", {"campaign_id": campaign},
                                 business_key(campaign, county))
    session.commit()

    def report(county: str) -> Callable[[Session], bool]:
        return lambda s: _as_case_at(s, county, lambda: campaign_unit_submitted(county))

    assert _at_once(report(COUNTIES[0]), report(COUNTIES[1])) == [False, True]

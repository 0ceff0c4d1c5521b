"""The campaign process's review findings (issue 12), through the API with time travel: each case of a level carries
its own business key, a head who left is not named among the unchecked, and the level's deadline escalates
whatever step the level is at, once, without holding up the level's own steps."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.models import ProcessInstance
from monitoring import places
from monitoring.models import Household, MonitoringStatus
from tests.web.test_campaign import (  # noqa: F401  (fixtures)
    REGION,
    campaign_world,
    complete,
    forms_dir,
    open_campaign,
)
from tests.web.test_natural_changes_api import members_by_name

pytestmark = pytest.mark.usefixtures("campaign_world")
LEAGUE, LEAGUE_COUNTY, LEAGUE_TOWNSHIP, LEAGUE_VILLAGE = "150200000000", "150221000000", "150221100000", "150221100201"


def add_league(session, create_user) -> None:
    """包头市 under the region with one county, township and village, and a user at each."""
    for code, name, parent, level in ((LEAGUE, "包头市", REGION, "league"),
                                      (LEAGUE_COUNTY, "土右旗", LEAGUE, "county"),
                                      (LEAGUE_TOWNSHIP, "萨拉齐镇", LEAGUE_COUNTY, "township"),
                                      (LEAGUE_VILLAGE, "大城西村", LEAGUE_TOWNSHIP, "village")):
        places.add_place(session, code, name, parent, level)
    session.commit()
    for username, role, place in (("meng", "region", LEAGUE), ("tuyou", "county", LEAGUE_COUNTY),
                                  ("salaqi", "township", LEAGUE_TOWNSHIP), ("dachengxi", "village", LEAGUE_VILLAGE)):
        create_user(username, role, place)


def test_each_level_s_case_carries_its_own_business_key(api, session, create_user):
    """A county's and a league's case are started by the last place below, under their own key, not the
    township's that started them (R1 #10)."""
    add_league(session, create_user)
    campaign = open_campaign(api).json["id"]
    complete(api("dachengxi"), "village_check", {"confirmed": True})
    complete(api("salaqi"), "township_review", {"approved": True}, subject="2026年 大城西村")
    complete(api("salaqi"), "township_summary", {"confirmed": True})
    complete(api("tuyou"), "county_review", {"approved": True}, subject="2026年 萨拉齐镇")
    complete(api("tuyou"), "county_report", {"confirmed": True})
    session.expire_all()
    keys = dict(session.execute(select(ProcessInstance.place_code, ProcessInstance.business_key)
                                .where(ProcessInstance.place_code.in_((LEAGUE_TOWNSHIP, LEAGUE_COUNTY, LEAGUE))))
                .all())
    assert keys == {code: f"campaign:{campaign}:{code}" for code in (LEAGUE_TOWNSHIP, LEAGUE_COUNTY, LEAGUE)}


def test_a_head_who_moved_out_is_not_named_among_the_unchecked(api, session, clock):
    """The village's report is refused while a monitoring object is unchecked, naming the household by its present
    head only (engineer I's finding)."""
    cun = api("cun")
    household = session.execute(select(Household.id).where(Household.monitoring_status == MonitoringStatus.MONITORED)
                                ).scalar_one()
    ids = members_by_name(cun, household)
    moved = cun.post(f"/households/{household}/changes", json={
        "kind": "move_out", "on": clock.now().date().isoformat(), "member_id": ids["巴特尔"],
        "new_head_id": ids["其木格"]})
    assert moved.status_code == 201, moved.json
    open_campaign(api)

    refused = complete(cun, "village_check", {"confirmed": True}, status=422)

    assert refused["error"]["fields"]["households"] == "尚有1户监测对象未核实：其木格"

"""A village nominates a household during the campaign (年度集中排查): identification starts at its visit, marked as the
campaign's; and a campaign year's measurement taken while an older case runs does not change what that case decides."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.conftest import CST
from tests.web.test_campaign import DEADLINES, REGION
from tests.web.test_identification import (  # noqa: F401  (fixtures)
    APPRAISAL,
    ROOT,
    VISIT,
    form_data,
    forms_dir,
    new_household,
    sweep,
    world,
)

pytestmark = pytest.mark.usefixtures("world")
NEW_YEAR = datetime(2027, 1, 5, 9, 0, tzinfo=CST)


def open_campaign(api, year=2026, deadlines=DEADLINES):
    opened = api("qu").post("/campaigns", json={"year": year, "place": REGION, "income_line": 8900,
                                                "deadlines": deadlines})
    assert opened.status_code == 201, opened.json
    return opened.json["id"]


@pytest.fixture
def campaign_open(api, create_user):
    """This year's campaign opened while this year's identification cases run."""
    designer = api("sheji")
    response = designer.deploy(ROOT / "processes" / "annual_adjustment.bpmn")
    assert response.status_code == 201, response.json
    create_user("qu", "region", REGION)
    return open_campaign(api)


def nominate(user, household, campaign, channel="cadre_screening"):
    return user.post("/instances", json={"process": "identification", "household_id": household["id"],
                                         "data": {"channel": channel, "campaign_id": campaign}})


def test_a_nomination_starts_identification_at_the_visit_marked_as_the_campaign_s(api, campaign_open):
    cun, household = api("cun"), new_household(api)
    assert nominate(cun, household, campaign_open, "self_declared").json["error"]["fields"] == {
        "campaign_id": "应为该农户所在嘎查村正在排查的年度动态管理（干部排查）"}
    assert "campaign_id" in nominate(cun, household, campaign_open + 1).json["error"]["fields"]
    started = nominate(cun, household, campaign_open)
    assert started.status_code == 201, started.json
    assert [t["bpmn_id"] for t in cun.get(f"/instances/{started.json['id']}").json["tasks"]
            if t["state"] == "ready"] == ["visit"]
    case = cun.get(f"/instances/{started.json['id']}").json
    assert case["data"]["campaign_id"] == campaign_open and case["data"]["channel"] == "cadre_screening"


def test_a_campaign_year_s_measurement_does_not_change_what_an_older_case_decides(api, clock, campaign_open):
    """The visit measured 2026 (per-capita 4100 under the line: 边缘易致贫户); the case is still at its entry when the
    year turns, and 2027's campaign then records 2027 well above it. The entry still judges the type by the visit's
    year, so the type the visit suggested needs no reason."""
    cun, household = api("cun"), new_household(api)
    instance = nominate(cun, household, campaign_open).json
    cun.complete(instance["id"], "visit", form_data(cun, instance["id"], "visit", **VISIT))
    cun.complete(instance["id"], "authorize", form_data(cun, instance["id"], "authorize", approved=True))
    cun.complete(instance["id"], "appraisal", form_data(cun, instance["id"], "appraisal", **APPRAISAL))
    assert sweep(clock) == 1
    api("zhen").complete(instance["id"], "township_review", {"approved": True})
    api("qi").complete(instance["id"], "county_review", {"approved": True, "review_method": "joint",
                                                         "reply_reference": "达旗乡振字〔2026〕12号"})
    assert sweep(clock) == 1
    clock.set(NEW_YEAR)  # a campaign opens for the current year only
    next_campaign = open_campaign(api, 2027, {"village": "2027-03-20", "township": "2027-03-25",
                                              "county": "2027-03-31", "league": "2027-04-05"})
    measured = cun.client.put(f"/api/v1/campaigns/{next_campaign}/households/{household['id']}/measurement",
                              headers=cun.headers, json={"wage_income": 60000})
    assert measured.json["below_line"] is False
    entry = form_data(api("qi"), instance["id"], "entry", risk_types=["illness"])
    assert entry["monitoring_type"] == "marginal"
    assert api("qi").complete(instance["id"], "entry", entry)["status"] == "completed"

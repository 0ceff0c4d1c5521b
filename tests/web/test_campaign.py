"""The annual adjustment campaign (年度动态管理) through the API alone, with time travel: a region opens it, each
village checks its households and reports, townships review (and send a village back), the county approves and
reports, the region receives the summary; a late village is escalated to its township's inbox;
refusals change nothing."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select

from engine import timers
from engine.models import AuditEvent, ProcessInstance, Task
from monitoring import places, thresholds
from monitoring.campaign_models import Campaign, CampaignUnit
from monitoring.models import Household, MonitoringStatus
from tests.conftest import CST
from tests.web.pages.conftest import PageClient
from tests.web.test_identification import ROOT, person
from web.boundary import engine, unit_of_work

REGION, COUNTY = "150000000000", "150223000000"
TOWNSHIP, TOWNSHIP2 = "150223100000", "150223200000"
VILLAGE, VILLAGE2, VILLAGE3 = "150223100201", "150223100202", "150223200201"
DEADLINES = {"village": "2026-03-20", "township": "2026-03-25", "county": "2026-03-31", "league": "2026-04-05"}
OPENING = {"year": 2026, "place": REGION, "income_line": 8900, "deadlines": DEADLINES}
_serial = iter(range(400, 999))


@pytest.fixture
def forms_dir():
    return ROOT / "forms"


@pytest.fixture
def campaign_world(api, session, create_user):
    """The campaign's model deployed, a region user, and in 艾力嘎查 one monitoring object and one other household."""
    designer = api("sheji")
    response = designer.deploy(ROOT / "processes" / "annual_adjustment.bpmn")
    assert response.status_code == 201, response.json
    create_user("qu", "region", REGION)
    monitored = register(api, "巴特尔")
    register(api, "乌云")
    household = session.get(Household, monitored)
    household.monitoring_status, household.monitoring_type = MonitoringStatus.MONITORED, "edge_of_poverty"
    session.commit()
    return {"monitored": monitored}


def register(api, head):
    n = next(_serial)
    body = {"village": VILLAGE, "household_type": "ordinary",
            "members": [person(head, f"15022319700101{n:03d}"), person("其木格", f"15022319720101{n:03d}", "spouse")]}
    response = api("cun").post("/households", json=body)
    assert response.status_code == 201, response.json
    return response.json["id"]


def at(clock, day, hour=9):
    clock.set(datetime.fromisoformat(day).replace(hour=hour, tzinfo=CST))


def open_campaign(api, **changes):
    return api("qu").post("/campaigns", json={**OPENING, **changes})


def tasks_of(user, bpmn_id, subject=None):
    return [t for t in user.get("/tasks").json
            if t["bpmn_id"] == bpmn_id and (subject is None or t.get("subject") == subject)]


def complete(user, bpmn_id, data, subject=None, status=200):
    found = tasks_of(user, bpmn_id, subject)
    assert len(found) == 1, (bpmn_id, subject, user.get("/tasks").json)
    response = user.post(f"/tasks/{found[0]['id']}/complete", json={"data": data})
    assert response.status_code == status, response.json
    return response.json


def unit(session, code):
    session.expire_all()
    return session.execute(select(CampaignUnit).where(CampaignUnit.place_code == code)).scalar_one()


pytestmark = pytest.mark.usefixtures("campaign_world")


def test_opening_makes_a_unit_per_place_one_case_per_township_and_a_task_in_each_village_inbox(api, session):
    """A township's case holds its villages' tasks (and is recorded on their units); the county's starts only when
    its townships are approved. The case carries codes and names of its own villages, nothing of the others'."""
    response = open_campaign(api)
    assert response.status_code == 201, response.json
    assert response.json["status"] == "open" and response.json["deadlines"]["region"] == DEADLINES["league"]
    units = session.execute(select(CampaignUnit.level, func.count()).group_by(CampaignUnit.level)).all()
    assert dict(units) == {"region": 1, "county": 1, "township": 2, "village": 3}
    cases = session.execute(select(ProcessInstance).where(ProcessInstance.process_key == "annual_adjustment")
                            .order_by(ProcessInstance.place_code)).scalars().all()
    assert [case.place_code for case in cases] == [TOWNSHIP, TOWNSHIP2]
    held = dict(session.execute(select(CampaignUnit.place_code, CampaignUnit.instance_id)).all())
    assert held == {REGION: None, COUNTY: None, TOWNSHIP: cases[0].id, VILLAGE: cases[0].id, VILLAGE2: cases[0].id,
                    TOWNSHIP2: cases[1].id, VILLAGE3: cases[1].id}
    assert VILLAGE3 not in cases[0].state and VILLAGE in cases[0].state and "巴音敖包嘎查" not in cases[0].state
    assert thresholds.current(session, thresholds.INCOME_LINE, f"/{REGION}/", 2026) == 8900
    for username, village in (("cun", "艾力嘎查"), ("cun2", "新宝力格嘎查"), ("cun3", "巴音敖包嘎查")):
        found = tasks_of(api(username), "village_check")
        assert [t["subject"] for t in found] == [f"2026年 {village}"]  # the subject tells two years' campaigns apart
        assert found[0]["due_at"].startswith("2026-03-20T16:00:00")  # the end of the day, China time
    for username in ("zhen", "sumu", "qi", "qu"):
        assert tasks_of(api(username), "village_check") == []
    assert open_campaign(api).status_code == 409


@pytest.mark.parametrize(("changes", "field"), [
    ({"year": 2024}, "year"),
    ({"year": "2026"}, "year"),
    ({"income_line": float("nan")}, "income_line"),
    ({"income_line": "NaN"}, "income_line"),
    ({"income_line": 1e20}, "income_line"),
    ({"income_line": 0}, "income_line"),
    ({"place": COUNTY}, "place"),
    ({"deadlines": {**DEADLINES, "village": "2026-03-01"}}, "deadlines.village"),
    ({"deadlines": {**DEADLINES, "village": "2026-02-30"}}, "deadlines.village"),
    ({"deadlines": {**DEADLINES, "township": "2026-03-19"}}, "deadlines.township"),
    ({"deadlines": {k: v for k, v in DEADLINES.items() if k != "county"}}, "deadlines.county"),
    ({"deadlines": {**DEADLINES, "region": "2026-04-01"}}, "deadlines.region"),
    ({"deadlines": "2026-03-20"}, "deadlines"),
])
def test_a_bad_opening_names_its_field_and_leaves_nothing(api, session, changes, field):
    response = open_campaign(api, **changes)
    assert response.status_code in (400, 422), response.json  # 400: a JSON NaN is refused as it is read
    assert field in response.json["error"]["fields"]
    assert session.execute(select(func.count()).select_from(Campaign)).scalar() == 0
    assert session.execute(select(func.count()).select_from(CampaignUnit)).scalar() == 0
    assert session.execute(select(func.count()).select_from(Task)).scalar() == 0
    assert thresholds.current(session, thresholds.INCOME_LINE, f"/{REGION}/", 2026) is None


def test_next_year_s_campaign_is_refused_in_december_and_nothing_is_stored(api, session, clock):
    """The adjustment measures the year's income: in December 2026 a 2027 campaign would have villages record an
    income not yet earned, so only the current year opens."""
    clock.set(datetime(2026, 12, 2, 9, 0, tzinfo=CST))
    next_year = {"village": "2027-03-20", "township": "2027-03-25", "county": "2027-03-31", "league": "2027-04-05"}
    response = open_campaign(api, year=2027, deadlines=next_year)
    assert response.status_code == 422, response.json
    assert response.json["error"]["fields"] == {"year": "应为本年度（2026）"}
    assert session.execute(select(func.count()).select_from(Campaign)).scalar() == 0
    assert session.execute(select(func.count()).select_from(CampaignUnit)).scalar() == 0
    assert session.execute(select(func.count()).select_from(ProcessInstance)).scalar() == 0
    assert thresholds.current(session, thresholds.INCOME_LINE, f"/{REGION}/", 2027) is None
    assert open_campaign(api, deadlines=next_year).status_code == 201  # the current year's opens that same day


def test_only_a_region_user_opens_and_a_failing_case_leaves_nothing(api, session):
    assert api("qi").post("/campaigns", json=OPENING).status_code == 403
    assert api("cun").post("/campaigns", json=OPENING).status_code == 403
    by_hand = api("qu").post("/instances", json={"process": "annual_adjustment", "place": REGION})
    assert by_hand.status_code == 422 and "process" in by_hand.json["error"]["fields"]
    assert session.execute(select(func.count()).select_from(ProcessInstance)).scalar() == 0
    session.execute(Task.__table__.delete())
    from engine.models import ProcessVersion
    session.execute(ProcessVersion.__table__.delete())  # no model to start the counties' cases with
    session.commit()
    assert open_campaign(api).status_code == 404
    assert session.execute(select(func.count()).select_from(Campaign)).scalar() == 0
    assert session.execute(select(func.count()).select_from(CampaignUnit)).scalar() == 0


def test_a_village_checks_its_households_then_reports(api, session, campaign_world):
    campaign = open_campaign(api).json["id"]
    cun, monitored = api("cun"), campaign_world["monitored"]
    refused = complete(api("cun"), "village_check", {"confirmed": True}, status=422)
    assert "尚有1户监测对象未核实：巴特尔" in refused["error"]["fields"]["households"]
    page = cun.get(f"/campaigns/{campaign}/villages/{VILLAGE}/households").json
    assert [(row["head"], row["checked"]) for row in page] == [("巴特尔", None), ("乌云", None)]
    response = cun.post(f"/campaigns/{campaign}/checks", json={"household_id": monitored})
    assert response.status_code == 422 and "measurement" in response.json["error"]["fields"]
    measured = cun.client.put(f"/api/v1/campaigns/{campaign}/households/{monitored}/measurement",
                              headers=cun.headers, json={"wage_income": 12000, "business_income": 3000})
    assert measured.status_code == 200, measured.json
    assert measured.json == {"year": 2026, "per_capita": 7500.0, "income_line": 8900.0, "below_line": True}
    assert cun.post(f"/campaigns/{campaign}/checks", json={"household_id": monitored, "note": "入户核实"}
                    ).status_code == 201
    assert cun.post(f"/campaigns/{campaign}/checks", json={"household_id": monitored}).status_code == 409
    assert cun.client.delete(f"/api/v1/campaigns/{campaign}/checks/{monitored}", headers=cun.headers
                             ).status_code == 200
    assert cun.post(f"/campaigns/{campaign}/checks", json={"household_id": monitored, "note": "入户核实"}
                    ).status_code == 201
    bad = cun.client.put(f"/api/v1/campaigns/{campaign}/households/{monitored}/measurement", headers=cun.headers,
                         json={"wage_income": "很多", "year": 2025})
    assert bad.status_code == 422 and set(bad.json["error"]["fields"]) == {"year"}
    bad = cun.client.put(f"/api/v1/campaigns/{campaign}/households/{monitored}/measurement", headers=cun.headers,
                         json={"wage_income": "很多"})
    assert bad.status_code == 422 and set(bad.json["error"]["fields"]) == {"wage_income"}
    below = cun.get(f"/campaigns/{campaign}/villages/{VILLAGE}/households?only=below_line").json
    assert [(r["head"], r["this_year"], r["checked"]["note"]) for r in below] == [
        ("巴特尔", {"per_capita": 7500.0, "below_line": True}, "入户核实")]
    assert [r["head"] for r in cun.get(f"/campaigns/{campaign}/villages/{VILLAGE}/households?only=unchecked"
                                       ).json] == ["乌云"]
    complete(cun, "village_check", {"confirmed": True, "note": "全村已走访"})
    assert unit(session, VILLAGE).status == "submitted"
    assert cun.post(f"/campaigns/{campaign}/checks", json={"household_id": monitored}).status_code == 409


def test_attackers_see_nothing_of_another_village_and_a_township_checks_nothing(api, session, campaign_world):
    campaign = open_campaign(api).json["id"]
    monitored = campaign_world["monitored"]
    assert api("cun2").get(f"/campaigns/{campaign}/villages/{VILLAGE}/households").status_code == 404
    assert api("cun2").post(f"/campaigns/{campaign}/checks", json={"household_id": monitored}).status_code == 404
    assert api("cun2").client.delete(f"/api/v1/campaigns/{campaign}/checks/{monitored}",
                                     headers=api("cun2").headers).status_code == 404
    assert api("zhen").get(f"/campaigns/{campaign}/villages/{VILLAGE}/households").status_code == 200
    assert api("zhen").post(f"/campaigns/{campaign}/checks", json={"household_id": monitored}).status_code == 403
    assert api("sumu").get(f"/campaigns/{campaign}/villages/{VILLAGE}/households").status_code == 404
    assert api("cun").get(f"/campaigns/{campaign + 1}/villages/{VILLAGE}/households").status_code == 404
    assert [c["id"] for c in api("cun").get("/campaigns").json] == [campaign]


def test_the_full_path_to_the_region_s_receipt_with_a_village_sent_back(app, api, session, campaign_world):
    campaign = open_campaign(api).json["id"]
    cun, zhen, qi, qu = api("cun"), api("zhen"), api("qi"), api("qu")
    monitored = campaign_world["monitored"]
    cun.client.put(f"/api/v1/campaigns/{campaign}/households/{monitored}/measurement", headers=cun.headers,
                   json={"wage_income": 20000})
    cun.post(f"/campaigns/{campaign}/checks", json={"household_id": monitored})
    complete(cun, "village_check", {"confirmed": True})
    complete(zhen, "township_review", {"approved": False, "reason": "缺少一户的收入佐证"}, subject="2026年 艾力嘎查")
    assert unit(session, VILLAGE).status == "returned"
    assert unit(session, VILLAGE).returned_reason == "缺少一户的收入佐证"
    page = PageClient(app, "cun").get(f"/tasks/{tasks_of(cun, 'village_check')[0]['id']}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "上级退回：缺少一户的收入佐证" in text and "监测对象 1 户；已核查 1 户，监测对象未核查 0 户" in text
    complete(cun, "village_check", {"confirmed": True, "note": "已补充佐证"})
    complete(zhen, "township_review", {"approved": True}, subject="2026年 艾力嘎查")
    complete(api("cun2"), "village_check", {"confirmed": True})
    complete(zhen, "township_review", {"approved": True}, subject="2026年 新宝力格嘎查")
    complete(zhen, "township_summary", {"confirmed": True})
    complete(api("cun3"), "village_check", {"confirmed": True})
    complete(api("sumu"), "township_review", {"approved": True}, subject="2026年 巴音敖包嘎查")
    complete(api("sumu"), "township_summary", {"confirmed": True})
    complete(qi, "county_review", {"approved": False, "reason": "汇总表数字有误"}, subject="2026年 查干哈达苏木")
    complete(api("sumu"), "township_summary", {"confirmed": True, "note": "已更正"})
    for township in ("百灵庙镇", "查干哈达苏木"):
        complete(qi, "county_review", {"approved": True}, subject=f"2026年 {township}")
    assert tasks_of(qu, "region_receive") == []
    complete(qi, "county_report", {"confirmed": True})
    assert unit(session, COUNTY).status == "submitted"
    complete(qu, "region_receive", {"confirmed": True})
    session.expire_all()
    closed = session.get(Campaign, campaign)
    assert closed.status == "closed" and closed.closed_at is not None
    assert {u.status for u in session.execute(select(CampaignUnit)).scalars()} <= {"approved", "submitted"}


def test_a_late_village_is_escalated_to_its_township_at_its_deadline(api, session, clock, campaign_world):
    open_campaign(api)
    complete(api("cun2"), "village_check", {"confirmed": True})
    at(clock, "2026-03-20", 23)
    timers.run_due_timers(engine(), unit_of_work)
    assert tasks_of(api("zhen"), "village_urge") == []
    at(clock, "2026-03-21", 1)  # the deadline's day has passed (China time)
    timers.run_due_timers(engine(), unit_of_work)
    urged = tasks_of(api("zhen"), "village_urge")
    assert [t["subject"] for t in urged] == ["2026年 艾力嘎查"]  # the village that reported in time is not urged
    assert [t["subject"] for t in tasks_of(api("sumu"), "village_urge")] == ["2026年 巴音敖包嘎查"]
    assert tasks_of(api("cun"), "village_urge") == []
    assert [t["subject"] for t in tasks_of(api("cun"), "village_check")] == ["2026年 艾力嘎查"]  # still its to do
    fired = session.execute(select(AuditEvent.detail).where(AuditEvent.type == "timer_fired")).scalars().all()
    assert sorted(d["element"] for d in fired) == ["village_deadline", "village_deadline"]  # once per case, on record
    complete(api("zhen"), "village_urge", {"late_reason": "牧区走访路远", "actions": "电话督促，三日内上报"})



def test_the_last_county_of_a_league_starts_the_league_s_case_and_the_last_child_the_region_s(
        api, session, create_user):
    """A league with one county beside the county directly under the region: the league's case starts when its
    county reports, at the league; the region's only once every child of the region has reported."""
    for code, name, parent, level in (("150200000000", "包头市", REGION, "league"),
                                      ("150221000000", "土右旗", "150200000000", "county"),
                                      ("150221100000", "萨拉齐镇", "150221000000", "township"),
                                      ("150221100201", "大城西村", "150221100000", "village")):
        places.add_place(session, code, name, parent, level)
    session.commit()
    for username, role, place in (("meng", "region", "150200000000"), ("tuyou", "county", "150221000000"),
                                  ("salaqi", "township", "150221100000"), ("dachengxi", "village", "150221100201")):
        create_user(username, role, place)
    open_campaign(api)
    complete(api("dachengxi"), "village_check", {"confirmed": True})
    complete(api("salaqi"), "township_review", {"approved": True}, subject="2026年 大城西村")
    complete(api("salaqi"), "township_summary", {"confirmed": True})
    complete(api("tuyou"), "county_review", {"approved": True}, subject="2026年 萨拉齐镇")
    complete(api("tuyou"), "county_report", {"confirmed": True})
    assert [t["place"] for t in tasks_of(api("meng"), "league_report")] == ["150200000000"]
    assert tasks_of(api("qu"), "region_receive") == []
    complete(api("meng"), "league_report", {"confirmed": True, "note": "全盟已汇总"})
    assert unit(session, "150200000000").status == "submitted"
    assert tasks_of(api("qu"), "region_receive") == []  # 达茂旗, directly under the region, has not reported


def test_the_township_s_case_page_reads_without_codes(app, api, session):
    """The page scanner refuses codes and English: the case's data (its place, deadlines per level, its villages,
    each village's report) reads in Chinese, for the township and the county above it."""
    open_campaign(api)
    complete(api("cun2"), "village_check", {"confirmed": True, "note": "全村已走访"})
    case = session.execute(select(ProcessInstance.id).where(ProcessInstance.place_code == TOWNSHIP)).scalar_one()
    for username in ("zhen", "qi"):
        page = PageClient(app, username).get(f"/cases/{case}")
        assert page.status_code == 200
        assert "各级截止日期" in page.get_data(as_text=True) and "所辖嘎查村" in page.get_data(as_text=True)


def test_a_late_township_is_escalated_to_its_county_and_a_late_county_to_the_place_above(
        api, session, clock, campaign_world):
    """The township's review of a village stays at the township (not at the village before it) and is due at the
    township's deadline, not the village's; the township's 督办 is placed at the county above its case's township;
    the county's case, started by its last township approved, puts its own 督办 at the county's parent."""
    campaign = open_campaign(api).json["id"]
    cun, monitored = api("cun"), campaign_world["monitored"]
    cun.client.put(f"/api/v1/campaigns/{campaign}/households/{monitored}/measurement", headers=cun.headers,
                   json={"wage_income": 20000})
    cun.post(f"/campaigns/{campaign}/checks", json={"household_id": monitored})
    for cadre, township_user, township, village in (("cun", "zhen", TOWNSHIP, "艾力嘎查"),
                                                    ("cun2", "zhen", TOWNSHIP, "新宝力格嘎查"),
                                                    ("cun3", "sumu", TOWNSHIP2, "巴音敖包嘎查")):
        complete(api(cadre), "village_check", {"confirmed": True})
        [review] = tasks_of(api(township_user), "township_review", f"2026年 {village}")
        assert review["place"] == township and review["due_at"].startswith("2026-03-25T16:00:00")  # the township's
        complete(api(township_user), "township_review", {"approved": True}, subject=f"2026年 {village}")
    complete(api("sumu"), "township_summary", {"confirmed": True})
    at(clock, "2026-03-26", 1)  # the townships' deadline has passed
    timers.run_due_timers(engine(), unit_of_work)
    assert [t["subject"] for t in tasks_of(api("qi"), "township_urge")] == ["2026年 百灵庙镇"]  # the one that is late
    assert tasks_of(api("zhen"), "township_urge") == [] and tasks_of(api("qu"), "township_urge") == []
    complete(api("zhen"), "township_summary", {"confirmed": True})
    complete(api("qi"), "county_review", {"approved": True}, subject="2026年 百灵庙镇")
    assert tasks_of(api("qi"), "county_report") == []  # 查干哈达苏木 is not approved yet
    complete(api("qi"), "county_review", {"approved": True}, subject="2026年 查干哈达苏木")
    assert len(tasks_of(api("qi"), "county_report")) == 1
    assert unit(session, COUNTY).instance_id is not None
    at(clock, "2026-04-01", 1)  # the county's deadline has passed
    timers.run_due_timers(engine(), unit_of_work)
    assert [t["place"] for t in tasks_of(api("qu"), "county_urge")] == [REGION]

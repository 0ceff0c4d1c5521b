"""The campaign process's review findings (issue 12), through the API with time travel: each case of a level carries
its own business key, a head who left is not named among the unchecked, and the level's deadline escalates
whatever step the level is at, once, without holding up the level's own steps."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from engine import timers
from engine.assignment import Actor
from engine.errors import Forbidden
from engine.models import ProcessInstance
from monitoring import places
from monitoring.cases import check_cancel, may_cancel
from monitoring.models import Household, MonitoringStatus
from tests.web.pages.conftest import PageClient
from tests.web.test_campaign import (  # noqa: F401  (fixtures)
    COUNTY,
    REGION,
    at,
    campaign_world,
    complete,
    forms_dir,
    open_campaign,
    tasks_of,
)
from tests.web.test_natural_changes_api import members_by_name
from web.boundary import engine, unit_of_work
from web.templating import cn_deadline

pytestmark = pytest.mark.usefixtures("campaign_world")
LEAGUE, LEAGUE_COUNTY, LEAGUE_TOWNSHIP, LEAGUE_VILLAGE = "150200000000", "150221000000", "150221100000", "150221100201"


def run_timers() -> None:
    timers.run_due_timers(engine(), unit_of_work)


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


def check_the_monitored_household(api, session, campaign: int) -> None:
    cun = api("cun")
    household = session.execute(select(Household.id).where(Household.monitoring_status == MonitoringStatus.MONITORED)
                                ).scalar_one()
    cun.client.put(f"/api/v1/campaigns/{campaign}/households/{household}/measurement", headers=cun.headers,
                   json={"wage_income": 20000})
    cun.post(f"/campaigns/{campaign}/checks", json={"household_id": household})


def subjects(user, bpmn_id) -> list[str]:
    return sorted(t["subject"] for t in tasks_of(user, bpmn_id))


def test_open_urges_hold_up_neither_the_township_s_summary_nor_the_county_s_report(api, session, clock):
    """R1 #4: the township's 督办 of a late village and the county's of a late township stay open while the levels
    go on: the township's summary comes once its villages are approved, the county's report once its townships."""
    campaign = open_campaign(api).json["id"]
    at(clock, "2026-03-21", 1)
    run_timers()
    assert subjects(api("zhen"), "village_urge") == ["2026年 新宝力格嘎查", "2026年 艾力嘎查"]
    check_the_monitored_household(api, session, campaign)
    for cadre, reviewer, village in (("cun", "zhen", "艾力嘎查"), ("cun2", "zhen", "新宝力格嘎查"),
                                     ("cun3", "sumu", "巴音敖包嘎查")):
        complete(api(cadre), "village_check", {"confirmed": True})
        complete(api(reviewer), "township_review", {"approved": True}, subject=f"2026年 {village}")

    assert subjects(api("zhen"), "township_summary") == ["2026年 百灵庙镇"]  # the urges are still open
    assert len(tasks_of(api("zhen"), "village_urge")) == 2
    at(clock, "2026-03-26", 1)
    run_timers()
    assert subjects(api("qi"), "township_urge") == ["2026年 查干哈达苏木", "2026年 百灵庙镇"]
    for township_user, township in (("zhen", "百灵庙镇"), ("sumu", "查干哈达苏木")):
        complete(api(township_user), "township_summary", {"confirmed": True})
        complete(api("qi"), "county_review", {"approved": True}, subject=f"2026年 {township}")
    assert subjects(api("qi"), "county_report") == ["2026年 达茂旗"]
    assert len(tasks_of(api("qi"), "township_urge")) == 2


def test_a_township_whose_villages_are_not_done_is_urged_at_the_county_at_its_deadline(api, session, clock):
    """R1 #5 / R2 #8: the township's deadline escalates whatever step the township is at, here its villages'."""
    open_campaign(api)
    complete(api("cun3"), "village_check", {"confirmed": True})
    complete(api("sumu"), "township_review", {"approved": True}, subject="2026年 巴音敖包嘎查")
    complete(api("sumu"), "township_summary", {"confirmed": True})
    at(clock, "2026-03-25", 23)
    run_timers()
    assert tasks_of(api("qi"), "township_urge") == []
    at(clock, "2026-03-26", 1)
    run_timers()
    [urge] = tasks_of(api("qi"), "township_urge")
    assert (urge["subject"], urge["place"]) == ("2026年 百灵庙镇", COUNTY)  # 查干哈达苏木 reported in time
    assert tasks_of(api("zhen"), "township_summary") == []  # its villages are still at work


def test_a_send_back_after_the_deadline_fires_no_second_urge(api, session, clock):
    """R2 #9: a village urged at its deadline, then reporting and sent back, is not urged a second time; nor is
    a village that reported in time and is sent back after the deadline."""
    campaign = open_campaign(api).json["id"]
    complete(api("cun2"), "village_check", {"confirmed": True})
    at(clock, "2026-03-21", 1)
    run_timers()
    assert subjects(api("zhen"), "village_urge") == ["2026年 艾力嘎查"]
    check_the_monitored_household(api, session, campaign)
    complete(api("cun"), "village_check", {"confirmed": True})
    for village in ("艾力嘎查", "新宝力格嘎查"):
        complete(api("zhen"), "township_review", {"approved": False, "reason": "请补充佐证"},
                 subject=f"2026年 {village}")
    at(clock, "2026-03-22", 1)
    run_timers()

    assert subjects(api("zhen"), "village_urge") == ["2026年 艾力嘎查"]
    assert subjects(api("cun"), "village_check") == ["2026年 艾力嘎查"]


def test_a_deadline_reads_as_its_own_day_in_the_inbox_the_task_and_the_case(app, api, session):
    """R2 #5: the village's deadline 2026-03-20 is due at the end of that day in China (stored as the midnight
    after it) and reads 2026年3月20日 on the inbox, the task page and the case page, not the 21st."""
    open_campaign(api)
    [task] = tasks_of(api("cun"), "village_check")
    assert task["due_at"].startswith("2026-03-20T16:00:00")
    pages = PageClient(app, "cun")
    case = session.execute(select(ProcessInstance.id).where(ProcessInstance.place_code == "150223100000")).scalar_one()
    for path in ("/tasks/", f"/tasks/{task['id']}"):
        text = pages.get(path).get_data(as_text=True)
        assert "2026年3月20日" in text and "2026年3月21日" not in text, path
    text = PageClient(app, "zhen").get(f"/cases/{case}").get_data(as_text=True)
    assert "期限 2026年3月20日" in text and "期限 2026年3月21日" not in text


def test_a_deadline_at_a_time_of_day_reads_with_its_time():
    """Engineer H: a due moment that is not the end of a day (an acknowledgement within 2 hours) shows its time."""
    assert cn_deadline(datetime(2026, 3, 20, 6, 30, tzinfo=UTC)) == "2026年3月20日 14:30"
    assert cn_deadline(datetime(2026, 3, 20, 16, 0, tzinfo=UTC)) == "2026年3月20日"  # midnight after the 20th
    assert cn_deadline(None) == ""


def test_no_one_cancels_a_campaign_s_case_page_or_api(app, api, session):
    """R2 #12: the county (who may cancel a household's case) is offered no 撤销案件 on a campaign's case, and the
    API refuses it naming why; the case runs on."""
    open_campaign(api)
    case = session.execute(select(ProcessInstance.id).where(ProcessInstance.place_code == "150223100000")).scalar_one()
    page = PageClient(app, "qi").get(f"/cases/{case}")
    assert page.status_code == 200 and "撤销案件" not in page.get_data(as_text=True)

    refused = api("qi").post(f"/instances/{case}/cancel", json={"reason": "误开"})

    assert refused.status_code == 403 and "不能撤销" in refused.json["error"]["message"]
    session.expire_all()
    assert session.get(ProcessInstance, case).status == "running"


@pytest.mark.parametrize("process_key", ["annual_adjustment", "major_event"])
def test_the_cancel_rule_refuses_the_domain_s_own_cases(process_key):
    county = Actor("qi", "county", "/150000000000/150223000000/")
    assert not may_cancel(county, process_key) and may_cancel(county, "identification")
    with pytest.raises(Forbidden, match="不能撤销"):
        check_cancel(county, process_key)


def task_page(app, user, bpmn_id, subject, api):
    [task] = [t for t in tasks_of(api(user), bpmn_id) if t["subject"] == subject]
    page = PageClient(app, user).get(f"/tasks/{task['id']}")
    assert page.status_code == 200
    return page.get_data(as_text=True)


def test_the_township_s_review_names_the_village_with_its_totals_note_worklist_and_the_township_s_due(
        app, api, session):
    """R2 #3 / #16: 乡镇审核（村） shows which village, its totals, its note and a link to its worklist, is due at the
    township's deadline, and its batch link reads as the township's reviews of its villages."""
    campaign = open_campaign(api).json["id"]
    check_the_monitored_household(api, session, campaign)
    complete(api("cun"), "village_check", {"confirmed": True, "note": "全村已逐户走访"})

    text = task_page(app, "zhen", "township_review", "2026年 艾力嘎查", api)

    assert "2026年度集中排查 · 艾力嘎查" in text
    assert "艾力嘎查 2 户，监测对象 1 户；已核查 1 户，监测对象未核查 0 户" in text
    assert "艾力嘎查情况说明：全村已逐户走访" in text
    assert f'href="/campaigns/{campaign}/villages/150223100201"' in text and "查看艾力嘎查排查清单" in text
    assert "2026年3月25日" in text and "已逾期" not in text
    assert "与本苏木乡镇其他待审核的嘎查村一起办理" in text and "与本村同一步骤的农户" not in text


def test_an_urge_names_the_late_place_its_deadline_days_late_and_progress(app, api, session, clock):
    """R2 #4: a 督办 says which unit is late, its deadline, how many days late and how far it has got, with a link
    to its worklist (a village) or its progress (a township)."""
    campaign = open_campaign(api).json["id"]
    complete(api("cun2"), "village_check", {"confirmed": True})
    at(clock, "2026-03-21", 1)
    run_timers()
    at(clock, "2026-03-23", 9)

    text = task_page(app, "zhen", "village_urge", "2026年 艾力嘎查", api)

    assert "艾力嘎查未按期上报：截止日期 2026年3月20日，已逾期 3 天" in text
    assert "艾力嘎查 2 户，监测对象 1 户；已核查 0 户，监测对象未核查 1 户" in text
    assert f'href="/campaigns/{campaign}/villages/150223100201"' in text
    at(clock, "2026-03-26", 1)
    run_timers()
    at(clock, "2026-03-27", 9)
    text = task_page(app, "qi", "township_urge", "2026年 百灵庙镇", api)
    assert "百灵庙镇未按期上报：截止日期 2026年3月25日，已逾期 2 天" in text
    assert "所辖嘎查村 2 个：已上报 1 个，其中审核通过 0 个。" in text
    assert f'href="/campaigns/{campaign}?place=150223100000"' in text


def test_the_campaign_case_page_reads_per_village_without_codes(app, api, session):
    """R2 #12: the township's case page names the village of each open step and of each review in its history (with
    通过/未通过 and the reason), shows no place codes in its data and its campaign's number once."""
    campaign = open_campaign(api).json["id"]
    check_the_monitored_household(api, session, campaign)
    complete(api("cun"), "village_check", {"confirmed": True})
    complete(api("zhen"), "township_review", {"approved": False, "reason": "缺少收入佐证"}, subject="2026年 艾力嘎查")
    case = session.execute(select(ProcessInstance.id).where(ProcessInstance.place_code == "150223100000")).scalar_one()

    text = PageClient(app, "qi").get(f"/cases/{case}").get_data(as_text=True)

    assert "村级年度排查</b> · 2026年 艾力嘎查" in text and "村级年度排查</b> · 2026年 新宝力格嘎查" in text
    assert "完成“乡镇审核（村） · 2026年 艾力嘎查”：未通过" in text and "缺少收入佐证" in text
    assert "150223" not in text.split('id="now"')[1].split("</main>")[0].replace(f"/cases/{case}", "")
    assert text.count("年度动态管理编号") == 1

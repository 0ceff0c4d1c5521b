"""Risk elimination (domain.md §6) through the API alone, with time travel: households identified in March leave
monitoring in a later quarter by every path, or stay monitored with the reason, and the notices name no one's ID
or phone number."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from engine import timers
from monitoring import decisions, feedback_letters, thresholds
from monitoring import households as households_domain
from monitoring.models import Household
from tests.conftest import CST
from tests.monitoring.test_annexes import page_one_of, render
from tests.web.pages.conftest import PageClient
from tests.web.test_batch_decisions import batch
from tests.web.test_identification import (  # noqa: F401  (fixtures)
    APPRAISAL,
    ROOT,
    form_data,
    forms_dir,
    person,
    start,
    sweep,
    world,
)
from web.boundary import engine, unit_of_work

VILLAGE = "150223100201"
COUNTY = "150223000000"
PHONE = "13904721234"
# At identification: income above the line (8900), a medical bill over the warning (10000): 突发严重困难户
AT_RISK = {"visitors": "村两委 张三", "wage_income": 20000, "business_income": 3000, "property_income": 0,
           "transfer_income": 1200, "business_expenses": 2000, "medical_expense": 30000, "risk_types": ["illness"],
           "approved": True}
# At the check on site six months later: the same income, the bill paid by insurance and aid
RECOVERED = {"visitors": "村两委 张三、驻村工作队 李四", "medical_expense": 2000,
             "measures_note": "家庭医生签约已完成，定期随访", "guarantees_note": "已参加基本医疗保险，住房饮水安全",
             "income_note": "务工收入稳定，全年在本地建筑队", "expenses_note": "医疗费用经医保和救助后自付较少",
             "approved": True}
ACCEPTED = {"inspectors": ["王镇长", "刘干事"], "head_signed": True, "measures_ok": True, "guarantees_ok": True,
            "income_ok": True, "expenses_ok": True, "approved": True, "opinion": "逐户验收，符合消除标准"}
APPROVED = {"approved": True, "reply_reference": "达旗乡振批〔2026〕31号", "opinion": "会商同意"}
ID_NUMBER = re.compile(r"\d{17}[\dXx]")
_serial = iter(range(300, 999))


@pytest.fixture
def elimination_world(api, session, create_user):
    """Identification and risk elimination deployed, an expense warning of 10000 yuan, a health bureau user."""
    designer = api("sheji")
    response = designer.deploy(ROOT / "processes" / "risk_elimination.bpmn")
    assert response.status_code == 201, response.json
    for year in (2026, 2027):
        thresholds.set_threshold(session, thresholds.EXPENSE_WARNING, COUNTY, year, 10000, "test",
                                 datetime(2026, 1, 1, tzinfo=CST))
    create_user("weijian", "department", COUNTY, department="health")
    session.commit()


pytestmark = pytest.mark.usefixtures("world", "elimination_world")  # identification's world first


def at(clock, day, hour=9):
    clock.set(datetime.fromisoformat(day).replace(hour=hour, tzinfo=CST))


def run_timers():
    return timers.run_due_timers(engine(), unit_of_work)


def register(api, head, labour_skill="ordinary"):
    n = next(_serial)
    members = [{**person(head, f"15022319700101{n:03d}"), "labour_skill": labour_skill, "phone": PHONE},
               {**person("其木格", f"15022319720101{n:03d}", "spouse"), "labour_skill": labour_skill}]
    response = api("cun").post("/households", json={"village": VILLAGE, "household_type": "ordinary",
                                                    "group": "2组", "members": members})
    assert response.status_code == 201, response.json
    return response.json


def identified(api, clock, *heads, labour_skill="ordinary", risk_types=("illness",)):
    """Households found in March 2026, each monitored from 14 March as 突发严重困难户 (for illness)."""
    cun, zhen, qi = api("cun"), api("zhen"), api("qi")
    households = [register(api, head, labour_skill) for head in heads]
    cases = [start(cun, household, "cadre_screening")["id"] for household in households]
    for case in cases:
        cun.complete(case, "visit", form_data(cun, case, "visit", **AT_RISK))
        cun.complete(case, "authorize", form_data(cun, case, "authorize", approved=True))
        cun.complete(case, "appraisal", form_data(cun, case, "appraisal", **APPRAISAL))
    assert sweep(clock) == len(cases)
    for case in cases:
        zhen.complete(case, "township_review", {"approved": True})
        qi.complete(case, "county_review", {"approved": True, "review_method": "joint",
                                            "reply_reference": "达旗乡振字〔2026〕12号"})
    assert sweep(clock) == len(cases)
    for case in cases:
        entry = form_data(qi, case, "entry", risk_types=list(risk_types))
        assert entry["monitoring_type"] == "sudden"
        qi.complete(case, "entry", entry)
    assert all(monitoring(api, h)["since"] == "2026-03-14" for h in households)
    return households


def monitoring(api, household):
    return api("qi").get(f"/households/{household['id']}").json["monitoring"]


def measure(api, household, done_on=None, category="health", subtype="family_doctor", department="health"):
    """The county plans a measure; its lead department carries it out (done on ``done_on``, or only started)."""
    planned = api("qi").post(f"/households/{household['id']}/measures", json={
        "category": category, "subtype": subtype, "content": "签约家庭医生，每季度随访", "department": department,
        "responsible": "王医生", "start_on": "2026-03-14", "end_on": "2026-12-31", "amount": 120})
    assert planned.status_code == 201, planned.json
    lead = api("weijian")
    path = f"/api/v1/measures/{planned.json['id']}"
    started = lead.client.patch(path, json={"status": "in_progress"}, headers=lead.headers)
    assert started.status_code == 200, started.json
    if done_on:
        done = lead.client.patch(path, json={"status": "done", "done_on": done_on, "result": "已签约并完成随访"},
                                 headers=lead.headers)
        assert done.status_code == 200, done.json


def assisted(api, clock, *heads):
    """Households identified in March whose measure was done on 1 April."""
    households = identified(api, clock, *heads)
    for household in households:
        measure(api, household)
    at(clock, "2026-04-01")
    lead = api("weijian")
    for row in lead.get("/measures").json:
        done = lead.client.patch(f"/api/v1/measures/{row['id']}", json={
            "status": "done", "done_on": "2026-04-01", "result": "已签约并完成随访"}, headers=lead.headers)
        assert done.status_code == 200, done.json
    return households


def begin(api, household, method="assisted", status=201):
    response = api("cun").post("/instances", json={"process": "risk_elimination", "household_id": household["id"],
                                                   "data": {"method": method}})
    assert response.status_code == status, response.json
    return response.json


def verify(api, case, **answers):
    cun = api("cun")
    return cun.complete(case, "verification", form_data(cun, case, "verification", **{**RECOVERED, **answers}))


def appraise(api, case):
    cun = api("cun")
    return cun.complete(case, "appraisal", form_data(cun, case, "appraisal", **APPRAISAL))


def through_first_notice(api, clock, case, **verification):
    verify(api, case, **verification)
    appraise(api, case)
    assert sweep(clock) == 1


def through_second_notice(api, clock, case, **county):
    through_first_notice(api, clock, case)
    zhen = api("zhen")
    zhen.complete(case, "acceptance", form_data(zhen, case, "acceptance", **ACCEPTED))
    api("qi").complete(case, "county_review", {**APPROVED, **county})
    return sweep(clock)


def steps_done(api, case):
    events = api("qi").get(f"/instances/{case}").json["events"]
    return [e["detail"]["element"] for e in events if e["type"] == "task_completed"]


def ended(api, case):
    events = api("qi").get(f"/instances/{case}").json["events"]
    return [e["detail"].get("end") for e in events if e["type"] == "instance_completed"]


def notice_text(session, kind, notice_id):
    text = page_one_of(render(session, kind, notice_id, f"{kind}-elimination"))
    assert not ID_NUMBER.search(text) and PHONE not in text
    return text


# --- the way out --------------------------------------------------------------------------------------------------

def test_a_village_batch_of_two_leaves_monitoring_by_assistance(api, clock, session, app):
    households = assisted(api, clock, "巴特尔", "乌云")
    at(clock, "2026-09-02")  # six months after the March measurement: income stable; September: a marking window
    cun, zhen, qi = api("cun"), api("zhen"), api("qi")
    cases = [begin(api, h)["id"] for h in households]
    for case in cases:
        checked = verify(api, case)
        result = checked["data"]["verification_result"]
        assert result["stable"] is True and result["unmet"] == [], result
    response, _ = batch(cun, "appraisal", cases, {**APPRAISAL, "meeting_date": "2026-09-02"},
                        {0: {"votes_for": 30, "votes_against": 5, "approved": True},
                         1: {"votes_for": 28, "votes_against": 7, "approved": True}})
    assert response.status_code == 200, response.json
    first = [n for n in cun.get("/notices").json if n["stage"] == "elimination_first"]
    assert len(first) == 1 and len(first[0]["households"]) == 2, "one village, one notice"
    listed = notice_text(session, "annex4", first[0]["id"])
    assert "巴特尔" in listed and "乌云" in listed and "家庭医生签约" in listed
    assert sweep(clock) == 2

    response, _ = batch(zhen, "acceptance", cases, {**ACCEPTED, "accepted_on": "2026-09-08"})
    assert response.status_code == 200, response.json
    warnings = qi.get(f"/instances/{cases[0]}").json["data"]["elimination_warnings"]
    assert warnings == ["监测不足6个月：自2026年3月14日起监测，至今5个月"], warnings
    [*_, kept] = decisions.by_case(session, [cases[0]])[cases[0]]
    assert (kept.title, kept.lines, kept.outcome) == ("县级审定前须确认的情形", warnings, "县级审定须填写确认理由")
    refused, _ = batch(qi, "county_review", cases, APPROVED)
    assert refused.status_code == 422
    assert refused.json["error"]["fields"] == {
        "warnings_reason": "须说明确认理由：监测不足6个月：自2026年3月14日起监测，至今5个月"}
    response, _ = batch(qi, "county_review", cases, {**APPROVED, "warnings_reason": "务工收入稳定，会商同意提前消除"})
    assert response.status_code == 200, response.json
    second = [n for n in cun.get("/notices").json if n["stage"] == "elimination_second"]
    assert len(second) == 1 and len(second[0]["households"]) == 2
    assert "达旗乡振批〔2026〕31号" in notice_text(session, "annex6", second[0]["id"])
    assert sweep(clock) == 2  # 14 September: inside the window, the marking is open at once

    for household, case in zip(households, cases, strict=True):
        marking = form_data(qi, case, "marking", annex7_collected=True)
        assert marking["marked_on"] == "2026-09-14"
        done = qi.complete(case, "marking", marking)
        assert done["status"] == "completed"
        assert done["data"]["marking"]["measures"] == ["健康帮扶·家庭医生签约（已完成）"]
        status = monitoring(api, household)
        assert (status["status"], status["elimination_method"], status["eliminated_on"]) == (
            "eliminated", "assisted", "2026-09-14")
        assert steps_done(api, case) == ["verification", "appraisal", "acceptance", "county_review", "marking"]
        assert ended(api, case) == ["end_eliminated"]
        printed = {d["annex"] for d in qi.get(f"/instances/{case}/documents").json}
        assert {4, 5, 6, 7} <= printed
    page = PageClient(app, "qi").get(f"/cases/{cases[0]}")  # scanned for codes and English like every page
    assert page.status_code == 200 and "四项标准核实结果" in page.text and "系统标注" in page.text


def test_natural_elimination_needs_no_measure_and_no_stable_income_but_both_notices(api, clock, session):
    (household,) = identified(api, clock, "苏和", risk_types=("illness", "unstable_employment"))
    at(clock, "2026-06-01")  # under three months on, one measurement since: no matter for a natural elimination
    case = begin(api, household, method="natural")["id"]
    checked = verify(api, case, measures_note="子女已就业，赡养能力恢复，风险自然消除")
    assert checked["data"]["verification_result"]["unmet"] == []
    appraise(api, case)
    assert sweep(clock) == 1
    zhen = api("zhen")
    zhen.complete(case, "acceptance", form_data(zhen, case, "acceptance", **ACCEPTED))
    qi = api("qi")
    assert qi.get(f"/instances/{case}").json["data"]["elimination_warnings"] == []
    refused = qi.complete(case, "county_review", APPROVED, status=422)
    assert refused["error"]["fields"] == {
        "focused_review": "该户有2项风险类型（因病、因务工就业不稳），须填写重点审核情况"}
    qi.complete(case, "county_review", {**APPROVED, "focused_review": "因病、务工两项风险逐项核实均已消除"})
    assert qi.get(f"/instances/{case}").json["data"]["county_review"]["focused_review"]
    assert sweep(clock) == 1
    done = qi.complete(case, "marking", form_data(qi, case, "marking", annex7_collected=True))
    assert done["status"] == "completed" and done["data"]["marking"]["measures"] == []
    assert monitoring(api, household)["elimination_method"] == "natural"
    assert monitoring(api, household)["eliminated_on"] == "2026-06-13"
    assert ended(api, case) == ["end_eliminated"]


# --- refused at the start, nothing changed -------------------------------------------------------------------------

def test_a_household_identified_this_month_may_not_start(api, clock):
    (household,) = identified(api, clock, "娜仁")
    measure(api, household, done_on="2026-03-14")
    at(clock, "2026-03-20")
    refused = begin(api, household, status=422)
    assert "不得当月识别、当月标注风险消除" in refused["error"]["fields"]["monitored_since"]
    assert monitoring(api, household)["status"] == "monitored"
    assert api("qi").get("/instances?process=risk_elimination").json == []


def test_an_assisted_elimination_without_a_measure_carried_out_is_refused(api, clock):
    (household,) = identified(api, clock, "图雅")
    measure(api, household)  # planned and started, never done
    at(clock, "2026-09-02")
    refused = begin(api, household, status=422)
    assert "已完成的帮扶措施" in refused["error"]["fields"]["measures"]
    assert monitoring(api, household)["status"] == "monitored"


def test_a_household_without_labour_capacity_under_the_safety_net_stays_monitored(api, clock):
    (household,) = identified(api, clock, "额尔敦", labour_skill="lost")
    planned = api("qi").post(f"/households/{household['id']}/measures", json={
        "category": "social_security", "subtype": "subsistence_allowance", "content": "纳入农村低保",
        "department": "civil", "responsible": "民政局李某", "start_on": "2026-03-14",
        "end_on": "2026-12-31", "amount": 4800})
    assert planned.status_code == 201, planned.json
    at(clock, "2026-09-02")
    refused = begin(api, household, method="natural", status=422)
    assert refused["error"]["fields"]["labour_capacity"] == "整户无劳动能力兜底保障户不标注风险消除，继续监测"
    assert monitoring(api, household)["status"] == "monitored"


# --- the marking window ---------------------------------------------------------------------------------------------

def test_outside_the_window_the_case_waits_after_the_second_notice_and_is_marked_when_it_opens(api, clock):
    (household,) = assisted(api, clock, "巴雅尔")
    at(clock, "2026-10-08")  # the fourth quarter's window is December
    case = begin(api, household)["id"]
    assert through_second_notice(api, clock, case, warnings_reason="监测已满半年以上，收入稳定") == 1
    qi = api("qi")
    waiting = qi.get(f"/instances/{case}").json
    assert waiting["status"] == "running" and waiting["tasks"] == []
    assert waiting["waiting"] == [{"type": "timer", "until": "2026-11-30T16:00:00+00:00"}]
    assert waiting["data"]["marking_opens_on"] == "2026-12-01"
    at(clock, "2026-11-30", hour=23)
    assert run_timers() == 0, "not a day early"
    at(clock, "2026-12-01", hour=0)
    clock.advance(timedelta(minutes=1))
    assert run_timers() == 1
    qi.complete(case, "marking", form_data(qi, case, "marking", annex7_collected=True))
    assert monitoring(api, household)["status"] == "eliminated"
    assert monitoring(api, household)["eliminated_on"] == "2026-12-01"


def test_a_county_without_a_window_ahead_is_looked_at_daily_until_it_sets_one(api, clock):
    qi = api("qi")
    own = qi.post("/marking-windows", json={"place": COUNTY, "opens_on": "2026-09-01", "closes_on": "2026-09-30"})
    assert own.status_code == 201, own.json  # the county's own windows replace the quarterly default
    (household,) = assisted(api, clock, "朝鲁")
    at(clock, "2026-09-20")  # inside the county's window: a start with no window ahead would be refused
    case = begin(api, household)["id"]
    through_second_notice(api, clock, case, warnings_reason="监测已满半年以上，收入稳定")
    assert qi.get(f"/instances/{case}").json["data"]["marking_opens_on"] is None
    assert qi.get(f"/instances/{case}").json["waiting"] == [{"type": "timer", "until": "2026-10-02T16:00:00+00:00"}]
    at(clock, "2026-10-25")
    assert run_timers() == 1  # looked again, once for the days missed, and waits for tomorrow
    assert qi.get(f"/instances/{case}").json["waiting"] == [{"type": "timer", "until": "2026-10-25T16:00:00+00:00"}]
    added = qi.post("/marking-windows", json={"place": COUNTY, "opens_on": "2026-10-26", "closes_on": "2026-11-10"})
    assert added.status_code == 201, added.json
    at(clock, "2026-10-26")
    assert run_timers() == 1
    assert qi.task(case, "marking")


def test_marking_is_refused_without_annex_7_collected_again_or_on_a_day_outside_the_window(api, clock):
    (household,) = assisted(api, clock, "阿拉坦")
    at(clock, "2026-09-02")
    case = begin(api, household)["id"]
    through_second_notice(api, clock, case, warnings_reason="务工收入稳定，会商同意")
    qi = api("qi")
    refused = qi.complete(case, "marking", form_data(qi, case, "marking", annex7_collected=False), status=422)
    assert refused["error"]["fields"] == {"annex7_collected": "标注前须再次采集监测对象信息采集表（附件7）"}
    for marked_on, why in (("2026-09-15", "不能晚于今天（2026年9月14日）"),
                           ("2026-08-31", "风险消除日期应在本次标注窗口期内（2026年9月1日至2026年9月30日）")):
        refused = qi.complete(case, "marking", {"annex7_collected": True, "marked_on": marked_on}, status=422)
        assert refused["error"]["fields"] == {"marked_on": why}
    assert monitoring(api, household)["status"] == "monitored" and qi.task(case, "marking")


# --- the village must tell what the records show ------------------------------------------------------------------

def test_the_village_cannot_approve_while_income_is_not_yet_stable_and_the_household_stays_monitored(api, clock):
    (household,) = assisted(api, clock, "宝音")
    at(clock, "2026-06-01")  # under six months since the March measurement
    case = begin(api, household)["id"]
    cun = api("cun")
    answers = form_data(cun, case, "verification", **RECOVERED)
    refused = cun.complete(case, "verification", answers, status=422)
    assert list(refused["error"]["fields"]) == ["income_note"]
    assert "收入尚不稳定" in refused["error"]["fields"]["income_note"]
    done = cun.complete(case, "verification", {**answers, "approved": False, "reason": "收入尚不稳定，继续帮扶"})
    assert done["status"] == "completed" and ended(api, case) == ["end_rejected"]
    record = cun.get(f"/households/{household['id']}").json
    assert record["monitoring"]["status"] == "monitored"
    assert [f["reason"] for f in record["feedback"]] == ["收入尚不稳定，继续帮扶"]


def test_the_four_criteria_are_kept_as_the_records_showed_them_and_the_letter_states_them(api, clock, session):
    (household,) = assisted(api, clock, "其其格")
    at(clock, "2026-06-01")
    case = begin(api, household)["id"]
    cun = api("cun")
    answers = form_data(cun, case, "verification", **RECOVERED)
    cun.complete(case, "verification", {**answers, "approved": False, "reason": "收入尚不稳定，继续帮扶"})

    [kept] = decisions.by_case(session, [case])[case]
    assert kept.title == "风险消除条件核查" and kept.outcome.startswith("未达到：")
    assert [line[0] for line in kept.lines] == ["✔", "✔", "✘", "✔"]
    assert "收入" in kept.lines[2]
    [feedback] = households_domain.feedback_of(session, household["id"])
    letter = feedback_letters.letter(session, session.get(Household, household["id"]), feedback, clock.now().date())
    assert letter["title"] == "防止返贫监测对象风险消除结果告知书"
    assert letter["refused"] == "您户暂不标注风险消除，继续作为监测对象落实帮扶"
    assert letter["decisions"] == [kept]


# --- objections and rejections ------------------------------------------------------------------------------------

def test_an_objection_during_the_first_notice_sends_the_case_back_to_verification(api, clock):
    (household,) = assisted(api, clock, "其其格")
    at(clock, "2026-09-02")
    case = begin(api, household)["id"]
    verify(api, case)
    appraise(api, case)
    clock.advance(timedelta(days=2))
    cun = api("cun")
    extra = cun.post(f"/instances/{case}/messages", json={"name": "objection", "payload": {
        "by": "本村村民 王五", "content": "该户仍有医疗欠款", "phone": "13904721234", "urgent": True}})
    assert extra.status_code == 422 and extra.json["error"]["fields"] == {
        "phone": "异议只能填写异议人和异议内容", "urgent": "异议只能填写异议人和异议内容"}  # refused, never dropped
    assert cun.get(f"/instances/{case}").json["data"]["objections"] == []
    objected = cun.post(f"/instances/{case}/messages",
                        json={"name": "objection", "payload": {"by": "本村村民 王五", "content": "该户仍有医疗欠款"}})
    assert objected.status_code == 200, objected.json
    assert [t["bpmn_id"] for t in objected.json["tasks"]] == ["verification"]
    again = form_data(cun, case, "verification")
    assert again["medical_expense"] == 2000 and "visited_on" not in again  # the last check's figures, a new day
    objections = objected.json["data"]["objections"]
    assert [(o["stage"], o["objection"]["content"]) for o in objections] == [("elimination_first", "该户仍有医疗欠款")]
    verify(api, case, visited_on="2026-09-04")
    appraise(api, case)
    assert sweep(clock, days=3) == 0  # the notice starts again from the new posting
    assert sweep(clock, days=3) == 1
    assert api("zhen").task(case, "acceptance")
    assert monitoring(api, household)["status"] == "monitored"


def test_a_township_rejection_keeps_the_household_monitored_and_tells_it_why(api, clock):
    (household,) = assisted(api, clock, "孟和")
    at(clock, "2026-09-02")
    case = begin(api, household)["id"]
    through_first_notice(api, clock, case)
    zhen = api("zhen")
    answers = form_data(zhen, case, "acceptance", **{**ACCEPTED, "income_ok": False})
    refused = zhen.complete(case, "acceptance", answers, status=422)
    assert refused["error"]["fields"] == {"income_ok": "人均纯收入稳定超过监测收入标准未达到，验收不能通过"}
    single = zhen.complete(case, "acceptance", {**answers, "inspectors": ["王镇长"]}, status=422)
    assert single["error"]["fields"]["inspectors"] == "验收人员至少2人，现有1人"
    done = zhen.complete(case, "acceptance", {**answers, "approved": False, "reason": "务工收入不稳定，继续帮扶"})
    assert done["status"] == "completed" and ended(api, case) == ["end_rejected"]
    assert done["data"]["rejected_step"] == "acceptance"
    record = zhen.get(f"/households/{household['id']}").json
    assert record["monitoring"]["status"] == "monitored"
    assert [(f["step"], f["reason"]) for f in record["feedback"]] == [("乡镇验收审核", "务工收入不稳定，继续帮扶")]
    assert 5 in {d["annex"] for d in zhen.get(f"/instances/{case}/documents").json}


# --- on the task page -----------------------------------------------------------------------------------------------

def test_the_township_names_its_inspectors_one_a_line_on_the_task_page(api, clock, app):
    (household,) = assisted(api, clock, "乌力吉")
    at(clock, "2026-09-02")
    case = begin(api, household)["id"]
    through_first_notice(api, clock, case)
    url = f"/tasks/{api('zhen').task(case, 'acceptance')['id']}"
    browser = PageClient(app, "zhen")
    assert "每行填写一人" in browser.get(url).text
    answers = {"action": "submit", "accepted_on": "2026-09-08", "inspectors": "王镇长\r\n 刘干事 \r\n\r\n",
               **dict.fromkeys(("head_signed", "measures_ok", "guarantees_ok", "income_ok", "expenses_ok", "approved"),
                               "true")}
    single = browser.post(url, {**answers, "inspectors": "王镇长"})
    assert single.status_code == 422
    assert '<div class="field-error" id="e-inspectors" role="alert">验收人员至少2人，现有1人</div>' in single.text
    assert ">王镇长</textarea>" in single.text
    done = browser.post(url, answers)
    assert done.status_code == 302, done.text
    assert api("zhen").get(f"/instances/{case}").json["data"]["acceptance"]["inspectors"] == ["王镇长", "刘干事"]


def test_a_visit_day_outside_the_case_s_life_is_refused_so_stability_cannot_be_faked(api, clock):
    (household,) = assisted(api, clock, "额尔敦")
    at(clock, "2026-09-02")
    case = begin(api, household)["id"]
    cun = api("cun")
    for day, why in (("2026-02-01", "不能早于本案件发起之日（2026年9月2日）"),
                     ("2026-09-03", "不能晚于今天（2026年9月2日）")):
        refused = cun.complete(case, "verification", form_data(cun, case, "verification", **{**RECOVERED,
                                                                                             "visited_on": day}),
                               status=422)
        assert refused["error"]["fields"] == {"visited_on": why}
    assert cun.task(case, "verification")


def test_a_meeting_or_acceptance_day_after_today_or_outside_1900_to_2100_is_refused(api, clock):
    """Finding 6: the days steps were done on are dates within sense, so annexes never print 1年1月1日."""
    (household,) = assisted(api, clock, "巴雅尔")
    at(clock, "2026-09-02")
    case = begin(api, household)["id"]
    verify(api, case)
    cun = api("cun")
    out_of_range = "日期应为 YYYY-MM-DD，年份在1900至2100之间"
    for day, why in (("0001-01-01", out_of_range), ("9999-12-31", out_of_range),
                     ("2026-09-03", "不能晚于今天（2026年9月2日）")):
        answers = form_data(cun, case, "appraisal", **{**APPRAISAL, "meeting_date": day})
        assert cun.complete(case, "appraisal", answers, status=422)["error"]["fields"] == {"meeting_date": why}
    appraise(api, case)
    assert sweep(clock) == 1
    zhen = api("zhen")
    tomorrow = form_data(zhen, case, "acceptance", **{**ACCEPTED, "accepted_on": "2026-09-09"})
    refused = zhen.complete(case, "acceptance", tomorrow, status=422)
    assert refused["error"]["fields"] == {"accepted_on": "不能晚于今天（2026年9月8日）"}
    assert zhen.task(case, "acceptance")


def test_the_income_year_typed_is_the_year_judged_never_after_this_year(api, clock, session):
    """Finding 7: December 2026 cannot store a 2027 measurement; in January 2027 last year's figures are the ones
    that exist, and the check judges 2026 on them (its line, its measurement)."""
    (household,) = assisted(api, clock, "巴雅尔")
    at(clock, "2026-12-28")
    case = begin(api, household)["id"]
    cun = api("cun")
    refused = cun.complete(case, "verification", form_data(cun, case, "verification", **{**RECOVERED, "year": 2027}),
                           status=422)
    assert refused["error"]["fields"] == {"year": "收入年度不能晚于今年（2026年）"}
    session.expire_all()
    assert [m.year for m in session.get(Household, household["id"]).measurements] == [2026]
    at(clock, "2027-01-05")
    verify(api, case, year=2026)
    result = api("qi").get(f"/instances/{case}").json["data"]["verification_result"]
    assert (result["year"], result["income_line"], result["unmet"]) == (2026, 8900.0, [])
    session.expire_all()
    assert [m.year for m in session.get(Household, household["id"]).measurements] == [2026]


def test_a_window_that_ends_today_s_default_marking_needs_the_county_s_confirmation(api, clock, session):
    """Finding 4: a county's first window replaces the quarterly default; while a case waits at 系统标注 inside it
    the county sees that before saving (422 at replace_default), and only a confirmed window is stored."""
    (household,) = assisted(api, clock, "图雅")
    at(clock, "2026-09-02")
    case = begin(api, household)["id"]
    through_second_notice(api, clock, case, warnings_reason="务工收入稳定，会商同意")
    qi = api("qi")
    assert qi.task(case, "marking")
    december = {"place": COUNTY, "opens_on": "2026-12-10", "closes_on": "2026-12-20"}
    refused = qi.post("/marking-windows", json=december)
    assert refused.status_code == 422, refused.json
    assert refused.json["error"]["fields"] == {"replace_default": (
        "本地设置窗口期后，季度默认窗口期不再适用：正在开放的 2026-09-01 至 2026-09-30 今天即停止标注，"
        "现有1户在系统标注等待；请确认替换后再保存")}
    assert qi.get("/marking-windows").json["total"] == 0
    covering = qi.post("/marking-windows", json={**december, "opens_on": "2026-09-10", "closes_on": "2026-09-30"})
    assert covering.status_code == 201, covering.json  # today stays open: nothing to confirm
    assert qi.client.delete(f"/api/v1/marking-windows/{covering.json['id']}", headers=qi.headers).status_code == 200
    confirmed = qi.post("/marking-windows", json={**december, "replace_default": True})
    assert confirmed.status_code == 201, confirmed.json
    marking = qi.complete(case, "marking", form_data(qi, case, "marking", annex7_collected=True), status=422)
    assert set(marking["error"]["fields"]) == {"marking_window"}

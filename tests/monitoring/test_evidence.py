"""The evidence a decision rests on, read for a case that stands at the county's approval after an objection,
a re-check, a second appraisal, the township's review and a comparison hit admitted as a special case."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import event

from engine.models import ProcessInstance
from monitoring import thresholds
from monitoring.evidence import evidence_for, evidence_for_batch
from tests.conftest import CST
from tests.web import conftest as web
from tests.web import test_identification as identification
from tests.web.test_identification import (
    APPRAISAL,
    VISIT,
    form_data,
    new_household,
    start,
    sweep,
    through_first_notice,
    upload_vehicle_of,
)

# Fixtures of the web tests: the JSON API client, the real forms, the identification process deployed.
api, forms_dir, world = web.api, identification.forms_dir, identification.world

OBJECTOR = "村民王五（邻居）"
OBJECTION = "家中新买了小轿车，号码 150223197001011234 的人常开"


def at_county_review(api, clock, session):
    """A case objected to during its first notice, re-checked, noticed again, reviewed, compared (a car found)."""
    thresholds.set_threshold(session, thresholds.EXPENSE_WARNING, "150223000000", 2026, 20000, "test",
                             datetime(2026, 1, 1, tzinfo=CST))
    session.commit()
    cun = api("cun")
    household = new_household(api)
    upload_vehicle_of(api, household)
    instance = start(cun, household, "cadre_screening")
    cun.complete(instance["id"], "visit", form_data(cun, instance["id"], "visit", **VISIT))
    cun.complete(instance["id"], "authorize", form_data(cun, instance["id"], "authorize", approved=True))
    cun.complete(instance["id"], "appraisal", form_data(cun, instance["id"], "appraisal", **APPRAISAL))
    clock.advance(timedelta(days=2))
    objected = cun.post(f"/instances/{instance['id']}/messages",
                        json={"name": "objection", "payload": {"by": OBJECTOR, "content": OBJECTION}})
    assert objected.status_code == 200, objected.json
    cun.complete(instance["id"], "visit", form_data(cun, instance["id"], "visit", approved=True,
                                                     visited_on=clock.now().date().isoformat()))
    cun.complete(instance["id"], "appraisal", form_data(cun, instance["id"], "appraisal", **APPRAISAL))
    assert sweep(clock) == 1
    api("zhen").complete(instance["id"], "township_review", {"approved": True, "opinion": "逐户审核属实"})
    api("qi").complete(instance["id"], "comparison_review", {
        "decision": "special_case", "meeting_date": "2026-03-10",
        "meeting_reasons": "报废农用车，村民代表会议同意纳入"})
    assert api("qi").task(instance["id"], "county_review")
    return household, instance


def test_the_evidence_at_the_county_approval(api, world, clock, session):
    household, started = at_county_review(api, clock, session)
    instance = session.get(ProcessInstance, started["id"])
    evidence = evidence_for(session, instance, clock.now().date())

    assert (evidence.head_name, evidence.size, evidence.group_name) == ("巴特尔", 2, "2组")
    assert evidence.year == 2026
    assert (evidence.income.amount, evidence.income.standard) == (Decimal("4100.00"), Decimal("8900.00"))
    assert (evidence.income.judgement, evidence.income.alert) == ("低于监测标准线", True)
    assert (evidence.expenses.amount, evidence.expenses.standard) == (Decimal("30000"), Decimal("20000.00"))
    assert (evidence.expenses.judgement, evidence.expenses.alert) == ("超过预警标准", True)
    assert evidence.risk_types == ["因病"]
    assert evidence.suggested_type == "边缘易致贫户"
    assert evidence.suggested_reason == "人均纯收入低于监测收入标准的一般农户：建议认定为边缘易致贫户"

    votes = evidence.votes
    assert (votes.attendees, votes.votes_for, votes.votes_against, votes.result) == (35, 33, 2, "评议通过")
    assert votes.meeting_form == "村民代表大会"

    [objection] = evidence.objections
    assert objection.by == OBJECTOR
    assert objection.content == "家中新买了小轿车，号码 1502**********1234 的人常开"  # never a whole ID number
    assert objection.settled and objection.outcome == "重新核实：仍符合纳入条件，重新评议公示"
    assert objection.rechecked_on == objection.received_on == "2026-03-04"  # re-checked the day it came

    [hit] = evidence.hits
    assert (hit["member"], hit["exclusion_label"], hit["dataset_label"]) == \
        ("其木格", "拥有车辆或大型农机", "机动车登记")
    assert isinstance(hit["row"], int) and "号牌号码" in hit["evidence"]
    assert evidence.compared and evidence.gaps == []

    assert evidence.notice is not None and not evidence.notice.running  # the second notice is still to come
    period = evidence.notice.period  # the days the notice itself states: the posting day not counted
    assert (period.first_day, period.days) == (period.posted_on + timedelta(days=1), 5)
    assert [(d.number, d.title) for d in evidence.documents] == [
        (1, "承诺授权书"), (2, "民主评议记录及拟新识别监测对象公示"), (2, "民主评议记录及拟新识别监测对象公示"),
        (7, "监测对象信息采集表")]  # the notice was posted again after the objection

    plain = evidence.as_dict()
    assert plain["income"] == {"amount": 4100.0, "standard": 8900.0, "judgement": "低于监测标准线", "alert": True}
    assert household["members"][0]["id_number"] not in str(plain)


def test_a_household_above_the_line_is_suggested_no_type_and_told_why(api, world, clock, session):
    cun = api("cun")
    instance = start(cun, new_household(api), "cadre_screening")
    cun.complete(instance["id"], "visit", form_data(cun, instance["id"], "visit", **{
        **VISIT, "wage_income": 30000, "medical_expense": 0}))
    evidence = evidence_for(session, session.get(ProcessInstance, instance["id"]), clock.now().date())
    assert (evidence.income.amount, evidence.income.judgement, evidence.income.alert) == \
        (Decimal("16100.00"), "高于监测标准线", False)
    assert evidence.expenses.judgement == "本年度未设置预警标准" and evidence.expenses.standard is None
    assert evidence.suggested_type == "不符合纳入条件"
    assert evidence.suggested_reason == \
        "人均纯收入不低于监测收入标准，刚性支出未超过预警标准，“三保障”和饮水安全无问题：不符合纳入条件"
    assert evidence.votes is None and evidence.objections == [] and not evidence.compared


def test_a_case_that_found_nothing_yet_has_no_evidence(api, world, clock, session):
    instance = start(api("cun"), new_household(api), "self_declared")
    evidence = evidence_for(session, session.get(ProcessInstance, instance["id"]), date(2026, 3, 1))
    assert not evidence.has_content and evidence.income is None


def test_the_batch_reads_the_same_number_of_statements_for_two_households_as_for_six(api, world, clock, session):
    cases = [through_first_notice(api, clock, new_household(api))["id"] for _ in range(6)]

    def statements_for(ids):
        session.expunge_all()  # nothing cached from earlier reads
        rows = [session.get(ProcessInstance, i) for i in ids]
        counted = []
        listener = lambda *args: counted.append(args[2])  # noqa: E731
        event.listen(session.get_bind(), "before_cursor_execute", listener)
        try:
            found = evidence_for_batch(session, rows, clock.now().date())
        finally:
            event.remove(session.get_bind(), "before_cursor_execute", listener)
        assert set(found) == set(ids) and all(e.income and e.votes for e in found.values())
        return len(counted)

    two, six = statements_for(cases[:2]), statements_for(cases)
    print(f"statements: {two} for two households, {six} for six")
    assert two == six


def test_the_figures_are_those_the_table_decided_on_even_after_the_line_changes(api, world, clock, session):
    """The county's evidence and the kept decision say the same: a line set afterwards changes neither."""
    household = new_household(api)
    instance = through_first_notice(api, clock, household)
    thresholds.set_threshold(session, thresholds.INCOME_LINE, "150000000000", 2026, 3000, "test", clock.now())
    session.commit()

    evidence = evidence_for(session, session.get(ProcessInstance, instance["id"]), clock.now().date())

    assert (evidence.income.amount, evidence.income.standard, evidence.income.alert) == (Decimal(4100), Decimal(8900),
                                                                                         True)
    assert evidence.suggested_type == "边缘易致贫户"

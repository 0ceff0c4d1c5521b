"""The rules of risk elimination (monitoring/elimination.py) on the household's records, with the engine's clock
moved, never slept: who may start, the four criteria with the figures as evidence, the county's warnings, and what
stops the marking. Each refusal names its rule as the field."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from engine.errors import InvalidData
from monitoring import elimination, households, marking_windows, status_history, thresholds
from monitoring.id_number import check_digit
from monitoring.models import Household, Measure, MeasurementHistory
from tests.conftest import CST

VILLAGE, COUNTY, REGION = "150223100201", "150223000000", "150000000000"
IDENTIFIED = date(2026, 3, 2)  # the clock's start: identified on the first day of the tests
LINE, WARNING = 7000, 10000
ABOVE = {"year": 2026, "wage_income": 20000, "business_income": 4000}  # 12 000 a head for two people
BELOW = {"year": 2026, "wage_income": 8000}  # 4 000 a head


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 9, tzinfo=CST)


def person(name: str, first17: str, relation: str, labour_skill: str) -> dict:
    return {"name": name, "id_number": first17 + check_digit(first17), "relation": relation,
            "labour_skill": labour_skill}


@pytest.fixture
def lines(session, tree, clock):
    thresholds.set_threshold(session, thresholds.INCOME_LINE, REGION, 2026, LINE, "admin", clock.now())
    thresholds.set_threshold(session, thresholds.EXPENSE_WARNING, COUNTY, 2026, WARNING, "admin", clock.now())
    session.commit()


def make_household(session, actors, *skills: str, since: date | None = IDENTIFIED) -> Household:
    """A household of two identified on ``since`` for illness (not monitored when ``since`` is None)."""
    skills = skills or ("ordinary", "weak")
    prefix = f"15022319700101{session.query(Household).count():02d}"
    members = [person("巴特尔", prefix + "1", "head", skills[0]), person("其其格", prefix + "2", "spouse", skills[1])]
    household = households.create_household(session, actors["village"], {
        "village": VILLAGE, "household_type": "ordinary", "members": members}, at(IDENTIFIED))
    if since is not None:
        household.monitoring_status, household.monitored_since = "monitored", since
        household.monitoring_type, household.risk_types = "marginal", ["illness"]
    session.commit()
    return household


def add_measure(session, household, status="done", category="health", subtype="family_doctor") -> Measure:
    moment = at(IDENTIFIED)
    measure = Measure(household_id=household.id, category=category, subtype=subtype, content="签约家庭医生",
                      department="health", responsible="王医生", start_on=IDENTIFIED, status=status,
                      done_on=IDENTIFIED + timedelta(days=30) if status == "done" else None,
                      created_at=moment, created_by="qi", updated_at=moment, updated_by="qi")
    session.add(measure)
    session.commit()
    return measure


def measure_on(session, household, day: date, values=None) -> None:
    households.record_measurement(session, household, values or ABOVE, "cun", at(day), measured_on=day)
    session.commit()


def refusal(session, household, today, **data) -> dict[str, str]:
    with pytest.raises(InvalidData) as raised:
        elimination.check_start(session, household, data, today)
    return raised.value.fields


# --- starting ----------------------------------------------------------------------------------------------------

def test_never_in_the_month_of_identification_for_either_method(session, actors, engine, clock):
    household = make_household(session, actors)
    add_measure(session, household)
    clock.set(at(date(2026, 3, 31)))
    for method in ("assisted", "natural"):
        fields = refusal(session, household, engine.today(), method=method)
        assert fields == {"monitored_since": "2026年3月识别纳入监测，不得当月识别、当月标注风险消除"}
    clock.set(at(date(2026, 4, 1)))
    elimination.check_start(session, household, {"method": "assisted"}, engine.today())


def test_assisted_needs_a_done_measure_natural_does_not(session, actors, engine, clock):
    household = make_household(session, actors)
    clock.set(at(date(2026, 9, 15)))
    assert refusal(session, household, engine.today(), method="assisted") == {
        "measures": "帮扶消除须至少有一项已完成的帮扶措施，该户尚无已完成的措施"}
    add_measure(session, household, status="in_progress")
    assert set(refusal(session, household, engine.today(), method="assisted")) == {"measures"}
    elimination.check_start(session, household, {"method": "natural"}, engine.today())
    add_measure(session, household, status="done", category="employment", subtype="public_welfare_post")
    elimination.check_start(session, household, {"method": "assisted"}, engine.today())


def test_a_household_without_labour_capacity_under_the_safety_net_is_refused(session, actors, engine, clock):
    household = make_household(session, actors, "lost", "none")
    add_measure(session, household, category="social_security", subtype="subsistence_allowance")
    clock.set(at(date(2026, 9, 15)))
    for method in ("assisted", "natural"):
        assert refusal(session, household, engine.today(), method=method) == {
            "labour_capacity": "整户无劳动能力兜底保障户不标注风险消除，继续监测"}
    able = make_household(session, actors, "ordinary", "lost")  # the same measure, someone can work
    add_measure(session, able, category="social_security", subtype="subsistence_allowance")
    elimination.check_start(session, able, {"method": "assisted"}, engine.today())


def test_only_a_monitored_household_and_a_known_method(session, actors, engine, clock):
    clock.set(at(date(2026, 9, 15)))
    never = make_household(session, actors, since=None)
    assert refusal(session, never, engine.today(), method="natural") == {
        "monitoring_status": "只有监测对象才能风险消除，该农户当前不是监测对象"}
    household = make_household(session, actors)
    household.monitoring_status = "eliminated"
    assert set(refusal(session, household, engine.today(), method="natural")) == {"monitoring_status"}
    household.monitoring_status = "monitored"
    for wrong in ("by_assistance", None, 1, ["assisted"], {"code": "natural"}):  # JSON lists and objects too
        assert refusal(session, household, engine.today(), method=wrong) == {
            "method": "消除方式应为assisted（帮扶消除）或natural（自然消除）"}
        assert elimination.marking_problems(session, household, wrong, engine.today()) == {
            "method": "消除方式应为assisted（帮扶消除）或natural（自然消除）"}


def test_a_start_is_refused_only_when_marking_is_closed_with_no_window_ahead(session, actors, engine, clock):
    """Outside a window with one ahead the case starts and waits at its marking step; a county whose windows have
    all passed refuses the start (api.md: "marking window closed"), since such a case could never be marked."""
    household = make_household(session, actors)
    clock.set(at(date(2026, 11, 12)))  # outside the default window, December's ahead
    elimination.check_start(session, household, {"method": "natural"}, engine.today())
    marking_windows.add_window(session, actors["county"], {"place": COUNTY, "opens_on": "2026-11-01",
                                                           "closes_on": "2026-11-10"}, at(date(2026, 10, 30)))
    session.commit()
    assert refusal(session, household, engine.today(), method="natural") == {
        "marking_window": "标注窗口期已关闭，且本地尚未设置下一个窗口期，发起后无法标注；请旗县或盟市先设置窗口期"}
    marking_windows.add_window(session, actors["county"], {"place": COUNTY, "opens_on": "2027-03-01",
                                                           "closes_on": "2027-03-31"}, clock.now())
    session.commit()
    elimination.check_start(session, household, {"method": "natural"}, engine.today())


def test_after_a_reversal_an_assisted_elimination_needs_a_measure_done_after_it(session, actors, engine, clock, lines):
    """The measures before 风险消除回退 did not remove the risk: neither the start nor the check counts them."""
    household = make_household(session, actors)
    add_measure(session, household)  # done on 1 April
    clock.set(at(date(2026, 9, 15)))
    elimination.check_start(session, household, {"method": "assisted"}, engine.today())
    status_history.record_change(session, household, "eliminated", clock.now(), "qi", method="assisted",
                                 instance_id=1)
    clock.set(at(date(2026, 10, 20)))
    status_history.record_change(session, household, "monitored", clock.now(), "qi", reason="务工收入中断")
    session.commit()
    assert elimination.reverted_on(session, household) == date(2026, 10, 20)
    why = "2026年10月20日风险消除回退后，帮扶消除须至少有一项回退之后完成的帮扶措施，该户尚无回退后完成的措施"
    clock.set(at(date(2026, 11, 20)))
    assert refusal(session, household, engine.today(), method="assisted") == {"measures": why}
    assert criteria(elimination.verify(session, household, "assisted", engine.today()))["measures"] == (
        False, f"风险类型：因病；{why}")
    elimination.check_start(session, household, {"method": "natural"}, engine.today())  # natural needs none
    later = add_measure(session, household, category="employment", subtype="public_welfare_post")
    later.done_on = date(2026, 10, 20)  # on the reversal's day: still one of the measures it judged
    session.commit()
    assert set(refusal(session, household, engine.today(), method="assisted")) == {"measures"}
    later.done_on = date(2026, 10, 21)
    session.commit()
    elimination.check_start(session, household, {"method": "assisted"}, engine.today())
    assert criteria(elimination.verify(session, household, "assisted", engine.today()))["measures"] == (
        True, "风险类型：因病；已完成帮扶措施1项：就业帮扶·公益岗位")


def test_a_household_identified_again_after_elimination_keeps_its_measures(session, actors, engine, clock):
    """Only a reversal asks for new measures: a household that came back by identification (a case) is judged on
    its measures as any other."""
    household = make_household(session, actors)
    add_measure(session, household)
    clock.set(at(date(2026, 9, 15)))
    status_history.record_change(session, household, "eliminated", clock.now(), "qi", method="assisted",
                                 instance_id=1)
    status_history.record_change(session, household, "monitored", clock.now(), "qi", instance_id=2)
    session.commit()
    assert elimination.reverted_on(session, household) is None


def test_every_broken_rule_is_named_at_once(session, actors, engine, clock):
    household = make_household(session, actors, "none", "lost")
    add_measure(session, household, status="in_progress", category="social_security", subtype="extreme_poverty_support")
    assert set(refusal(session, household, engine.today(), method="assisted")) == {
        "monitored_since", "measures", "labour_capacity"}


# --- warnings ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("today", "expected"), [
    (date(2026, 4, 20), ["识别次月即帮扶消除：2026年3月识别纳入监测，2026年4月消除",
                         "监测不足6个月：自2026年3月2日起监测，至今1个月"]),
    (date(2026, 8, 20), ["监测不足6个月：自2026年3月2日起监测，至今5个月"]),
    (date(2026, 9, 1), ["监测不足6个月：自2026年3月2日起监测，至今5个月"]),  # a day short of six
    (date(2026, 9, 2), []),
])
def test_assisted_elimination_warns_the_county_until_six_months_monitored(session, actors, engine, clock, today,
                                                                           expected):
    household = make_household(session, actors)
    clock.set(at(today))
    assert elimination.warnings(household, "assisted", engine.today()) == expected
    assert elimination.warnings(household, "natural", engine.today()) == []


def test_warnings_are_configurable(session, actors, engine, clock):
    household = make_household(session, actors)
    clock.set(at(date(2026, 4, 20)))
    assert elimination.warnings(household, "assisted", engine.today(), min_months=1, warn_next_month=False) == []
    assert elimination.warnings(household, "assisted", engine.today(), min_months=2, warn_next_month=False) == [
        "监测不足2个月：自2026年3月2日起监测，至今1个月"]


# --- the four criteria -------------------------------------------------------------------------------------------

def criteria(verification) -> dict[str, tuple[bool, str]]:
    return {c.key: (c.met, c.evidence) for c in verification.criteria}


def test_income_is_stable_with_two_measurements_above_the_line_six_months_apart(session, actors, engine, clock, lines):
    household = make_household(session, actors)
    add_measure(session, household)
    measure_on(session, household, date(2026, 3, 2), BELOW)  # the visit that found the risk
    measure_on(session, household, date(2026, 3, 10))
    clock.set(at(date(2026, 6, 10)))
    one = elimination.verify(session, household, "assisted", engine.today())
    assert not one.stable and [c.key for c in one.unmet] == ["income"]
    assert criteria(one)["income"][1] == ("2026年家庭人均纯收入12,000.00元，高于监测收入标准7,000.00元；"
                                          "收入尚不稳定：须至少2次测算高于标准、每次相隔不少于6个月，现有：2026年3月10日")
    measure_on(session, household, date(2026, 6, 10))  # three months later: not yet
    three = elimination.verify(session, household, "assisted", engine.today())
    assert not three.stable and criteria(three)["income"][1].endswith("现有：2026年3月10日")
    clock.set(at(date(2026, 10, 12)))
    measure_on(session, household, date(2026, 10, 12))  # seven months after the first above the line
    seven = elimination.verify(session, household, "assisted", engine.today())
    assert seven.stable and seven.unmet == ()
    assert criteria(seven)["income"][1].endswith(
        "收入稳定：2次测算高于标准且相隔不少于6个月（2026年3月10日、2026年10月12日）")
    assert (seven.year, seven.per_capita_income, seven.income_line) == (2026, 12000, 7000)
    stricter = elimination.verify(session, household, "assisted", engine.today(), min_measurements=2, months_apart=8)
    assert not stricter.stable


def test_a_measurement_below_the_line_starts_stability_over(session, actors, engine, clock, lines):
    household = make_household(session, actors)
    measure_on(session, household, date(2026, 3, 10))
    measure_on(session, household, date(2026, 5, 10), BELOW)
    measure_on(session, household, date(2026, 10, 12))
    clock.set(at(date(2026, 10, 12)))
    verification = elimination.verify(session, household, "assisted", engine.today())
    assert not verification.stable and criteria(verification)["income"][0] is False


def test_a_re_measurement_of_the_year_keeps_the_earlier_one_in_the_history(session, actors, lines):
    household = make_household(session, actors)
    measure_on(session, household, date(2026, 3, 10), BELOW)
    measure_on(session, household, date(2026, 10, 12))
    rows = session.query(MeasurementHistory).filter_by(household_id=household.id).order_by(MeasurementHistory.id).all()
    assert [(r.year, r.measured_on, r.per_capita_income, r.recorded_by) for r in rows] == [
        (2026, date(2026, 3, 10), 4000, "cun"), (2026, date(2026, 10, 12), 12000, "cun")]
    assert len(household.measurements) == 1 and household.measurements[0].wage_income == 20000


def test_natural_elimination_skips_measures_and_stability(session, actors, engine, clock, lines):
    household = make_household(session, actors)
    clock.set(at(date(2026, 6, 10)))
    measure_on(session, household, date(2026, 6, 10))
    verification = elimination.verify(session, household, "natural", engine.today())
    assert verification.unmet == () and not verification.stable
    assert criteria(verification)["measures"] == (True, "自然消除无需帮扶措施")
    assert criteria(verification)["income"][1].endswith("；自然消除不要求收入稳定")
    assert verification.as_dict()["unmet"] == [] and verification.as_dict()["per_capita_income"] == 12000.0


def test_guarantees_income_and_expenses_name_their_figures(session, actors, engine, clock, lines):
    household = make_household(session, actors)
    add_measure(session, household)
    clock.set(at(date(2026, 6, 10)))
    measure_on(session, household, date(2026, 6, 10),
               {**BELOW, "medical_expense": 9000, "education_expense": 2000, "unsafe_house": True, "dropout": True})
    verification = elimination.verify(session, household, "assisted", engine.today())
    found = criteria(verification)
    assert found["measures"] == (True, "风险类型：因病；已完成帮扶措施1项：健康帮扶·家庭医生签约")
    assert found["guarantees"] == (False, "2026年测算仍有问题：义务教育阶段因经济原因辍学、住房不安全")
    assert found["income"][0] is False and found["income"][1].startswith(
        "2026年家庭人均纯收入4,000.00元，未高于监测收入标准7,000.00元")
    assert found["expenses"] == (False, "2026年合规自付刚性支出11,000.00元，超过预警标准10,000.00元")
    assert [c["key"] for c in verification.as_dict()["criteria"]] == ["measures", "guarantees", "income", "expenses"]
    assert verification.as_dict()["unmet"] == ["guarantees", "income", "expenses"]


def test_without_the_year_s_measurement_or_its_standards_nothing_is_met_but_measures(session, actors, engine, clock):
    household = make_household(session, actors)
    add_measure(session, household)
    clock.set(at(date(2026, 6, 10)))
    missing = criteria(elimination.verify(session, household, "assisted", engine.today()))
    assert missing["income"] == (False, "2026年尚未测算收支，无法核实人均纯收入")
    assert missing["guarantees"][0] is False and missing["expenses"][0] is False
    measure_on(session, household, date(2026, 6, 10))
    unset = criteria(elimination.verify(session, household, "assisted", engine.today()))
    assert unset["income"] == (False, "2026年监测收入标准尚未设置，无法核实人均纯收入")
    assert unset["expenses"] == (False, "2026年刚性支出预警标准尚未设置，无法核实刚性支出")


@pytest.mark.parametrize(("today", "year", "why"), [
    (date(2026, 12, 10), 2027, "收入年度不能晚于今年（2026年）"),
    (date(2026, 12, 10), 2024, "收入年度只能是今年或上一年（2025年或2026年）"),
    (date(2027, 1, 10), 2025, "收入年度只能是今年或上一年（2026年或2027年）"),
    (date(2026, 12, 10), "2026", "收入年度应为年份，如 2026"),
    (date(2026, 12, 10), True, "收入年度应为年份，如 2026"),
    (date(2026, 12, 10), [2026], "收入年度应为年份，如 2026"),
])
def test_the_income_year_is_this_year_or_the_one_before_never_later(today, year, why):
    with pytest.raises(InvalidData) as raised:
        elimination.income_year(year, today)
    assert raised.value.fields == {"year": why}


def test_in_january_last_year_s_figures_are_judged_on_last_year_s_line(session, actors, engine, clock, lines):
    """Income is counted over the 12 months before the visit: in January that is last year's measurement."""
    household = make_household(session, actors)
    add_measure(session, household)
    measure_on(session, household, date(2026, 3, 10))
    measure_on(session, household, date(2026, 12, 20))
    clock.set(at(date(2027, 1, 10)))
    assert elimination.income_year(None, engine.today()) == 2027 and elimination.income_year(2026, engine.today())
    judged = elimination.verify(session, household, "assisted", engine.today(), year=2026)
    assert (judged.year, judged.per_capita_income, judged.income_line, judged.unmet) == (2026, 12000, 7000, ())
    assert criteria(judged)["income"][1].startswith("2026年家庭人均纯收入12,000.00元，高于监测收入标准7,000.00元")
    this_year = criteria(elimination.verify(session, household, "assisted", engine.today()))
    assert this_year["income"] == (False, "2027年尚未测算收支，无法核实人均纯收入")
    with pytest.raises(InvalidData) as raised:
        elimination.verify(session, household, "assisted", engine.today(), year=2028)
    assert raised.value.fields == {"year": "收入年度不能晚于今年（2027年）"}


# --- marking ----------------------------------------------------------------------------------------------------

def test_marking_needs_an_open_window_and_never_the_month_of_identification(session, actors, engine, clock):
    household = make_household(session, actors)
    assert elimination.marking_problems(session, household, "natural", engine.today()) == {
        "monitored_since": "2026年3月识别纳入监测，不得当月识别、当月标注风险消除"}  # March is a marking month
    clock.set(at(date(2026, 4, 15)))
    assert elimination.marking_problems(session, household, "assisted", engine.today()) == {
        "marking_window": "今天不在标注窗口期内，下一个窗口期2026年6月1日开放"}
    clock.set(at(date(2026, 6, 15)))
    assert elimination.marking_problems(session, household, "assisted", engine.today()) == {}


def test_marking_is_refused_for_the_safety_net_and_for_a_household_no_longer_monitored(session, actors, engine,
                                                                                       clock):
    household = make_household(session, actors, "lost", "lost")
    clock.set(at(date(2026, 6, 15)))
    assert elimination.marking_problems(session, household, "assisted", engine.today()) == {}
    add_measure(session, household, status="in_progress", category="social_security",
                subtype="subsistence_allowance")
    household.monitoring_status = "eliminated"
    assert elimination.marking_problems(session, household, "assisted", engine.today()) == {
        "monitoring_status": "只有监测对象才能风险消除，该农户当前不是监测对象",
        "labour_capacity": "整户无劳动能力兜底保障户不标注风险消除，继续监测"}

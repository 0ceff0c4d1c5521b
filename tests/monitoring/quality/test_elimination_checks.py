"""Checks on eliminated households: each with a household that trips it and one that does not, on both databases."""

from __future__ import annotations

from datetime import date

from tests.monitoring.quality.households import add_measurement, household, income_line, member, message, tripped

ELIMINATED = {"monitoring_status": "eliminated", "elimination_method": "assisted", "eliminated_on": date(2026, 10, 1)}
DONE = {"status": "done", "start_on": date(2026, 3, 20)}


def test_q101_assisted_elimination_in_the_month_of_identification_or_the_next(session, tree):
    same_month = household(session, monitoring_status="eliminated", elimination_method="assisted",
                           monitored_since=date(2026, 3, 10), eliminated_on=date(2026, 3, 28))
    next_month = household(session, monitoring_status="eliminated", elimination_method="assisted",
                           monitored_since=date(2025, 12, 30), eliminated_on=date(2026, 1, 2))
    later = household(session, monitoring_status="eliminated", elimination_method="assisted",
                      monitored_since=date(2026, 3, 10), eliminated_on=date(2026, 5, 1))
    natural = household(session, monitoring_status="eliminated", elimination_method="natural",
                        monitored_since=date(2026, 3, 10), eliminated_on=date(2026, 3, 28))
    found = tripped(session, "Q101")
    assert set(found) == {same_month.id, next_month.id}
    assert found[next_month.id] == {"identified": "2025-12-30", "eliminated": "2026-01-02", "months": 1}
    assert later.id not in found and natural.id not in found
    said = message(session, "Q101", same_month.id)
    assert "2026-03-10" in said and "2026-03-28" in said and "相隔 0 个月" in said


def test_q102_assisted_elimination_before_six_months_of_monitoring(session, tree):
    a_day_short = household(session, **{**ELIMINATED, "eliminated_on": date(2026, 9, 9)},
                            monitored_since=date(2026, 3, 10))
    six_months = household(session, **{**ELIMINATED, "eliminated_on": date(2026, 9, 10)},
                           monitored_since=date(2026, 3, 10))
    two_months = household(session, **{**ELIMINATED, "eliminated_on": date(2026, 5, 1)},
                           monitored_since=date(2026, 3, 10))
    next_month = household(session, **{**ELIMINATED, "eliminated_on": date(2026, 4, 1)},  # Q101's
                           monitored_since=date(2026, 3, 10))
    natural = household(session, **{**ELIMINATED, "elimination_method": "natural", "eliminated_on": date(2026, 5, 1)},
                        monitored_since=date(2026, 3, 10))
    found = tripped(session, "Q102")
    assert set(found) == {a_day_short.id, two_months.id}
    assert found[a_day_short.id] == {"identified": "2026-03-10", "eliminated": "2026-09-09"}
    assert six_months.id not in found and next_month.id not in found and natural.id not in found
    assert "监测不满 6 个月" in message(session, "Q102", a_day_short.id)


def test_q103_assisted_elimination_with_income_under_the_line(session, tree):
    income_line(session, 6000)
    income_line(session, 7000, year=2025)
    under = household(session, member(), member(relation="spouse", sex="female"), **ELIMINATED,
                      measurement={"wage_income": 12000, "business_expenses": 0.02})
    at_the_line = household(session, member(), member(relation="spouse", sex="female"), **ELIMINATED,
                            measurement={"wage_income": 12000})
    rounds_up = household(session, member(), member(relation="spouse", sex="female"), **ELIMINATED,
                          measurement={"wage_income": 11999.99})  # 5999.995 a head is 6000.00
    earlier_year = household(session, **ELIMINATED, measurement={"year": 2025, "wage_income": 6500})
    newer_year = household(session, **ELIMINATED, measurement={"wage_income": 6500})
    left_counts_not = household(session, member(), member(relation="son", left_on=date(2026, 6, 1)), **ELIMINATED,
                                measurement={"wage_income": 6000})
    natural = household(session, **{**ELIMINATED, "elimination_method": "natural"}, measurement={"wage_income": 100})
    found = tripped(session, "Q103")
    assert set(found) == {under.id, earlier_year.id}
    assert found[under.id] == {"year": 2026, "income": "5999.99", "line": "6000.00"}
    assert found[earlier_year.id] == {"year": 2025, "income": "6500.00", "line": "7000.00"}
    assert not {at_the_line.id, rounds_up.id, newer_year.id, left_counts_not.id, natural.id} & set(found)
    assert "人均纯收入 5999.99 元，低于当年监测标准 6000.00 元" in message(session, "Q103", under.id)


def test_q103_reads_the_latest_measurement_and_the_nearest_line(session, tree):
    income_line(session, 6000)
    income_line(session, 6600, place_code="150223000000")  # the county sets its own, above the region's
    recovered = household(session, **ELIMINATED, measurement={"year": 2025, "wage_income": 100})
    add_measurement(session, recovered, wage_income=9000)
    county_line = household(session, **ELIMINATED, measurement={"wage_income": 6500})
    found = tripped(session, "Q103")
    assert set(found) == {county_line.id}
    assert found[county_line.id] == {"year": 2026, "income": "6500.00", "line": "6600.00"}


def test_q104_assisted_elimination_without_a_measure_carried_out(session, tree):
    planned_only = household(session, **ELIMINATED, measures=({"status": "planned"},))
    stopped_only = household(session, **ELIMINATED, measures=({"status": "stopped"},))
    begun_after = household(session, **ELIMINATED, measures=({"status": "done", "start_on": date(2026, 10, 2)},))
    in_progress = household(session, **ELIMINATED, measures=({"status": "in_progress"},))
    begun_that_day = household(session, **ELIMINATED, measures=({"status": "done", "start_on": date(2026, 10, 1)},))
    natural = household(session, **{**ELIMINATED, "elimination_method": "natural"})
    found = tripped(session, "Q104")
    assert set(found) == {planned_only.id, stopped_only.id, begun_after.id}
    assert found[planned_only.id] == {"eliminated": "2026-10-01"}
    assert not {in_progress.id, begun_that_day.id, natural.id} & set(found)
    assert "至少已实施 1 项措施" in message(session, "Q104", stopped_only.id)


def test_q105_elimination_without_income_of_its_year(session, tree):
    no_measurement = household(session, **ELIMINATED)
    last_year_only = household(session, **ELIMINATED, measurement={"year": 2025, "wage_income": 9000})
    all_zero = household(session, **ELIMINATED, measurement={"transfer_income": 0, "business_expenses": 300})
    a_yuan = household(session, **{**ELIMINATED, "elimination_method": "natural"},
                       measurement={"property_income": 1})
    found = tripped(session, "Q105")
    assert set(found) == {no_measurement.id, last_year_only.id, all_zero.id}
    assert found[no_measurement.id] == {"eliminated": "2026-10-01", "year": 2026, "missing": "没有收支测算"}
    assert found[all_zero.id]["missing"] == "四项收入均为 0"
    assert a_yuan.id not in found
    assert "2026 年度没有收支测算" in message(session, "Q105", last_year_only.id)


def test_q106_elimination_with_a_guarantee_unmet(session, tree):
    unsafe_house = household(session, **ELIMINATED, measurement={"unsafe_house": True, "unsafe_water": True})
    uninsured = household(session, member(name="王芳", insurance="none"), member(name="王强", relation="son"),
                          **{**ELIMINATED, "elimination_method": "natural"}, measurement={"wage_income": 9000})
    solved_since = household(session, **ELIMINATED, measurement={"year": 2025, "dropout": True})
    add_measurement(session, solved_since)
    gone_uninsured = household(session, member(), member(name="李四", insurance="none", left_on=date(2026, 5, 1)),
                               **ELIMINATED)
    still_monitored = household(session, member(insurance="none"), measurement={"dropout": True})
    found = tripped(session, "Q106")
    assert set(found) == {unsafe_house.id, uninsured.id}
    assert found[unsafe_house.id] == {"eliminated": "2026-10-01", "problems": "住房不安全；饮水不安全"}
    assert found[uninsured.id]["problems"] == "王芳未参加基本医疗保险"
    assert not {solved_since.id, gone_uninsured.id, still_monitored.id} & set(found)
    assert "但王芳未参加基本医疗保险" in message(session, "Q106", uninsured.id)


def test_q107_household_without_labour_capacity_eliminated(session, tree):
    unable = household(session, member(labour_skill="lost"), member(relation="spouse", labour_skill="none"),
                       **ELIMINATED)
    one_weak = household(session, member(labour_skill="lost"), member(relation="spouse", labour_skill="weak"),
                         **ELIMINATED)
    able_one_left = household(session, member(labour_skill="none"),
                              member(relation="son", labour_skill="ordinary", left_on=date(2026, 6, 1)),
                              **{**ELIMINATED, "elimination_method": "natural"})
    unrecorded = household(session, member(labour_skill="none"), member(relation="son", labour_skill=""),
                           **ELIMINATED)
    still_monitored = household(session, member(labour_skill="lost"))
    found = tripped(session, "Q107")
    assert set(found) == {unable.id, able_one_left.id}
    assert found[unable.id] == {"size": 2, "eliminated": "2026-10-01"}
    assert found[able_one_left.id]["size"] == 1
    assert not {one_weak.id, unrecorded.id, still_monitored.id} & set(found)
    assert "全家 2 名成员均为丧失劳动力或无劳动力" in message(session, "Q107", unable.id)


def test_an_elimination_without_its_date_is_found_not_failed(session, tree):
    undated = household(session, member(labour_skill="none", insurance="none"), monitoring_status="eliminated",
                        elimination_method="assisted", eliminated_on=None)
    for code in ("Q104", "Q105", "Q106", "Q107"):
        assert tripped(session, code)[undated.id]["eliminated"] == "未登记日期", code
    assert "未登记日期 标注帮扶消除" in message(session, "Q104", undated.id)

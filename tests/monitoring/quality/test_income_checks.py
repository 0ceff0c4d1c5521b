"""Checks on income against measures and the line: each with a household that trips it and one that does not, on
both databases."""

from __future__ import annotations

from datetime import date

from tests.monitoring.quality.households import add_measurement, household, income_line, member, message, tripped

JOB = {"category": "employment", "subtype": "job_placement", "status": "in_progress"}
POST = {"category": "public_welfare_post", "subtype": "rural_public_post", "status": "done"}
ALLOWANCE = {"category": "social_security", "subtype": "subsistence_allowance", "status": "in_progress"}


def test_q401_wage_measures_without_wage_income(session, tree):
    no_wages = household(session, measures=(JOB, POST), measurement={"business_income": 5000})
    a_yuan = household(session, measures=(JOB,), measurement={"wage_income": 1})
    only_planned = household(session, measures=({**JOB, "status": "planned"},), measurement={})
    begun_next_year = household(session, measures=({**JOB, "start_on": date(2027, 1, 5)},), measurement={})
    ended_before = household(session, measures=({**POST, "start_on": date(2024, 3, 1), "end_on": date(2025, 12, 31)},),
                             measurement={})
    not_a_job = household(session, measures=({"category": "industry", "subtype": "other", "status": "done"},),
                          measurement={})
    found = tripped(session, "Q401")
    assert set(found) == {no_wages.id}
    assert found[no_wages.id] == {"year": 2026, "measures": "就业帮扶、公益岗位帮扶"}
    assert not {a_yuan.id, only_planned.id, begun_next_year.id, ended_before.id, not_a_job.id} & set(found)
    assert "2026 年有已实施的就业帮扶、公益岗位帮扶措施，但当年工资性收入为 0" in message(session, "Q401", no_wages.id)


def test_q402_safety_net_without_transfer_income(session, tree):
    no_transfers = household(session, measures=(ALLOWANCE,), measurement={"wage_income": 3000})
    last_year_paid = household(session, measures=({**ALLOWANCE, "start_on": date(2025, 1, 1)},),
                               measurement={"year": 2025, "transfer_income": 4000})
    add_measurement(session, last_year_paid, wage_income=3000)  # the latest, 2026, has no transfers
    paid = household(session, measures=(ALLOWANCE,), measurement={"transfer_income": 0.01})
    temporary_aid = household(session, measures=({**ALLOWANCE, "subtype": "temporary_assistance"},), measurement={})
    stopped = household(session, measures=({**ALLOWANCE, "status": "stopped"},), measurement={})
    found = tripped(session, "Q402")
    assert set(found) == {no_transfers.id, last_year_paid.id}
    assert found[no_transfers.id] == {"year": 2026, "measures": "综合保障"}
    assert not {paid.id, temporary_aid.id, stopped.id} & set(found)
    assert "享受综合保障（低保或特困供养），但当年转移性收入为 0" in message(session, "Q402", no_transfers.id)


def test_q403_former_poor_household_under_the_line_not_monitored(session, tree):
    income_line(session, 6000)
    former_poor = {"household_type": "poverty_alleviated", "monitoring_status": "not_monitored",
                   "monitoring_type": None, "risk_types": [], "monitored_since": None}
    under = household(session, member(name="张三"), member(relation="spouse", sex="female"), **former_poor,
                      measurement={"wage_income": 11999.98})
    at_the_line = household(session, **former_poor, measurement={"wage_income": 6000})
    never_poor = household(session, **{**former_poor, "household_type": "ordinary"}, measurement={"wage_income": 10})
    monitored = household(session, household_type="poverty_alleviated", monitoring_type="unstable",
                          measurement={"wage_income": 10})
    found = tripped(session, "Q403")
    assert set(found) == {under.id}
    assert found[under.id] == {"year": 2026, "income": "5999.99", "line": "6000.00"}
    assert not {at_the_line.id, never_poor.id, monitored.id} & set(found)
    assert "脱贫户 2026 年人均纯收入 5999.99 元，低于当年监测标准 6000.00 元，未纳入监测" in message(
        session, "Q403", under.id)


def test_q403_no_line_set_finds_nothing(session, tree):
    household(session, household_type="poverty_alleviated", monitoring_status="not_monitored", risk_types=[],
              measurement={"wage_income": 10})
    assert tripped(session, "Q403") == {}

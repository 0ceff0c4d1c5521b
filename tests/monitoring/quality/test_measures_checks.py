"""Checks on assistance measures: each with a household that trips it and one that does not, on both databases."""

from __future__ import annotations

from datetime import date

from tests.monitoring.quality.households import findings, household, member, message, tripped


def test_q201_monitored_over_a_month_without_a_measure(session, tree):
    over_a_month = household(session, monitored_since=date(2026, 10, 1))  # today is 2026-11-02
    stopped_only = household(session, monitored_since=date(2026, 3, 10), measures=({"status": "stopped"},))
    a_month_exactly = household(session, monitored_since=date(2026, 10, 2))
    planned = household(session, monitored_since=date(2026, 3, 10), measures=({"status": "planned"},))
    eliminated = household(session, monitoring_status="eliminated", elimination_method="natural",
                           eliminated_on=date(2026, 9, 30))
    found = tripped(session, "Q201")
    assert set(found) == {over_a_month.id, stopped_only.id}
    assert found[over_a_month.id] == {"identified": "2026-10-01"}
    assert not {a_month_exactly.id, planned.id, eliminated.id} & set(found)
    assert "2026-10-01 纳入监测，至今超过 1 个月" in message(session, "Q201", over_a_month.id)


def test_q201_month_counts_from_the_scopes_today(session, tree):
    end_of_january = household(session, monitored_since=date(2026, 1, 31))
    assert end_of_january.id not in tripped(session, "Q201", today=date(2026, 2, 28))  # a month is to 28 Feb
    assert end_of_january.id in tripped(session, "Q201", today=date(2026, 3, 1))


def test_q202_risk_type_without_its_fitting_measure(session, tree):
    health_only = household(session, risk_types=["illness", "housing", "disaster"],
                            measures=({"category": "health"},))
    stopped_fit = household(session, risk_types=["housing"],
                            measures=({"category": "industry"},
                                      {"category": "housing_security", "subtype": "other", "status": "stopped"}))
    fitting = household(session, risk_types=["illness", "housing"],
                        measures=({"category": "social_assistance", "subtype": "paired_assistance"},
                                  {"category": "relocation", "subtype": "resettlement", "status": "planned"}))
    no_plan = household(session, risk_types=["housing"])  # Q201's
    found = tripped(session, "Q202")
    assert set(found) == {health_only.id, stopped_fit.id}
    assert found[health_only.id] == {"risk": "因安全住房", "fitting": "住房安全保障或搬迁"}
    assert not {fitting.id, no_plan.id} & set(found)
    assert "风险类型“因安全住房”没有对应的帮扶措施，应有住房安全保障或搬迁" in message(
        session, "Q202", stopped_fit.id, "risk:housing")


def test_q202_finds_each_risk_type_apart(session, tree):
    two_risks = household(session, risk_types=["water", "schooling"], measures=({"category": "industry"},))
    assert set(findings(session, "Q202")) == {(two_risks.id, "risk:schooling"), (two_risks.id, "risk:water")}


def test_q203_household_able_to_work_on_social_security_only(session, tree):
    social_security = ({"category": "social_security", "subtype": "subsistence_allowance"},)
    only_protective = household(session, member(), member(relation="spouse", labour_skill="weak"),
                                measures=social_security)
    with_a_job = household(session, measures=(*social_security, {"category": "employment", "subtype": "job_placement",
                                                                  "status": "planned"}))
    job_stopped = household(session, measures=(*social_security, {"category": "employment", "status": "stopped",
                                                                   "subtype": "job_placement"}))
    unable = household(session, member(labour_skill="lost"), member(relation="spouse", labour_skill="none"),
                       measures=social_security)
    found = tripped(session, "Q203")
    assert set(found) == {only_protective.id, job_stopped.id}
    assert found[only_protective.id] == {"able": 2}
    assert not {with_a_job.id, unable.id} & set(found)
    assert "家庭有 2 名有劳动能力的成员，帮扶措施只有综合保障" in message(session, "Q203", only_protective.id)

"""The plan's rules (domain.md §5): each warning with its code and a reason naming the risk type or measure."""

from monitoring.assistance_rules import check_plan, labour_capacity
from monitoring.models import Household, Measure, Member


def household(risks, *skills):
    return Household(risk_types=list(risks), members=[Member(name=f"成员{i}", labour_skill=s, relation="head")
                                                      for i, s in enumerate(skills)])


def measure(category, subtype="other", status="in_progress"):
    return Measure(category=category, subtype=subtype, status=status)


def codes(check):
    return [w.code for w in check.warnings]


def test_each_risk_type_needs_a_fitting_measure_named_in_the_reason():
    check = check_plan(household(["illness", "water"], "ordinary"), [measure("employment"), measure("health")])
    assert codes(check) == ["risk_without_measure"]
    assert "因安全饮水" in check.warnings[0].message and "饮水安全保障" in check.warnings[0].message
    fitted = check_plan(household(["schooling"], "ordinary"), [measure("employment"), measure("other_education")])
    assert codes(fitted) == []


def test_a_stopped_measure_does_not_answer_a_risk():
    check = check_plan(household(["housing"], "ordinary"),
                       [measure("industry"), measure("housing_security", status="stopped")])
    assert codes(check) == ["risk_without_measure"] and "住房安全保障或搬迁" in check.warnings[0].message


def test_a_single_risk_with_several_protective_measures_is_a_welfare_trap():
    check = check_plan(household(["illness"], "ordinary"),
                       [measure("industry"), measure("health"), measure("social_security", "disability_subsidy")])
    assert codes(check) == ["single_risk_many_measures"]
    assert "因病" in check.warnings[0].message and "福利陷阱" in check.warnings[0].message
    # a development measure beside the fitting one is no trap
    assert codes(check_plan(household(["illness"], "ordinary"), [measure("industry"), measure("health")])) == []


def test_a_household_able_to_work_needs_a_development_measure_and_never_only_social_security():
    only_security = check_plan(household(["disability"], "weak", "lost"),
                               [measure("social_security", "disability_subsidy")])
    assert codes(only_security) == ["only_social_security"]
    no_development = check_plan(household(["illness"], "skilled"), [measure("health")])
    assert codes(no_development) == ["no_development_measure"]
    assert "产业帮扶" in no_development.warnings[0].message


def test_a_household_without_labour_capacity_gets_subsistence_or_extreme_poverty_support_and_is_flagged():
    unable = household(["disability"], "lost", "none")
    missing = check_plan(unable, [measure("social_security", "disability_subsidy")])
    assert codes(missing) == ["no_safety_net"] and not missing.safety_net_household
    kept = check_plan(unable, [measure("social_security", "subsistence_allowance")])
    assert codes(kept) == [] and kept.safety_net_household
    stopped = check_plan(unable, [measure("social_security", "extreme_poverty_support", status="stopped")])
    assert codes(stopped) == ["risk_without_measure", "no_safety_net"]


def test_labour_capacity_unknown_when_no_skill_is_recorded():
    assert labour_capacity(household([], "", "")) is None
    assert labour_capacity(household([], "none", "weak")) is True
    assert codes(check_plan(household([], ""), [])) == []

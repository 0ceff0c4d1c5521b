"""Checks on risk types and labour: each with a household that trips it and one that does not, on both databases."""

from __future__ import annotations

from datetime import date

from tests.monitoring.quality.households import findings, household, member, message, tripped


def test_q301_disability_without_a_disabled_member(session, tree):
    none_disabled = household(session, member(), member(relation="spouse", sex="female", health=["chronic"]),
                              risk_types=["disability"])
    disabled_left = household(session, member(), member(relation="son", health=["disabled"], left_on=date(2026, 5, 1)),
                              risk_types=["illness", "disability"])
    by_health = household(session, member(health=["chronic", "disabled"]), risk_types=["disability"])
    by_certificate = household(session, member(health=[], disability="肢体残疾"), risk_types=["disability"])
    not_the_risk = household(session, risk_types=["illness"])
    eliminated = household(session, risk_types=["disability"], monitoring_status="eliminated",
                           elimination_method="natural", eliminated_on=date(2026, 9, 1))
    found = tripped(session, "Q301")
    assert set(found) == {none_disabled.id, disabled_left.id}
    assert found[none_disabled.id] == {"size": 2}
    assert not {by_health.id, by_certificate.id, not_the_risk.id, eliminated.id} & set(found)
    assert "风险类型为因残，但 1 名在册成员均未登记残疾" in message(session, "Q301", disabled_left.id)


def test_q302_illness_without_an_ill_member_or_a_medical_expense(session, tree):
    never_measured = household(session, risk_types=["illness"])
    no_expense = household(session, member(health=["disabled"]), risk_types=["illness"],
                           measurement={"medical_expense": 0, "wage_income": 9000})
    chronic = household(session, member(), member(relation="mother", sex="female", health=["chronic"]),
                        risk_types=["illness"])
    serious = household(session, member(health=["serious_illness", "disabled"]), risk_types=["illness"])
    a_yuan = household(session, risk_types=["illness"], measurement={"medical_expense": 1})
    found = tripped(session, "Q302")
    assert set(found) == {never_measured.id, no_expense.id}
    assert found[never_measured.id] == {"expense": "且没有收支测算"}
    assert found[no_expense.id] == {"expense": "2026 年医疗支出为 0"}
    assert not {chronic.id, serious.id, a_yuan.id} & set(found)
    assert "在册成员均未登记长期慢性病或大病，2026 年医疗支出为 0" in message(session, "Q302", no_expense.id)


def test_q303_labour_shortage_while_most_members_can_work(session, tree):
    two_of_three = household(session, member(), member(relation="spouse", sex="female", labour_skill="weak"),
                             member(relation="son", labour_skill="none"), risk_types=["labour_shortage"])
    half = household(session, member(), member(relation="spouse", sex="female", labour_skill="lost"),
                     risk_types=["labour_shortage"])
    other_risk = household(session, member(), risk_types=["illness"])
    found = tripped(session, "Q303")
    assert set(found) == {two_of_three.id}
    assert found[two_of_three.id] == {"able": 2, "size": 3}
    assert half.id not in found and other_risk.id not in found
    assert "3 名在册成员中 2 名有劳动能力" in message(session, "Q303", two_of_three.id)


def test_q304_monitored_without_a_risk_type(session, tree):
    no_risk = household(session, risk_types=[])
    with_risk = household(session, risk_types=["other"])
    not_monitored = household(session, risk_types=[], monitoring_status="not_monitored", monitoring_type=None,
                              monitored_since=None)
    found = tripped(session, "Q304")
    assert set(found) == {no_risk.id}
    assert found[no_risk.id] == {"identified": "2026-03-10"}
    assert with_risk.id not in found and not_monitored.id not in found
    assert "未登记风险类型" in message(session, "Q304", no_risk.id)


def test_q305_under_16_counted_as_labour(session, tree):
    # today is 2026-11-02: born 2010-11-03 is 15, born 2010-11-02 turns 16 today
    a_day_short = member(name="小明", relation="son", born=date(2010, 11, 3), labour_skill="weak")
    sixteen_today = member(relation="daughter", sex="female", born=date(2010, 11, 2), labour_skill="ordinary")
    child_without = member(relation="son", born=date(2015, 1, 1), labour_skill="none")
    no_such_day = member(relation="son", id_number="150223201102300017", labour_skill="weak")  # Q501's, no age
    family = household(session, member(), a_day_short, sixteen_today, child_without, no_such_day)
    found = findings(session, "Q305")
    assert set(found) == {(family.id, f"member:{a_day_short.id}")}
    figures, said = found[family.id, f"member:{a_day_short.id}"]
    assert figures == {"name": "小明", "age": 15, "skill": "弱劳动力或半劳动力"}
    assert "小明 15 周岁，未满 16 周岁，劳动技能登记为“弱劳动力或半劳动力”" in said


def test_q306_healthy_adult_counted_without_labour(session, tree):
    idle = member(name="王五", relation="son", born=date(1990, 5, 1), labour_skill="none")
    sixteen_today = member(name="赵六", relation="daughter", sex="female", born=date(2010, 11, 2), labour_skill="lost")
    fifty_nine = member(relation="spouse", sex="female", born=date(1966, 11, 3), labour_skill="lost")
    sixty_today = member(relation="father", born=date(1966, 11, 2), labour_skill="none")
    at_school = member(relation="son", born=date(2008, 1, 1), schooling="senior_high_3", labour_skill="none")
    ill = member(relation="mother", sex="female", born=date(1970, 1, 1), health=["chronic"], labour_skill="lost")
    family = household(session, member(), idle, sixteen_today, fifty_nine, sixty_today, at_school, ill)
    found = findings(session, "Q306")
    assert set(found) == {(family.id, f"member:{m.id}") for m in (idle, sixteen_today, fifty_nine)}
    figures, said = found[family.id, f"member:{idle.id}"]
    assert figures == {"name": "王五", "age": 36, "skill": "无劳动力"}
    assert "王五 36 周岁，健康、不在校，劳动技能登记为“无劳动力”" in said
    assert found[family.id, f"member:{sixteen_today.id}"][0]["age"] == 16


def test_q307_other_without_a_note(session, tree):
    unsaid = household(session, risk_types=["illness", "other"])
    blank = household(session, risk_types=["other"], risk_note="  ")
    said = household(session, risk_types=["other"], risk_note="家中牲畜大量死亡")
    no_other = household(session, risk_types=["illness"])
    found = tripped(session, "Q307")
    assert set(found) == {unsaid.id, blank.id}
    assert said.id not in found and no_other.id not in found
    assert "风险类型含“其他”，但未写明具体是什么风险" in message(session, "Q307", unsaid.id)

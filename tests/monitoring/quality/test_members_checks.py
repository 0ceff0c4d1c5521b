"""Checks on members' ID numbers and relations: each with a member who trips it and one who does not, on both
databases."""

from __future__ import annotations

from datetime import date

from sqlalchemy import String, literal, select

from monitoring.id_number import check_digit, check_id_number
from monitoring.quality.checks.identity import valid_id_number
from tests.monitoring.quality.households import findings, household, id_number, member


def _ending_in_x() -> str:
    """A valid ID number whose check character is X."""
    for sequence in range(1000):
        first17 = f"15022319750615{sequence:03d}"
        if check_digit(first17) == "X":
            return first17 + "X"
    raise AssertionError("no sequence gives X")


def test_q501_invalid_id_number(session, tree):
    right = id_number()
    wrong_digit = member(name="李雷", id_number=right[:17] + ("0" if right[17] != "0" else "1"))
    no_such_day = member(name="韩梅", relation="spouse", sex="female", id_number="150223198002300021")
    valid = member(relation="son", id_number=right)
    lower_x = member(relation="daughter", sex="female", id_number=_ending_in_x().lower())
    gone = member(relation="father", id_number="150223195002300011", left_on=date(2026, 1, 1))
    family = household(session, wrong_digit, no_such_day, valid, lower_x, gone)
    found = findings(session, "Q501")
    assert set(found) == {(family.id, f"member:{wrong_digit.id}"), (family.id, f"member:{no_such_day.id}")}
    figures, said = found[family.id, f"member:{wrong_digit.id}"]
    assert figures == {"name": "李雷", "problem": f"校验位错误，应为{right[17]}"}
    assert said == f"李雷 的身份证号校验位错误，应为{right[17]}" and right not in said
    assert found[family.id, f"member:{no_such_day.id}"][0]["problem"] == "出生日期无效"


def test_q502_id_number_held_by_another_present_member(session, tree):
    number = _ending_in_x()
    first = household(session, member(id_number=number))
    spelt_lower = member(name="王小", id_number=number.lower())
    second = household(session, spelt_lower, village_code="150223200201",
                       place_path="/150000000000/150223000000/150223200000/150223200201/")
    other = _ending_in_x().replace("19750615", "19750616")  # another person, lower-case, alone on the rolls
    alone = household(session, member(id_number=other[:17] + "x"))
    twin_left = _ending_in_x().replace("19750615", "19750617")
    household(session, member(id_number=twin_left, left_on=date(2025, 1, 1)), member(relation="son"))
    left = household(session, member(id_number=twin_left.lower()))  # the upper-case one left its household
    found = findings(session, "Q502")
    assert set(found) == {(second.id, f"member:{spelt_lower.id}")}
    figures, said = found[second.id, f"member:{spelt_lower.id}"]
    assert figures == {"name": "王小"} and "与另一名在册成员相同" in said
    assert not {first.id, alone.id, left.id} & {household_id for household_id, _ in found}


def test_q503_relation_against_sex(session, tree):
    son_female = member(name="刘丽", relation="son", sex="female")
    mother_male = member(relation="mother", sex="male")
    daughter = member(relation="daughter", sex="female")
    unknown_sex = member(relation="father", sex="")
    family = household(session, member(), son_female, mother_male, daughter, unknown_sex)
    found = findings(session, "Q503")
    assert set(found) == {(family.id, f"member:{son_female.id}"), (family.id, f"member:{mother_male.id}")}
    figures, said = found[family.id, f"member:{son_female.id}"]
    assert figures == {"name": "刘丽", "relation": "之子", "sex": "女"}
    assert said == "刘丽 与户主关系为“之子”，性别却登记为女"


def test_q504_spouse_of_the_heads_sex(session, tree):
    same = member(name="周敏", relation="spouse", sex="female")
    two_women = household(session, member(name="吴芳", sex="female"), same)
    usual = household(session, member(), member(relation="spouse", sex="female"))
    former_spouse = household(session, member(), member(relation="spouse", sex="male", left_on=date(2025, 1, 1)))
    unknown_code = household(session, member(sex="M"), member(relation="spouse", sex="M"))  # no sex to compare
    found = findings(session, "Q504")
    assert set(found) == {(two_women.id, f"member:{same.id}")}
    assert found[two_women.id, f"member:{same.id}"] == (
        {"name": "周敏", "head": "吴芳", "sex": "女"}, "配偶 周敏 与户主 吴芳 性别均登记为女")
    assert not {usual.id, former_spouse.id, unknown_code.id} & {household_id for household_id, _ in found}


def test_q505_younger_generation_born_before_an_elder(session, tree):
    head = member(name="赵大", born=date(1980, 5, 10))
    older_son = member(name="赵小", relation="son", born=date(1980, 5, 9))
    twin_born = member(relation="daughter", sex="female", born=date(1980, 5, 10))  # the same day: not before
    father = member(name="赵老", relation="father", born=date(1981, 1, 1))  # younger than the head
    daughter_in_law = member(relation="daughter_in_law", sex="female", born=date(1970, 1, 1))  # not compared
    # birth digits before any a resident ID may carry, or a number too short: no birth to compare (Q501's findings)
    too_early = member(relation="grandson", id_number="150223187901010011")
    too_short = member(relation="granddaughter", sex="female", id_number="15022319010101002")
    family = household(session, head, older_son, twin_born, father, daughter_in_law, too_early, too_short)
    found = findings(session, "Q505")
    assert set(found) == {(family.id, f"members:{older_son.id},{head.id}"),
                          (family.id, f"members:{older_son.id},{father.id}"),
                          (family.id, f"members:{head.id},{father.id}"),
                          (family.id, f"members:{twin_born.id},{father.id}")}
    figures, said = found[family.id, f"members:{older_son.id},{head.id}"]
    assert figures == {"name": "赵小", "relation": "之子", "born": "1980-05-09", "elder": "赵大",
                       "elder_relation": "户主", "elder_born": "1980-05-10"}
    assert said == "赵小（之子）出生于 1980-05-09，早于赵大（户主）的 1980-05-10"


def test_valid_id_number_in_sql_agrees_with_the_forms_check(session, tree):
    """The SQL that selects Q501's members says "valid" exactly where ``check_id_number`` does, on both databases."""
    today = date(2026, 11, 2)
    good = id_number(date(1980, 1, 1))

    def with_check(first17: str) -> str:
        return first17 + check_digit(first17)

    numbers = [good, good[:17] + ("1" if good[17] != "1" else "2"), good[:17], good + "0", "A" + good[1:],
               good[:5] + "A" + good[6:], good[:17] + "Y", _ending_in_x(), _ending_in_x().lower(),
               with_check("15022320000229001"), with_check("15022319000229001"), with_check("15022319960229001"),
               with_check("15022319800431001"), with_check("15022319800430001"), with_check("15022319801301001"),
               with_check("15022319800001001"), with_check("15022319800100001"), with_check("15022318791231001"),
               with_check("15022318800101001"), with_check("15022320261102001"), with_check("15022320261103001"),
               with_check("99022319800101001"), with_check("81022319800101001"), "", "1" * 18,
               with_check("15022319801231001"), with_check("15022319800132001")]
    for number in numbers:
        valid = valid_id_number(session.get_bind().dialect.name, literal(number, String), today)
        in_sql = session.execute(select(valid)).scalar_one()
        assert bool(in_sql) == (check_id_number(number, today) is None), number

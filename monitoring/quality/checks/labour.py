"""Checks on a member's labour skill against age (劳动技能与年龄, domain.md §11 "labour capacity inconsistent with
age"): the age is read from the ID number's birth digits, as the national system's export reads it. One finding per
member; only present members, of every household."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import Session

from monitoring.assistance_rules import UNABLE_TO_WORK_SKILLS
from monitoring.codes import ABLE_TO_WORK_SKILLS, label
from monitoring.models import Household, Member
from monitoring.quality.catalogue import CheckScope, Severity, Trip, check
from monitoring.quality.checks.common import (
    age_on,
    birth_digits,
    birth_known,
    digits_of,
    json_list_has,
    present,
    years_before,
)
from monitoring.quality.records import live_households

LABOUR_AGE = (16, 60)  # 劳动年龄: from the 16th birthday to the day before the 60th


def _members(scope: CheckScope, *conditions: ColumnElement[bool]) -> Select:
    birth = birth_digits(Member.id_number)
    return (select(Member.household_id, Member.id, Member.name, birth, Member.labour_skill)
            .join(Household, Household.id == Member.household_id)
            .where(live_households(scope), present(), birth_known(Member.id_number, scope.today), *conditions)
            .order_by(Member.household_id, Member.id))


def _trips(session: Session, scope: CheckScope, statement: Select) -> Iterator[Trip]:
    for household_id, member_id, name, birth, skill in session.execute(statement):
        age = age_on(birth, scope.today)
        if age is not None:
            yield Trip(household_id, {"name": name, "age": age, "skill": label("labour_skill", skill)},
                       f"member:{member_id}")


@check("Q305", Severity.ERROR, "未满16周岁计为劳动力",
       "{name} {age} 周岁，未满 16 周岁，劳动技能登记为“{skill}”：未成年人不计为劳动力",
       ("labour_skill",),
       "《中华人民共和国劳动法》第十五条（禁止招用未满十六周岁的未成年人）；各省问题数据清洗规则")
def minor_counted_as_labour(session: Session, scope: CheckScope) -> Iterator[Trip]:
    born_after = digits_of(years_before(scope.today, LABOUR_AGE[0]))
    yield from _trips(session, scope, _members(
        scope, birth_digits(Member.id_number) > born_after, Member.labour_skill.in_(ABLE_TO_WORK_SKILLS)))


@check("Q306", Severity.WARNING, "劳动年龄内健康成员计为无劳动力",
       "{name} {age} 周岁，健康、不在校，劳动技能登记为“{skill}”：请核实是否有劳动能力",
       ("labour_skill", "health", "schooling"),
       "各省问题数据清洗规则（劳动能力与年龄、健康状况不符）；domain.md §11")
def healthy_adult_without_labour(session: Session, scope: CheckScope) -> Iterator[Trip]:
    """Of labour age (16 to 59), health 健康 (a code no other combines with), no schooling, and 丧失劳动力 or
    无劳动力."""
    youngest, oldest = (digits_of(years_before(scope.today, years)) for years in LABOUR_AGE)
    birth = birth_digits(Member.id_number)
    yield from _trips(session, scope, _members(
        scope, birth <= youngest, birth > oldest, Member.schooling == "",
        Member.labour_skill.in_(UNABLE_TO_WORK_SKILLS), json_list_has(session, Member.health, ("healthy",))))

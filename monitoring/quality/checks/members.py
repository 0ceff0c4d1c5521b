"""Checks on members' relation to the head against sex and age (与户主关系, domain.md §11 "relation inconsistent
with sex or age"): only present members, of every household; the age is the ID number's birth digits."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import and_, case, or_, select
from sqlalchemy.orm import Session, aliased

from monitoring.codes import label
from monitoring.models import Household, Member
from monitoring.quality.catalogue import CheckScope, Severity, Trip, check
from monitoring.quality.checks.common import birth_digits, birth_known, born_on, present
from monitoring.quality.records import live_households

SEXES = ("male", "female")  # a code the sex list does not hold is no sex to compare (and has no label)
MALE_RELATIONS = ("son", "son_in_law", "grandson", "daughters_son", "great_grandson", "father", "wifes_father",
                  "husbands_father", "paternal_grandfather", "maternal_grandfather")
FEMALE_RELATIONS = ("daughter", "daughter_in_law", "granddaughter", "daughters_daughter", "great_granddaughter",
                    "mother", "wifes_mother", "husbands_mother", "paternal_grandmother", "maternal_grandmother")
# Generations from the head, for the head's blood relations and spouse: a later generation is born after an earlier
# one. In-laws and siblings are left out (a second marriage can make a daughter-in-law older than the head's wife).
GENERATIONS = {"head": 0, "spouse": 0, "son": 1, "daughter": 1, "grandson": 2, "granddaughter": 2,
               "daughters_son": 2, "daughters_daughter": 2, "great_grandson": 3, "great_granddaughter": 3,
               "father": -1, "mother": -1, "paternal_grandfather": -2, "paternal_grandmother": -2,
               "maternal_grandfather": -2, "maternal_grandmother": -2}


@check("Q503", Severity.ERROR, "与户主关系与性别不符",
       "{name} 与户主关系为“{relation}”，性别却登记为{sex}",
       ("relation", "sex"),
       "附件7 成员信息（与户主关系、性别）；各省问题数据清洗规则（关系与性别不符）")
def relation_against_sex(session: Session, scope: CheckScope) -> Iterator[Trip]:
    rows = session.execute(
        select(Member.household_id, Member.id, Member.name, Member.relation, Member.sex)
        .join(Household, Household.id == Member.household_id)
        .where(live_households(scope), present(),
               or_(and_(Member.relation.in_(MALE_RELATIONS), Member.sex == "female"),
                   and_(Member.relation.in_(FEMALE_RELATIONS), Member.sex == "male"))))
    for household_id, member_id, name, relation, sex in rows:
        yield Trip(household_id, {"name": name, "relation": label("relation", relation), "sex": label("sex", sex)},
                   f"member:{member_id}")


@check("Q504", Severity.ERROR, "配偶与户主性别相同",
       "配偶 {name} 与户主 {head} 性别均登记为{sex}",
       ("relation", "sex"),
       "附件7 成员信息（与户主关系、性别）；各省问题数据清洗规则（关系与性别不符）")
def spouse_of_the_heads_sex(session: Session, scope: CheckScope) -> Iterator[Trip]:
    head = aliased(Member)
    rows = session.execute(
        select(Member.household_id, Member.id, Member.name, head.name, Member.sex)
        .join(Household, Household.id == Member.household_id)
        .join(head, and_(head.household_id == Member.household_id, present(head), head.relation == "head"))
        .where(live_households(scope), present(), Member.relation == "spouse", Member.sex.in_(SEXES),
               Member.sex == head.sex))
    for household_id, member_id, name, head_name, sex in rows:
        yield Trip(household_id, {"name": name, "head": head_name, "sex": label("sex", sex)}, f"member:{member_id}")


@check("Q505", Severity.ERROR, "晚辈出生早于长辈",
       "{name}（{relation}）出生于 {born}，早于{elder}（{elder_relation}）的 {elder_born}",
       ("relation", "id_number"),
       "附件7 成员信息（与户主关系、身份证号）；各省问题数据清洗规则（关系与年龄不符）")
def younger_generation_born_first(session: Session, scope: CheckScope) -> Iterator[Trip]:
    """One finding per pair: a member of a later generation born before (not on the same day as) one of an earlier
    generation, both with birth digits a resident ID may carry."""
    elder = aliased(Member)
    younger_birth, elder_birth = birth_digits(Member.id_number), birth_digits(elder.id_number)
    rows = session.execute(
        select(Member.household_id, Member.id, Member.name, Member.relation, younger_birth,
               elder.id, elder.name, elder.relation, elder_birth)
        .join(Household, Household.id == Member.household_id)
        .join(elder, and_(elder.household_id == Member.household_id, present(elder),
                          birth_known(elder.id_number, scope.today)))
        .where(live_households(scope), present(), birth_known(Member.id_number, scope.today),
               case(GENERATIONS, value=Member.relation) > case(GENERATIONS, value=elder.relation),
               younger_birth < elder_birth)
        .order_by(Member.household_id, Member.id, elder.id))
    for household_id, member_id, name, relation, born, elder_id, elder_name, elder_relation, elder_born in rows:
        yield Trip(household_id, {"name": name, "relation": label("relation", relation), "born": born_on(born),
                                  "elder": elder_name, "elder_relation": label("relation", elder_relation),
                                  "elder_born": born_on(elder_born)}, f"members:{member_id},{elder_id}")

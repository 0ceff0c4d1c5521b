"""Checks on a monitored household's risk types (风险类型, domain.md §10): each must be borne out by the members or
the measurement, and a monitoring object has at least one. Eliminated households are left out: their risk types
tell why they were monitored, and the members may have changed since. 其他 says what it stands for (Q307)."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import ColumnElement, and_, exists, func, select
from sqlalchemy.orm import Session

from monitoring.household_copies import HouseholdRisk
from monitoring.models import OTHER_RISK, Household, Measurement, Member
from monitoring.quality.catalogue import CheckScope, Severity, Trip, check
from monitoring.quality.checks.common import (
    MONITORED,
    able_members,
    day_of,
    household_size,
    json_list_has,
    latest,
    present,
)
from monitoring.quality.records import live_households

ILL = ("chronic", "serious_illness")


def _monitored_with_risk(scope: CheckScope, risk: str) -> tuple:
    return (live_households(scope), Household.monitoring_status == MONITORED,
            exists().where(HouseholdRisk.household_id == Household.id, HouseholdRisk.risk_type == risk))


def _no_member(*conditions: ColumnElement[bool]) -> ColumnElement[bool]:
    """No present member of the household meets the conditions."""
    return ~exists().where(Member.household_id == Household.id, present(), *conditions)


@check("Q301", Severity.ERROR, "因残但无残疾成员",
       "风险类型为因残，但 {size} 名在册成员均未登记残疾（健康状况或残疾证号）",
       ("risk_types", "health", "disability"),
       "《防止返贫监测信息采集表》（附件7）风险类型与成员健康状况一致；各省问题数据清洗规则")
def disability_without_disabled_member(session: Session, scope: CheckScope) -> Iterator[Trip]:
    size = household_size()
    rows = session.execute(
        select(Household.id, size)
        .where(*_monitored_with_risk(scope, "disability"),
               _no_member(json_list_has(session, Member.health, ("disabled",)) | (Member.disability != ""))))
    for household_id, members in rows:
        yield Trip(household_id, {"size": members})


@check("Q302", Severity.ERROR, "因病但无患病成员且无医疗支出",
       "风险类型为因病，但在册成员均未登记长期慢性病或大病，{expense}",
       ("risk_types", "health", "medical_expense"),
       "附件7 风险类型与成员健康状况、医疗支出一致；各省问题数据清洗规则")
def illness_without_ill_member(session: Session, scope: CheckScope) -> Iterator[Trip]:
    """The medical expense is the latest measurement's; a household never measured has none."""
    rows = session.execute(
        select(Household.id, Measurement.year).select_from(Household)
        .outerjoin(Measurement, and_(Measurement.household_id == Household.id, latest(Measurement)))
        .where(*_monitored_with_risk(scope, "illness"), _no_member(json_list_has(session, Member.health, ILL)),
               func.coalesce(Measurement.medical_expense, 0) == 0))
    for household_id, year in rows:
        yield Trip(household_id, {"expense": "且没有收支测算" if year is None else f"{year} 年医疗支出为 0"})


@check("Q303", Severity.WARNING, "缺劳动力但多数成员有劳动能力",
       "风险类型为缺劳动力，但 {size} 名在册成员中 {able} 名有劳动能力",
       ("risk_types", "labour_skill"),
       "附件7 风险类型与成员劳动技能一致；各省问题数据清洗规则")
def labour_shortage_with_able_members(session: Session, scope: CheckScope) -> Iterator[Trip]:
    """Most: more than half of the present members are 普通、技能 or 弱劳动力."""
    able_count = able_members()
    size = household_size()
    rows = session.execute(
        select(Household.id, able_count, size)
        .where(*_monitored_with_risk(scope, "labour_shortage"), able_count * 2 > size))
    for household_id, count, members in rows:
        yield Trip(household_id, {"able": count, "size": members})


@check("Q304", Severity.ERROR, "监测对象无风险类型",
       "{identified} 纳入监测，未登记风险类型：监测对象应有 1 至 5 项风险类型",
       ("risk_types",),
       "方案四(一)8（录入监测对象类型、风险类型）；domain.md §10")
def monitored_without_risk_type(session: Session, scope: CheckScope) -> Iterator[Trip]:
    rows = session.execute(
        select(Household.id, Household.monitored_since)
        .where(live_households(scope), Household.monitoring_status == MONITORED,
               ~exists().where(HouseholdRisk.household_id == Household.id)))
    for household_id, identified in rows:
        yield Trip(household_id, {"identified": day_of(identified)})


@check("Q307", Severity.ERROR, "风险类型为其他但未说明",
       "风险类型含“其他”，但未写明具体是什么风险",
       ("risk_types", "risk_note"),
       "附件7 风险类型“其他”须注明；各省问题数据清洗规则")
def other_risk_without_note(session: Session, scope: CheckScope) -> Iterator[Trip]:
    """The note the entry form asks for with 其他 (``Household.risk_note``), missing or blank."""
    rows = session.execute(
        select(Household.id)
        .where(*_monitored_with_risk(scope, OTHER_RISK), func.trim(func.coalesce(Household.risk_note, "")) == ""))
    for (household_id,) in rows:
        yield Trip(household_id, {})

"""Checks on eliminated households (风险消除, domain.md §6 and §11)."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import ColumnElement, and_, exists, extract, or_, select
from sqlalchemy.orm import Session, aliased

from monitoring.assistance_rules import UNABLE_TO_WORK_SKILLS
from monitoring.models import Household, Measure, Measurement, Member
from monitoring.quality.catalogue import CheckScope, Severity, Trip, check
from monitoring.quality.checks.common import (
    ELIMINATED,
    carried_out,
    day_of,
    household_size,
    latest,
    measures_of,
    no_income,
    present,
    under_the_line,
    year_of,
)
from monitoring.quality.records import live_households, month_number
from monitoring.rules import GUARANTEE_FLAGS, GUARANTEE_LABELS

ASSISTED = "assisted"
GATE_MONTHS = 6  # monitored at least six months before an assisted elimination (domain.md §10, §11)


def _assisted() -> tuple[ColumnElement[bool], ...]:
    """Eliminated by assistance (帮扶消除)."""
    return Household.monitoring_status == ELIMINATED, Household.elimination_method == ASSISTED


@check("Q101", Severity.ERROR, "识别当月或次月即帮扶消除",
       "{identified} 纳入监测，{eliminated} 即标注帮扶消除（相隔 {months} 个月）：不得当月识别、当月或次月消除",
       ("eliminated_on", "elimination_method"),
       "《关于健全防止返贫动态监测和帮扶机制的指导意见》四(二)；各省问题数据清洗规则")
def eliminated_too_soon(session: Session, scope: CheckScope) -> Iterator[Trip]:
    months = (month_number(Household.eliminated_on) - month_number(Household.monitored_since)).label("months")
    rows = session.execute(
        select(Household.id, Household.monitored_since, Household.eliminated_on, months)
        .where(live_households(scope), *_assisted(), months <= 1))
    for household_id, identified, eliminated, apart in rows:
        yield Trip(household_id, {"identified": identified.isoformat(), "eliminated": eliminated.isoformat(),
                                  "months": int(apart)})


@check("Q102", Severity.WARNING, "监测不满6个月即帮扶消除",
       "{identified} 纳入监测，{eliminated} 即标注帮扶消除，监测不满 6 个月：帮扶消除前应监测满 6 个月",
       ("eliminated_on", "monitored_since"),
       "domain.md §10、§11 风险消除门槛（监测满6个月、至少1项已实施措施）")
def eliminated_before_six_months(session: Session, scope: CheckScope) -> Iterator[Trip]:
    """Six months counted by calendar: monitored since 10 March, the 9th of September is a day short. The first two
    months are Q101's (one finding for one fact). A start on the 31st reads its sixth month's shorter end as short
    by the day of the month; the few such eliminations a month-end shows are worth the look."""
    months = month_number(Household.eliminated_on) - month_number(Household.monitored_since)
    short_by_days = and_(months == GATE_MONTHS,
                         extract("day", Household.eliminated_on) < extract("day", Household.monitored_since))
    rows = session.execute(
        select(Household.id, Household.monitored_since, Household.eliminated_on)
        .where(live_households(scope), *_assisted(), months > 1, or_(months < GATE_MONTHS, short_by_days)))
    for household_id, identified, eliminated in rows:
        yield Trip(household_id, {"identified": identified.isoformat(), "eliminated": eliminated.isoformat()})


@check("Q103", Severity.ERROR, "帮扶消除户人均纯收入低于监测标准",
       "帮扶消除户 {year} 年人均纯收入 {income} 元，低于当年监测标准 {line} 元：收入未稳定超过监测标准不得消除",
       ("wage_income", "business_income", "property_income", "transfer_income", "business_expenses",
        "elimination_method"),
       "《内蒙古自治区健全防止返贫动态监测和帮扶机制工作方案》四(二)1（人均纯收入稳定超过当年监测标准）")
def eliminated_under_the_line(session: Session, scope: CheckScope) -> Iterator[Trip]:
    """The latest measurement (its year's line for the household's place), as the national export holds one year."""
    yield from under_the_line(session, scope, *_assisted())


@check("Q104", Severity.ERROR, "帮扶消除但无已实施的帮扶措施",
       "{eliminated} 标注帮扶消除，此前没有实施中或已完成的帮扶措施：帮扶消除须至少已实施 1 项措施",
       ("elimination_method", "measures"),
       "domain.md §10 风险消除方式（帮扶消除须至少1项已实施措施）；方案四(二)1（针对性帮扶措施已落实）")
def assisted_without_measure(session: Session, scope: CheckScope) -> Iterator[Trip]:
    """Carried out = in progress or done (a planned measure is a promise, a stopped one never counts), and begun on
    or before the elimination."""
    rows = session.execute(
        select(Household.id, Household.eliminated_on)
        .where(live_households(scope), *_assisted(),
               ~measures_of(Household, carried_out(), Measure.start_on <= Household.eliminated_on)))
    for household_id, eliminated in rows:
        yield Trip(household_id, {"eliminated": day_of(eliminated)})


@check("Q105", Severity.ERROR, "风险消除后收入信息为空",
       "{eliminated} 标注风险消除，{year} 年度{missing}：消除时应采集收支和“三保障”信息（附件7）",
       ("measurement", "wage_income", "business_income", "property_income", "transfer_income"),
       "方案四(二)5 系统标注（标注前采集收支和享受帮扶情况，附件7）")
def eliminated_without_income(session: Session, scope: CheckScope) -> Iterator[Trip]:
    """"Empty" as the tables can hold it: no measurement of the elimination's year, or one whose four income sources
    are all 0 (the form's defaults: a household living on nothing is not one whose risk is gone). The three
    guarantees are yes/no flags that default to "no problem", so they cannot be empty; their absence is the
    missing measurement."""
    year = year_of(Household.eliminated_on)
    rows = session.execute(
        select(Household.id, Household.eliminated_on, Measurement.id).select_from(Household)
        .outerjoin(Measurement, and_(Measurement.household_id == Household.id, Measurement.year == year))
        .where(live_households(scope), Household.monitoring_status == ELIMINATED,
               or_(Measurement.id.is_(None), no_income(Measurement))))
    for household_id, eliminated, measurement_id in rows:
        yield Trip(household_id, {"eliminated": day_of(eliminated), "year": eliminated.year if eliminated else "—",
                                  "missing": "没有收支测算" if measurement_id is None else "四项收入均为 0"})


@check("Q106", Severity.ERROR, "风险消除但“三保障”或饮水安全未解决",
       "已于 {eliminated} 标注风险消除，但{problems}：“三保障”和饮水安全须已巩固",
       ("dropout", "uninsured_large_medical", "unsafe_house", "unsafe_water", "insurance"),
       "方案四(二)1（“三保障”和饮水安全巩固）")
def eliminated_with_guarantee_unmet(session: Session, scope: CheckScope) -> Iterator[Trip]:
    """The latest measurement's flags, and each present member whose insurance is 未参保, one finding a household."""
    uninsured = aliased(Member)
    flags = [getattr(Measurement, flag) for flag in GUARANTEE_FLAGS]
    rows = session.execute(
        select(Household.id, Household.eliminated_on, *flags, uninsured.name).select_from(Household)
        .outerjoin(Measurement, and_(Measurement.household_id == Household.id, latest(Measurement)))
        .outerjoin(uninsured, and_(uninsured.household_id == Household.id, present(uninsured),
                                   uninsured.insurance == "none"))
        .where(live_households(scope), Household.monitoring_status == ELIMINATED,
               or_(uninsured.id.is_not(None), *(flag.is_(True) for flag in flags)))
        .order_by(Household.id, uninsured.position, uninsured.id))
    found: dict[int, tuple[str, list[str], list[str]]] = {}
    for household_id, eliminated, *values, name in rows:
        problems = [GUARANTEE_LABELS[flag] for flag, value in zip(GUARANTEE_FLAGS, values, strict=True) if value]
        names = found.setdefault(household_id, (day_of(eliminated), problems, []))[2]
        if name is not None:
            names.append(name)
    for household_id, (eliminated, problems, names) in found.items():
        said = problems + ([f"{'、'.join(names)}未参加基本医疗保险"] if names else [])
        yield Trip(household_id, {"eliminated": eliminated, "problems": "；".join(said)})


@check("Q107", Severity.ERROR, "无劳动能力户标注风险消除",
       "全家 {size} 名成员均为丧失劳动力或无劳动力，已于 {eliminated} 标注风险消除：无劳动能力户应继续监测、兜底保障",
       ("monitoring_status", "labour_skill"),
       "方案四(二)（无劳动能力户落实综合保障后不标注风险消除）；domain.md §6")
def eliminated_without_labour(session: Session, scope: CheckScope) -> Iterator[Trip]:
    size = household_size()
    able = aliased(Member)
    rows = session.execute(
        select(Household.id, Household.eliminated_on, size)
        .where(live_households(scope), Household.monitoring_status == ELIMINATED, size > 0,
               ~exists().where(able.household_id == Household.id, present(able),
                                 able.labour_skill.not_in(UNABLE_TO_WORK_SKILLS))))
    for household_id, eliminated, members in rows:
        yield Trip(household_id, {"size": members, "eliminated": day_of(eliminated)})

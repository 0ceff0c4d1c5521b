"""Checks on income against the measures received and the line (收入与帮扶措施、监测标准, domain.md §2 and §11
"income inconsistent with the measures received"): the latest measurement (a household's highest year) against the
measures carried out during that year, and a former poor household under the line that nobody monitors."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import ColumnElement, and_, or_, select, tuple_
from sqlalchemy.orm import Session

from monitoring.codes import SAFETY_NET_SUBTYPES, codes
from monitoring.models import Household, Measure, Measurement, MonitoringStatus
from monitoring.quality.catalogue import CheckScope, Severity, Trip, check
from monitoring.quality.checks.common import (
    carried_out,
    labels,
    latest,
    under_the_line,
    year_of,
)
from monitoring.quality.records import live_households

WAGE_MEASURES = ("employment", "public_welfare_post")  # 就业帮扶, 公益岗位帮扶: they pay wages
POVERTY_ALLEVIATED = "poverty_alleviated"  # 脱贫户


def _during_measured_year() -> ColumnElement[bool]:
    """The measure was carried out within the latest measurement's year: begun by its end, not ended before it."""
    return and_(carried_out(), year_of(Measure.start_on) <= Measurement.year,
                or_(Measure.end_on.is_(None), year_of(Measure.end_on) >= Measurement.year))


def _income_against_measures(session: Session, scope: CheckScope, income: ColumnElement,
                             measures: ColumnElement[bool]) -> Iterator[Trip]:
    """One trip per household whose latest measurement has ``income`` 0 while a measure of ``measures`` ran that
    year, naming the year and the measures' categories."""
    rows = session.execute(
        select(Household.id, Measurement.year, Measure.category).distinct().select_from(Household)
        .join(Measurement, and_(Measurement.household_id == Household.id, latest(Measurement)))
        .join(Measure, Measure.household_id == Household.id)
        .where(live_households(scope), income == 0, measures, _during_measured_year())
        .order_by(Household.id))
    found: dict[int, tuple[int, set[str]]] = {}
    for household_id, year, category in rows:
        found.setdefault(household_id, (year, set()))[1].add(category)
    for household_id, (year, categories) in found.items():
        yield Trip(household_id, {"year": year, "measures": labels("assistance_measure", _in_list_order(categories))})


def _in_list_order(categories: set[str]) -> list[str]:
    """The categories in the code list's order, whatever order a database's collation gives."""
    return [code for code in codes("assistance_measure") if code in categories]


@check("Q401", Severity.WARNING, "有就业或公益岗位帮扶但无工资性收入",
       "{year} 年有已实施的{measures}措施，但当年工资性收入为 0",
       ("wage_income", "measures"),
       "附件7 收入与享受帮扶情况一致；各省问题数据清洗规则（收入与帮扶措施不符）")
def wage_measure_without_wages(session: Session, scope: CheckScope) -> Iterator[Trip]:
    yield from _income_against_measures(session, scope, Measurement.wage_income,
                                        Measure.category.in_(WAGE_MEASURES))


@check("Q402", Severity.ERROR, "享受低保或特困供养但无转移性收入",
       "{year} 年享受{measures}（低保或特困供养），但当年转移性收入为 0",
       ("transfer_income", "measures"),
       "附件7 收入与享受帮扶情况一致（低保金、特困供养金计入转移性收入）")
def safety_net_without_transfers(session: Session, scope: CheckScope) -> Iterator[Trip]:
    yield from _income_against_measures(session, scope, Measurement.transfer_income,
                                        tuple_(Measure.category, Measure.subtype).in_(sorted(SAFETY_NET_SUBTYPES)))


@check("Q403", Severity.ERROR, "脱贫户收入低于监测标准未纳入监测",
       "脱贫户 {year} 年人均纯收入 {income} 元，低于当年监测标准 {line} 元，未纳入监测：应纳尽纳",
       ("monitoring_status", "wage_income", "business_income", "property_income", "transfer_income"),
       "方案二(一)1 脱贫不稳定户（人均纯收入低于监测标准）；domain.md §2")
def poor_former_poor_not_monitored(session: Session, scope: CheckScope) -> Iterator[Trip]:
    """Not monitored: never identified or refused (an eliminated household under the line is Q103's when its
    elimination was assisted)."""
    yield from under_the_line(session, scope, Household.household_type == POVERTY_ALLEVIATED,
                              Household.monitoring_status == MonitoringStatus.NOT_MONITORED)

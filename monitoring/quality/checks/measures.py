"""Checks on assistance measures (帮扶措施, domain.md §5 and §11): a monitoring object without a plan, a plan that
does not answer a risk, a household able to work kept on 综合保障 alone. The rules are
``monitoring.assistance_rules``' (the warnings a plan gets when it is saved), run over the records."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from monitoring.assistance_rules import FITTING_MEASURES
from monitoring.codes import label
from monitoring.household_copies import HouseholdRisk
from monitoring.models import Household, Measure
from monitoring.quality.catalogue import CheckScope, Severity, Trip, check
from monitoring.quality.checks.common import (
    MONITORED,
    MONITORING_OBJECTS,
    able_members,
    current,
    labels,
    measures_of,
    months_before,
)
from monitoring.quality.records import live_households

ONLY_PROTECTIVE = "social_security"  # 综合保障


@check("Q201", Severity.ERROR, "纳入监测超过1个月无帮扶措施",
       "{identified} 纳入监测，至今超过 1 个月，尚无帮扶措施：应及时落实针对性帮扶",
       ("measures",),
       "方案四(一)8 及五（录入系统后由部门会商落实帮扶措施）")
def monitored_without_measure(session: Session, scope: CheckScope) -> Iterator[Trip]:
    """Over a month: identified before the same day of last month (the scope's today); a stopped measure is none."""
    rows = session.execute(
        select(Household.id, Household.monitored_since)
        .where(live_households(scope), Household.monitoring_status == MONITORED,
               Household.monitored_since < months_before(scope.today, 1), ~measures_of(Household, current())))
    for household_id, identified in rows:
        yield Trip(household_id, {"identified": identified.isoformat()})


@check("Q202", Severity.WARNING, "风险类型无对应帮扶措施",
       "风险类型“{risk}”没有对应的帮扶措施，应有{fitting}",
       ("risk_types", "measures"),
       "方案五（措施跟着风险走）；domain.md §11 风险—措施对应")
def risk_without_fitting_measure(session: Session, scope: CheckScope) -> Iterator[Trip]:
    """One finding per risk type of a plan (a household with a current measure) that has none of the categories
    ``FITTING_MEASURES`` names for it; a household with no plan at all is Q201's."""
    fits = or_(*(and_(HouseholdRisk.risk_type == risk, Measure.category.in_(categories))
                 for risk, categories in FITTING_MEASURES.items()))
    rows = session.execute(
        select(HouseholdRisk.household_id, HouseholdRisk.risk_type)
        .join(Household, Household.id == HouseholdRisk.household_id)
        .where(live_households(scope), Household.monitoring_status.in_(MONITORING_OBJECTS),
               HouseholdRisk.risk_type.in_(FITTING_MEASURES), measures_of(Household, current()),
               ~measures_of(Household, current(), fits))
        .order_by(HouseholdRisk.household_id, HouseholdRisk.risk_type))
    for household_id, risk in rows:
        yield Trip(household_id, {"risk": label("risk_type", risk),
                                  "fitting": labels("assistance_measure", FITTING_MEASURES[risk], "或")},
                   f"risk:{risk}")


@check("Q203", Severity.WARNING, "有劳动能力户只有综合保障措施",
       "家庭有 {able} 名有劳动能力的成员，帮扶措施只有综合保障：应有开发式帮扶（产业、就业、金融或公益岗位）",
       ("measures", "labour_skill"),
       "方案五（有劳动能力的实施开发式帮扶，避免福利陷阱）；domain.md §11")
def able_household_on_social_security_only(session: Session, scope: CheckScope) -> Iterator[Trip]:
    able_count = able_members()
    rows = session.execute(
        select(Household.id, able_count)
        .where(live_households(scope), Household.monitoring_status.in_(MONITORING_OBJECTS),
               measures_of(Household, current()),
               ~measures_of(Household, current(), Measure.category != ONLY_PROTECTIVE), able_count > 0))
    for household_id, count in rows:
        yield Trip(household_id, {"able": count})

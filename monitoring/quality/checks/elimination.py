"""Checks on eliminated households (风险消除, domain.md §6 and §11)."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitoring.models import Household, MonitoringStatus
from monitoring.quality.catalogue import CheckScope, Severity, Trip, check
from monitoring.quality.records import live_households, month_number

ASSISTED = "assisted"


@check("Q101", Severity.ERROR, "识别当月或次月即帮扶消除",
       "{identified} 纳入监测，{eliminated} 即标注帮扶消除（相隔 {months} 个月）：不得当月识别、当月或次月消除",
       ("eliminated_on", "elimination_method"),
       "《关于健全防止返贫动态监测和帮扶机制的指导意见》四(二)；各省问题数据清洗规则")
def eliminated_too_soon(session: Session, scope: CheckScope) -> Iterator[Trip]:
    months = (month_number(Household.eliminated_on) - month_number(Household.monitored_since)).label("months")
    rows = session.execute(
        select(Household.id, Household.monitored_since, Household.eliminated_on, months)
        .where(live_households(scope), Household.monitoring_status == MonitoringStatus.ELIMINATED,
               Household.elimination_method == ASSISTED, months <= 1))
    for household_id, identified, eliminated, apart in rows:
        yield Trip(household_id, {"identified": identified.isoformat(), "eliminated": eliminated.isoformat(),
                                  "months": int(apart)})

"""The demo's assistance plans: every monitored household gets a development measure, done by its department,
and a measure for each of its risks, under way (the county's consultation after system entry)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.assignment import Actor
from monitoring import measures, places
from monitoring.codes import MEASURE_LEAD_DEPARTMENTS
from monitoring.models import Household, Measure, MonitoringStatus, Role, User
from web.boundary import engine

DEVELOPMENT = ("employment", "public_welfare_post", "村级保洁公益岗位，每月工资500元", 6000)
# per risk type: category, sub-type, content (categories led by departments the demo has users for, or the county)
FOR_RISK = {
    "illness": ("social_assistance", "paired_assistance", "干部结对帮扶，协助办理大病医疗报销"),
    "schooling": ("other_education", "rain_dew_plan", "雨露计划职业教育补助"),
    "disability": ("social_security", "disability_subsidy", "残疾人两项补贴"),
    "housing": ("housing_security", "dangerous_house_renovation", "农村危房改造"),
}


def build_plans(session: Session) -> int:
    """Plan and record through the same functions as the pages; returns the number of measures."""
    county = _actor(session, Role.COUNTY, None)
    now, today = engine().now(), engine().today()
    count = 0
    monitored = session.execute(select(Household).where(Household.monitoring_status == MonitoringStatus.MONITORED)
                                .order_by(Household.id)).scalars().all()
    for household in monitored:
        start = (household.monitored_since or today).isoformat()
        category, subtype, content, amount = DEVELOPMENT
        work = _plan(session, county, household, category, subtype, content, start, amount)
        lead = _lead(session, county, work.department)
        measures.record_progress(session, lead, work.id, {"status": "in_progress"}, now, today)
        measures.record_progress(session, lead, work.id, {"status": "done", "done_on": today.isoformat(),
                                                          "result": "已上岗，按月发放工资"}, now, today)
        count += 1
        for risk in household.risk_types:
            if risk in FOR_RISK:
                fitting = _plan(session, county, household, *FOR_RISK[risk], start, None)
                measures.record_progress(session, _lead(session, county, fitting.department), fitting.id,
                                         {"status": "in_progress"}, now, today)
                count += 1
    return count


def _plan(session: Session, county: Actor, household: Household, category: str, subtype: str, content: str,
          start: str, amount: int | None) -> Measure:
    data = {"category": category, "subtype": subtype, "content": content, "responsible": "王建国",
            "department": MEASURE_LEAD_DEPARTMENTS[category], "start_on": start,
            "end_on": date(date.fromisoformat(start).year, 12, 31).isoformat(), "amount": amount}
    return measures.plan_measure(session, county, household.id, data, engine().now()).measure


def _lead(session: Session, county: Actor, department: str | None) -> Actor:
    return county if department is None else _actor(session, Role.DEPARTMENT, department)


def _actor(session: Session, role: str, department: str | None) -> Actor:
    query = select(User).where(User.role == role)
    if department is not None:
        query = query.where(User.department == department)
    return places.actor_for(session, session.execute(query.order_by(User.username).limit(1)).scalar_one())

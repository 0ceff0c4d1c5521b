"""The demo's annual campaign (年度动态管理), through the same use cases as ``/api/v1/campaigns`` and the task pages,
opened by the region ten days ago on a clock set back: 巴音敖包嘎查 checked every household, reported and was
approved; 新宝力格嘎查 reported and was sent back with a reason; 艾力嘎查 has checked half of its monitoring objects;
乌兰忽洞村 has not begun. The villages' deadline passed three days ago and the townships' yesterday, so each late
village's 督办 waits in its township's inbox and both townships stand overdue on the progress page."""

from __future__ import annotations

from datetime import timedelta

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import tasks, timers
from engine.core import Engine
from engine.models import Task, TaskState
from monitoring import campaign_worklist, campaigns
from monitoring.campaign_models import Campaign
from monitoring.models import Household, MonitoringStatus, Place
from web.boundary import unit_of_work
from web.demo_steps import Travel, day_at, user_actor

REGION = "150000000000"
APPROVED, RETURNED, PARTLY, UNTOUCHED = "150223200201", "150223100202", "150223100201", "150223200202"
INCOME_LINE = 8900
OPENED_DAYS_AGO = 10
DEADLINE_DAYS = {"village": -3, "township": -1, "county": 7, "league": 10}  # from today
RETURN_REASON = "两户监测对象的务工收入缺少佐证材料，请补充后重新上报"


def build_campaign(engine: Engine, session: Session, travel: Travel) -> Campaign:
    """Open this year's campaign for the demo region and take its villages to their stages; prints where it stands."""
    today = travel.today
    region = user_actor(session, "region", session.get(Place, REGION).path)
    travel.back_to(day_at(today - timedelta(days=OPENED_DAYS_AGO)))
    campaign = campaigns.open_campaign(  # the year of the opening day: early in January that is last year's campaign
        session, engine, region, year=engine.today().year, place_code=REGION, income_line=INCOME_LINE,
        deadlines={level: (today + timedelta(days=days)).isoformat() for level, days in DEADLINE_DAYS.items()},
        now=engine.now())
    session.commit()
    _village_reports(engine, session, travel, campaign, APPROVED, day=9)
    _decide(engine, session, travel, campaign, APPROVED, {"approved": True, "opinion": "逐户核实，数据完整"}, day=8)
    _village_reports(engine, session, travel, campaign, RETURNED, day=7)
    _decide(engine, session, travel, campaign, RETURNED, {"approved": False, "reason": RETURN_REASON}, day=6)
    _check(engine, session, travel, campaign, PARTLY, day=5, share=2)
    travel.forward_to(travel.now)
    timers.run_due_timers(engine, unit_of_work)  # the villages' deadline has passed: their 督办
    session.expire_all()
    urged = session.execute(select(Task.subject).where(Task.bpmn_id == "village_urge",
                                                       Task.state == TaskState.READY)).scalars().all()
    click.echo(f"年度动态管理: {campaign.year}年度已开启（第 {campaign.id} 号），巴音敖包嘎查已通过、"
               f"新宝力格嘎查被退回、艾力嘎查核实过半、乌兰忽洞村尚未开始；"
               f"逾期督办 {len(urged)} 项（{'、'.join(urged)}）")
    return campaign


def _check(engine: Engine, session: Session, travel: Travel, campaign: Campaign, village: str, day: int,
           share: int = 1) -> None:
    """The village records this year's measurement of its monitoring objects and checks them (1/``share`` of
    them), and checks its other households."""
    travel.forward_to(day_at(travel.today - timedelta(days=day)))
    cadre = user_actor(session, "village", session.get(Place, village).path)
    found = session.execute(select(Household).where(Household.village_code == village,
                                                    Household.merged_into_id.is_(None))
                            .order_by(Household.id)).scalars().all()
    monitored = [h for h in found if h.monitoring_status == MonitoringStatus.MONITORED]
    for household in monitored[:len(monitored) // share]:
        figures = campaign_worklist.prefill_year_measurement(session, campaign, household.id)
        campaign_worklist.record_year_measurement(session, cadre, campaign, household.id, figures, engine.now())
        campaign_worklist.check_household(session, cadre, campaign, household.id, "入户核实收支和“三保障”情况",
                                          engine.now())
    if share == 1:
        for household in (h for h in found if h.monitoring_status != MonitoringStatus.MONITORED):
            campaign_worklist.check_household(session, cadre, campaign, household.id, None, engine.now())
    session.commit()


def _village_reports(engine: Engine, session: Session, travel: Travel, campaign: Campaign, village: str,
                     day: int) -> None:
    _check(engine, session, travel, campaign, village, day)
    _complete(engine, session, campaign, "village_check", village,
              {"confirmed": True, "note": "全村农牧户已逐户走访核实"})


def _decide(engine: Engine, session: Session, travel: Travel, campaign: Campaign, village: str, answers: dict,
            day: int) -> None:
    travel.forward_to(day_at(travel.today - timedelta(days=day), 10))
    _complete(engine, session, campaign, "township_review", village, answers)


def _complete(engine: Engine, session: Session, campaign: Campaign, bpmn_id: str, village: str, answers: dict
              ) -> None:
    """The village's open task at ``bpmn_id`` (the township's about it), submitted by a user of the task's place."""
    subject = f"{campaign.year}年 {session.get(Place, village).name}"  # as the model's subjects read
    task = session.execute(select(Task).where(Task.bpmn_id == bpmn_id, Task.subject == subject,
                                              Task.state == TaskState.READY)).scalar_one()
    tasks.complete_task(engine, session, task.id, user_actor(session, task.role, task.place_path), answers)
    session.commit()

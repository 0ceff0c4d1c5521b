"""Demo risk eliminations (风险消除): the way out of monitoring, driven through the same use cases as the API.

Households of one village are identified eleven months back (so their income has been measured twice, six months
apart) and assisted by their departments; then their eliminations stand at every step today, some left the
monitoring in the last marking window (帮扶消除, 自然消除, one reverted since: 风险消除回退), and some are households
whose start the rules refuse — a refused start leaves no case, so they are named with the rule they show.
Whether today's case stands at 系统标注 or waits for the window depends on the day the demo is built.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import queries
from engine.core import Engine
from engine.errors import Conflict, InvalidData
from engine.models import ProcessInstance
from monitoring import cases, demo_data, elimination, elimination_reversal, households, marking_windows
from monitoring.codelists import labels
from monitoring.models import Household, MonitoringStatus, Place
from monitoring.processes import risk_elimination
from web.demo_cases import identify, start_identification
from web.demo_measures import FAMILY_DOCTOR, PUBLIC_WELFARE_POST, SUBSISTENCE, Planned, assist
from web.demo_steps import Asked, Travel, day_at, drive, user_actor

PROCESS = risk_elimination.DESCRIPTOR.key
IDENTIFIED_DAYS_AGO = 330  # two measurements six months apart before any elimination below: income stable
SEED = 1107
ANSWERS = {
    "verification": {"visitors": "嘎查两委、驻村工作队", "medical_expense": 2000,
                     "measures_note": "家庭医生签约、公益岗位已落实",
                     "guarantees_note": "已参加基本医疗保险，住房饮水安全",
                     "income_note": "务工收入稳定，全年在本地务工", "expenses_note": "医疗费用经医保和救助后自付较少",
                     "approved": True},
    "appraisal": {"meeting_form": "representative_meeting", "attendees": 32, "votes_for": 31, "votes_against": 1,
                  "approved": True},
    "acceptance": {"inspectors": ["周文斌", "刘志刚"], "head_signed": True, "measures_ok": True, "guarantees_ok": True,
                   "income_ok": True, "expenses_ok": True, "approved": True, "opinion": "逐户验收，符合风险消除标准"},
    "county_review": {"approved": True, "opinion": "部门会商同意消除风险"},
    "marking": {"annex7_collected": True},
}
MARKING = ("marking", "window_opens")  # the last stand: the task, or the wait for the window to open
REVERSAL_REASON = "回访发现家庭成员病情复发，务工收入中断，风险消除不稳定"


def eliminate(asked: Asked) -> dict[str, Any]:
    """What the demo's officials answer at risk elimination's steps: every household meets the four criteria."""
    answers = dict(ANSWERS.get(asked.task.bpmn_id, {}))
    if asked.task.bpmn_id == "county_review":
        answers["reply_reference"] = f"达茂乡振批〔{asked.today.year}〕31号"
        if asked.instance.data.get("elimination_warnings"):
            answers["warnings_reason"] = "务工收入稳定，部门会商同意消除"
    return {**asked.starts, **answers}


@dataclass(frozen=True)
class Plan:
    """An elimination the demo starts: its method, when, the steps it waits for a later day at, where it stays."""

    title: str
    method: str
    starts: datetime
    hold: dict[str, datetime] = field(default_factory=dict)
    stop: tuple[str, ...] = ()


@dataclass(frozen=True)
class Shown:
    """A household the demo shows, with what it shows (a step, an outcome, or the rule that refuses its start)."""

    title: str
    household_id: int
    head: str
    detail: str = ""


@dataclass(frozen=True)
class Refusal(Shown):
    rule: str = ""  # the field the start is refused on; "case" for a second open case (409)
    method: str = elimination.ASSISTED
    method_name: str = ""  # as the page's 消除方式 offers it


@dataclass
class Eliminations:
    cases: list[Shown] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)

    def lines(self) -> list[str]:
        shown = ["风险消除演示（艾力嘎查）:"]
        shown += [f"  {padded(s.title, 20)}{s.head}（农户 #{s.household_id}）{s.detail}" for s in self.cases]
        shown.append("发起风险消除会被拒绝的农户（页面和接口都会说明原因）:")
        shown += [f"  {padded(r.title, 20)}{r.head}（农户 #{r.household_id}）以{r.method_name}发起：{r.detail}"
                  for r in self.refusals]
        return shown


def padded(text: str, columns: int) -> str:
    """``text`` filled with spaces to ``columns`` terminal columns (a Chinese character takes two)."""
    width = sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)
    return text + " " * max(columns - width, 1)


def _plans(today: date, opened: date) -> list[Plan]:
    """Today's cases, each started on a day that leaves it at its step; and those marked when the last window opened
    (``opened``): a notice posted on day d ends with day d+5, so posted six days before a day it is over by then."""
    def ago(days: int, hour: int = 9) -> datetime:
        return day_at(today - timedelta(days=days), hour)

    def before_window(days: int) -> datetime:
        return day_at(opened - timedelta(days=days))

    assisted, natural = elimination.ASSISTED, elimination.NATURAL
    return [
        Plan("入户核查核实", assisted, ago(1), stop=("verification",)),
        Plan("嘎查村评议公示", assisted, ago(1), stop=("appraisal",)),
        Plan("嘎查村评议公示", natural, ago(1), stop=("appraisal",)),
        Plan("初选名单公示中", assisted, ago(3), hold={"appraisal": ago(2)}, stop=("first_notice",)),
        Plan("乡镇验收审核", assisted, ago(8), stop=("acceptance",)),
        Plan("县级审定", assisted, ago(8), stop=("county_review",)),
        Plan("审定名单公示中", assisted, ago(10), hold={"county_review": ago(2)}, stop=("second_notice",)),
        Plan("系统标注", assisted, ago(14), hold={"county_review": ago(6)}, stop=MARKING),
        Plan("已消除（帮扶消除）", assisted, before_window(14), hold={"county_review": before_window(6)}),
        Plan("已消除（自然消除）", natural, before_window(14), hold={"county_review": before_window(6)}),
        Plan("风险消除回退", assisted, before_window(14), hold={"county_review": before_window(6)}),
    ]


def build_eliminations(engine: Engine, session: Session, travel: Travel, village: str) -> Eliminations:
    """The households, their identification and assistance, then the eliminations and the refusals."""
    today = travel.today
    opened = _last_window_opening(session, _path(session, village), today)
    plans = _plans(today, opened)
    year = (travel.now - timedelta(days=IDENTIFIED_DAYS_AGO)).year
    steady = demo_data.steady_households(village, len(plans) + 1, year, SEED)
    monitored = []
    for item, plan in zip(steady, [*plans, None], strict=True):  # the last: its measures all still under way
        household = _identified(engine, session, travel, item)
        assist(engine, session, travel, household, _measures(plan))
        monitored.append(household)
    *monitored, no_measure = monitored
    (lost,) = demo_data.steady_households(village, 1, year, SEED + 1, able_to_work=False)
    lost = _identified(engine, session, travel, lost)
    assist(engine, session, travel, lost, [SUBSISTENCE])
    result = Eliminations()
    result.cases = [_eliminated(engine, session, travel, plan, household)
                    for plan, household in zip(plans, monitored, strict=True)]
    just_identified = _identified_today(engine, session, travel, village)
    refused = [
        ("非监测对象", _never_monitored(session, village), elimination.NATURAL, "monitoring_status"),
        ("当月识别", just_identified, elimination.NATURAL, "monitored_since"),
        ("无已完成的帮扶措施", no_measure, elimination.ASSISTED, "measures"),
        ("整户无劳动能力兜底", lost, elimination.NATURAL, "labour_capacity"),
        ("已有进行中的案件", monitored[0], elimination.ASSISTED, "case"),
    ]
    result.refusals = [_refused(engine, session, title, household, method, rule)
                       for title, household, method, rule in refused]
    return result


def _measures(plan: Plan | None) -> list[Planned]:
    """The family doctor is done before an assisted elimination starts (a natural one may still be under way); the
    public welfare post goes on while the household is on its way out, and ended with those already out."""
    doctor_done = plan is not None and (plan.method == elimination.ASSISTED or not plan.stop)
    post_done = plan is not None and not plan.stop
    return [FAMILY_DOCTOR.carried_out() if doctor_done else FAMILY_DOCTOR,
            PUBLIC_WELFARE_POST.carried_out() if post_done else PUBLIC_WELFARE_POST]


def _path(session: Session, village: str) -> str:
    return session.get(Place, village).path


def _last_window_opening(session: Session, place_path: str, today: date) -> date:
    """The first day of the marking window open today, or of the last one before today."""
    for back in range(366):
        window = marking_windows.window_for(session, place_path, today - timedelta(days=back))
        if window is not None:
            return window.opens_on
    raise InvalidData("演示数据未写入：一年内没有标注窗口期", {"marking_window": "未设置"})


def _registered(engine: Engine, session: Session, item: demo_data.DemoHousehold) -> Household:
    county = user_actor(session, "county", _path(session, item.village))
    household = households.create_household(session, county, item.payload, engine.now())
    households.record_measurement(session, household, item.measurement, county.username, engine.now())
    session.commit()
    return household


def _identified(engine: Engine, session: Session, travel: Travel, item: demo_data.DemoHousehold) -> Household:
    """Registered eleven months back and identified from then on (a medical bill: 突发严重困难户)."""
    travel.back_to(travel.now - timedelta(days=IDENTIFIED_DAYS_AGO))
    household = _registered(engine, session, item)
    drive(engine, session, travel, start_identification(engine, session, household, "cadre_screening"), identify)
    return household


def _identified_today(engine: Engine, session: Session, travel: Travel, village: str) -> Household:
    """Found three weeks ago; its county enters it today: this month's identification."""
    travel.back_to(travel.now - timedelta(days=21))
    (item,) = demo_data.steady_households(village, 1, travel.clock.now().year, SEED + 2)
    household = _registered(engine, session, item)
    instance_id = start_identification(engine, session, household, "cadre_screening")
    drive(engine, session, travel, instance_id, identify, stop=("entry",))
    travel.forward_to(travel.now)
    drive(engine, session, travel, instance_id, identify)
    return household


def _eliminated(engine: Engine, session: Session, travel: Travel, plan: Plan, household: Household) -> Shown:
    """Start the household's elimination on its day and drive it to where the plan leaves it."""
    travel.back_to(plan.starts)
    village = user_actor(session, "village", household.place_path)
    instance_id = cases.start_case(engine, session, village, PROCESS, household.id, {"method": plan.method})
    session.commit()
    drive(engine, session, travel, instance_id, eliminate, stop=plan.stop, hold=plan.hold)
    session.refresh(household)
    if plan.title == "风险消除回退":
        travel.forward_to(travel.now)
        county = user_actor(session, "county", household.place_path)
        elimination_reversal.revert_elimination(engine, session, county, household.id, {"reason": REVERSAL_REASON})
        session.commit()
        return Shown(plan.title, household.id, household.head.name, f"：{REVERSAL_REASON}，继续监测")
    title, detail = _where(session, plan, instance_id)
    return Shown(title, household.id, household.head.name, detail)


def _where(session: Session, plan: Plan, instance_id: int) -> tuple[str, str]:
    """The plan's title, or where a case left at the marking stands today: 系统标注, or waiting for the window."""
    if plan.stop != MARKING:
        return plan.title, ""
    if queries.open_tasks(session, instance_id):
        return "系统标注", "（今天在标注窗口期内）"
    opens = session.get(ProcessInstance, instance_id).data.get("marking_opens_on")
    return "等待标注窗口期", f"（{opens}开放）"


def _never_monitored(session: Session, village: str) -> Household:
    """The village's last registered household that is not a monitoring object."""
    return session.execute(select(Household).where(Household.village_code == village,
                                                   Household.monitoring_status == MonitoringStatus.NOT_MONITORED)
                           .order_by(Household.id.desc()).limit(1)).scalar_one()


def _refused(engine: Engine, session: Session, title: str, household: Household, method: str, rule: str) -> Refusal:
    """Try the start as the village cadre would: the rule's refusal is what the demo shows (a start the rules let
    through is a demo that no longer shows the rule, and stops the build)."""
    village = user_actor(session, "village", household.place_path)
    shown = Refusal(title, household.id, household.head.name, rule=rule, method=method,
                    method_name=labels(session, "elimination_method")[method])
    try:
        cases.start_case(engine, session, village, PROCESS, household.id, {"method": method})
    except InvalidData as refused:
        if rule in refused.fields:
            return replace(shown, detail=refused.fields[rule])
        raise
    except Conflict as refused:
        if rule == "case":
            return replace(shown, detail=str(refused))
        raise
    raise InvalidData("演示数据未写入：该户本应被拒绝发起风险消除", {rule: f"农户 #{household.id} 未被拒绝"})

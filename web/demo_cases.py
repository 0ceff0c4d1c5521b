"""Demo identification cases standing at every step, driven through the same use cases as the API.

Each case starts on a clock set back up to three weeks and moved forward as it advances (``web.demo_steps``), so
its notices have really run their five days; cases left inside a notice period finish it in real time.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.core import Engine
from monitoring import cases
from monitoring.models import DepartmentRecord, Household, Member, MonitoringStatus
from web.demo_measures import FAMILY_DOCTOR, PUBLIC_WELFARE_POST, assist
from web.demo_steps import Asked, Travel, drive, user_actor

VISIT = {"visitors": "嘎查两委、驻村工作队", "approved": True, "risk_types": ["illness"], "medical_expense": 28000}
ANSWERS = {
    "apply": {"way": "in_person", "applicant_name": "户主本人", "reason": "家庭成员患病, 医疗支出大, 收入下降"},
    "visit": VISIT,
    "authorize": {"approved": True},
    "appraisal": {"meeting_form": "representative_meeting", "attendees": 32, "votes_for": 30, "votes_against": 2,
                  "approved": True},
    "township_review": {"approved": True, "opinion": "经逐户审核, 情况属实"},
    "comparison_review": {"decision": "special_case", "meeting_date": None,
                          "meeting_reasons": "车辆为报废农用三轮车, 村民代表会议同意作为特殊情况纳入"},
    "comparison_confirm": {"decision": "confirm"},
    "county_review": {"approved": True, "review_method": "joint", "reply_reference": "达茂乡振发〔2026〕8号"},
    # the type the visit's figures suggest, said why: early in a year the record may hold a later year's figures
    "entry": {"risk_types": ["illness"], "type_reason": "按入户核实时的收支测算认定"},
}
REJECTED = "rejected"  # a plan's stop: the township rejects the case
# (channel, the step the case is left waiting at; None = run to the end). Cases left inside a notice
# come last and start two days ago: the sweeps that move older cases along must not end their notice.
PLAN = [
    ("cadre_screening", None), ("self_declared", None), ("cadre_screening", REJECTED),
    ("self_declared", "entry"), ("social_supervision", "county_review"), ("cadre_screening", "township_review"),
    ("cadre_screening", "comparison_review"),
    ("self_declared", "apply"), ("cadre_screening", "visit"), ("department_warning", "visit"),
    ("self_declared", "authorize"), ("cadre_screening", "appraisal"), ("cadre_screening", "appraisal"),
    ("cadre_screening", "appraisal"), ("self_declared", "first_notice"), ("cadre_screening", "second_notice"),
]


def identify(asked: Asked) -> dict[str, Any]:
    """What the demo's officials answer at identification's steps: every case is found and approved."""
    answers = dict(ANSWERS.get(asked.task.bpmn_id, {}))
    if asked.task.bpmn_id == "comparison_review":
        answers = _judgement(asked.instance.data, asked.today.isoformat())
    return {**asked.starts, **answers}


def _reject_at_township(asked: Asked) -> dict[str, Any]:
    if asked.task.bpmn_id == "township_review":
        return {**asked.starts, "approved": False, "reason": "家庭有稳定务工收入, 人均纯收入高于监测标准"}
    return identify(asked)


def _judgement(data: dict, today: str) -> dict:
    """The county admits a hit as a special case, or confirms there is none; data not uploaded is checked by phone."""
    answers = dict(ANSWERS["comparison_review"], meeting_date=today) if data.get("exclusion_hits") \
        else dict(ANSWERS["comparison_confirm"])
    if data.get("data_gaps"):
        answers["gaps_reason"] = "未上传数据的部门已电话核实, 该户家庭成员无相关登记"
    return answers


def start_identification(engine: Engine, session: Session, household: Household, channel: str) -> int:
    """The village cadre records the case (发现渠道) for the household."""
    village_user = user_actor(session, "village", household.place_path)
    instance_id = cases.start_case(engine, session, village_user, cases.IDENTIFICATION, household.id,
                                   {"channel": channel})
    session.commit()
    return instance_id


def _flagged_household(session: Session) -> Household:
    """A household one of whose members appears in a department's data: its case meets the comparison."""
    flagged = select(Member.household_id).join(DepartmentRecord, DepartmentRecord.id_number == Member.id_number) \
        .where(DepartmentRecord.excluded.is_(True)).order_by(Member.household_id).limit(1)
    return session.get(Household, session.execute(flagged).scalar_one())


def build_cases(engine: Engine, session: Session, travel: Travel) -> int:
    """Start the planned cases on the first households of one village and drive each to its step."""
    first = session.execute(select(Household).order_by(Household.id).limit(1)).scalar_one()
    households = list(session.execute(select(Household).where(Household.village_code == first.village_code)
                                      .order_by(Household.id)).scalars())  # one village to walk through
    for index, (channel, stop) in enumerate(PLAN):
        travel.back_to(travel.now - timedelta(days={"first_notice": 2, "second_notice": 7}.get(stop, 21)))
        household = _flagged_household(session) if stop == "comparison_review" else households[index]
        instance_id = start_identification(engine, session, household, channel)
        answers = _reject_at_township if stop == REJECTED else identify
        drive(engine, session, travel, instance_id, answers, stop=[stop] if stop else ())
        if household.monitoring_status == MonitoringStatus.MONITORED:  # the consultation follows, its work under way
            assist(engine, session, travel, household, [PUBLIC_WELFARE_POST, FAMILY_DOCTOR])
    return len(PLAN)

"""Demo identification cases standing at every step, driven through the same use cases as the API.

Each case starts on a clock set back up to three weeks and moved forward as it advances, so its
notices have really run their five days; cases left inside a notice period finish it in real time.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import queries, tasks, timers
from engine.assignment import Actor
from engine.clock import FrozenClock
from engine.core import Engine
from engine.models import ProcessInstance
from monitoring import cases, places
from monitoring.models import DepartmentRecord, Household, Member, Place, User
from monitoring.prefill import prefill
from web.boundary import unit_of_work

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
    "entry": {"risk_types": ["illness"]},
}
# (channel, the step the case is left waiting at; None = run to the end). Cases left inside a notice
# come last and start two days ago: the sweeps that move older cases along must not end their notice.
PLAN = [
    ("cadre_screening", None), ("self_declared", None), ("cadre_screening", "rejected"),
    ("self_declared", "entry"), ("social_supervision", "county_review"), ("cadre_screening", "township_review"),
    ("cadre_screening", "comparison_review"),
    ("self_declared", "apply"), ("cadre_screening", "visit"), ("department_warning", "visit"),
    ("self_declared", "authorize"), ("cadre_screening", "appraisal"), ("cadre_screening", "appraisal"),
    ("cadre_screening", "appraisal"), ("self_declared", "first_notice"), ("cadre_screening", "second_notice"),
]


def _actor(session: Session, role: str, place_path: str) -> Actor:
    """The demo user of ``role`` whose place lies on the case's path (village, its township, its county)."""
    codes = [c for c in place_path.strip("/").split("/") if c]
    user = session.execute(select(User).join(Place).where(User.role == role, Place.code.in_(codes))).scalars().first()
    return places.actor_for(session, user)


def _step(engine: Engine, session: Session, instance_id: int, stop: str | None) -> bool:
    """Take one step of the case; False once it waits at ``stop`` or has ended."""
    instance = session.get(ProcessInstance, instance_id)
    open_tasks = queries.open_tasks(session, instance_id)
    if instance.status != "running" or (open_tasks and open_tasks[0].bpmn_id == stop):
        return False
    if not open_tasks:
        if stop in {w.get("task") for w in instance.waiting}:
            return False
        engine.clock.advance(timedelta(days=6))  # past the end of a notice's last day
        timers.run_due_timers(engine, unit_of_work)
        return True
    task = open_tasks[0]
    actor = _actor(session, task.role, instance.place_path)
    schema = engine.versions.get(session, instance.version_id).forms.get(task.form)
    answers = dict(ANSWERS.get(task.bpmn_id, {}))
    if stop == "rejected" and task.bpmn_id == "township_review":
        answers = {"approved": False, "reason": "家庭有稳定务工收入, 人均纯收入高于监测标准"}
    if task.bpmn_id == "comparison_review":
        answers = _judgement(instance.data, engine.today().isoformat())
    household = cases.household_of(session, instance)
    data = {**prefill(household, task.bpmn_id, task.form, schema, instance.data, engine.today()), **answers}
    tasks.complete_task(engine, session, task.id, actor, data)
    engine.clock.advance(timedelta(hours=3))
    return True


def _judgement(data: dict, today: str) -> dict:
    """The county admits a hit as a special case, or confirms there is none; data not uploaded is checked by phone."""
    answers = dict(ANSWERS["comparison_review"], meeting_date=today) if data.get("exclusion_hits") \
        else dict(ANSWERS["comparison_confirm"])
    if data.get("data_gaps"):
        answers["gaps_reason"] = "未上传数据的部门已电话核实, 该户家庭成员无相关登记"
    return answers


def _flagged_household(session: Session) -> Household:
    """A household one of whose members appears in a department's data: its case meets the comparison."""
    flagged = select(Member.household_id).join(DepartmentRecord, DepartmentRecord.id_number == Member.id_number) \
        .where(DepartmentRecord.excluded.is_(True)).order_by(Member.household_id).limit(1)
    return session.get(Household, session.execute(flagged).scalar_one())


def build_cases(engine: Engine, session: Session) -> int:
    """Start the planned cases on the first households of each village and drive each to its step."""
    real_clock = engine.clock
    try:
        first = session.execute(select(Household).order_by(Household.id).limit(1)).scalar_one()
        households = list(session.execute(select(Household).where(Household.village_code == first.village_code)
                                          .order_by(Household.id)).scalars())  # one village to walk through
        for index, (channel, stop) in enumerate(PLAN):
            days_ago = {"first_notice": 2, "second_notice": 7}.get(stop, 21)
            engine.clock = FrozenClock(real_clock.now() - timedelta(days=days_ago))
            household = _flagged_household(session) if stop == "comparison_review" else households[index]
            village_user = _actor(session, "village", household.place_path)
            instance_id = cases.start_case(engine, session, village_user, cases.IDENTIFICATION, household.id,
                                           {"channel": channel})
            session.commit()
            while _step(engine, session, instance_id, stop):
                session.commit()
            session.commit()
    finally:
        engine.clock = real_clock
    return len(PLAN)

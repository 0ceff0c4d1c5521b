"""The demo's assistance (帮扶), through the household's assistance case: the county's consultation (部门会商) plans
the measures on the household page's rule and confirms the plan; each lead department then records its measure in
its own inbox — done, or under way (the task stays in that department's inbox)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import queries, tasks
from engine.core import Engine
from engine.models import ProcessInstance
from monitoring import cases, measures
from monitoring.codes import MEASURE_LEAD_DEPARTMENTS
from monitoring.models import Household
from monitoring.processes import assistance
from web.demo_steps import Asked, Travel, complete, user_actor


@dataclass(frozen=True)
class Planned:
    """A measure the consultation plans, and how far its lead department has got with it."""

    category: str
    subtype: str
    content: str
    amount: int | None
    so_far: str  # what the department records while it is under way
    result: str  # what it records once done
    done: bool = False

    @property
    def department(self) -> str | None:
        return MEASURE_LEAD_DEPARTMENTS[self.category]

    def carried_out(self) -> Planned:
        return replace(self, done=True)


# led by 人社, 卫健 and 民政, the departments the demo has users for
PUBLIC_WELFARE_POST = Planned("employment", "public_welfare_post", "村级保洁公益岗位，每月工资500元", 6000,
                              "已上岗，按月发放工资", "已安排上岗，签订聘用协议，工资按月足额发放")
FAMILY_DOCTOR = Planned("health", "family_doctor", "签约家庭医生，每季度随访，协助办理大病医疗报销", 120,
                        "已签约家庭医生，按季度随访", "已签约家庭医生，完成随访，医疗费用已报销")
SUBSISTENCE = Planned("social_security", "subsistence_allowance", "纳入农村低保，按月发放低保金", 4800,
                      "已纳入农村低保，按月发放", "已纳入农村低保，全年按月发放")


def assistance_case(session: Session, household: Household) -> ProcessInstance:
    """The household's assistance case, started by its identification's entry."""
    return session.execute(select(ProcessInstance).where(
        ProcessInstance.business_key == cases.business_key(household.id),
        ProcessInstance.process_key == assistance.DESCRIPTOR.key).order_by(ProcessInstance.id.desc())).scalars().first()


def assist(engine: Engine, session: Session, travel: Travel, household: Household, planned: Sequence[Planned]) -> int:
    """Plan the measures at the consultation, confirm the plan and let each lead department record its measure once;
    returns the number of measures."""
    case = assistance_case(session, household)
    county = user_actor(session, "county", household.place_path)
    start_on = (household.monitored_since or travel.today).isoformat()
    progress = {}
    for item in planned:
        data = {"category": item.category, "subtype": item.subtype, "content": item.content,
                "department": item.department, "responsible": "王建国", "start_on": start_on,
                "end_on": date(date.fromisoformat(start_on).year + 1, 12, 31).isoformat(), "amount": item.amount}
        progress[measures.plan_measure(session, county, household.id, data, engine.now()).measure.id] = item
    session.commit()
    [plan] = queries.open_tasks(session, case.id)
    departments = sorted({item.department for item in planned if item.department})
    complete(engine, session, plan, lambda asked: {**asked.starts, "departments": departments,
                                                   "note": "部门会商确定帮扶计划"})
    session.commit()
    for task in queries.open_tasks(session, case.id):
        measure = assistance.carried_out(household, tasks.waiting_data(engine, session, task))
        complete(engine, session, task, _progress(progress[measure.id]))
        session.commit()
    session.expire_all()
    return len(planned)


def _progress(item: Planned):
    def answers(asked: Asked) -> dict[str, Any]:
        if item.done:
            return {**asked.starts, "status": "done", "done_on": asked.today.isoformat(), "result": item.result}
        return {**asked.starts, "status": "in_progress", "result": item.so_far}
    return answers


"""Every measure reaches its lead department's inbox, whenever it is planned (issue 11, "Who acts").

While the household's departmental consultation (部门会商) is open, a new measure waits for it: confirming the plan
hands every open measure over (``measures.plan_to_carry_out``). Once the plan is confirmed, a measure planned later
(by the county, or by its lead department itself) starts an assistance case of its own whose start data names it:
the model skips the consultation, and the measure is at once 落实帮扶措施 in its lead department's inbox (the
county's where it leads). A department that plans its own measure gets the task too: recording what it did is still
its work, and the task is where it does it and what reminds it to. A household may so have several assistance cases
at once; joining the running one would not do, as it may have ended, and each later case ends with its measure.
A household with no consultation held (not brought in by identification, or its consultation cancelled) has no plan
confirmed, so nothing is handed over: its measures stay on the plan, as before the process.

The lead department of a measure whose task is open does not change: the task would stay in the old department's
inbox, where it can no longer be recorded, and moving a waiting task is not something the model says.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from engine import tasks
from engine.assignment import Actor
from engine.core import Engine
from engine.errors import InvalidData
from engine.models import ProcessInstance, Task, TaskState
from monitoring import cases, measures
from monitoring.codelists import labels
from monitoring.models import Household, Measure
from monitoring.processes import assistance

PROCESS = assistance.DESCRIPTOR.key
COUNTY_LEADS = "旗县乡村振兴部门"


def _household_tasks(household_id: int, bpmn_ids: frozenset[str]) -> Select[tuple[Task]]:
    """The household's assistance tasks at these steps, in every state."""
    return select(Task).join(ProcessInstance, ProcessInstance.id == Task.instance_id).where(
        ProcessInstance.business_key == cases.business_key(household_id), Task.process_key == PROCESS,
        Task.bpmn_id.in_(bpmn_ids))


def plan_confirmed_before(session: Session, household: Household) -> bool:
    """Whether a measure planned now comes after the plan: a consultation was confirmed and none is open (an open
    one hands the measure over when the county confirms it)."""
    states = set(session.execute(_household_tasks(household.id, frozenset({assistance.PLAN_STEP}))
                                 .with_only_columns(Task.state)).scalars())
    return TaskState.COMPLETED in states and TaskState.READY not in states


def start_consultation(engine: Engine, session: Session, actor: Actor, household: Household) -> None:
    """Ask the county for a new plan (部门会商) for a household monitored again, e.g. after 风险消除回退, by ``actor``
    in the act's transaction; a consultation already open is that plan, so none is added."""
    waiting = session.execute(_household_tasks(household.id, frozenset({assistance.PLAN_STEP}))
                              .where(Task.state == TaskState.READY).limit(1)).first()
    if waiting is None:
        cases.start_after(engine, session, actor, PROCESS, household, {})


def plan_measure(engine: Engine, session: Session, actor: Actor, household_id: int, data: dict[str, Any]
                 ) -> measures.Saved:
    """A measure added to the plan (the household page and POST /households/{id}/measures): saved by the plan's
    rule and, once the plan is confirmed, handed to its lead department in a case of its own."""
    saved = measures.plan_measure(session, actor, household_id, data, engine.now())  # holds the plan's lock
    household = session.get(Household, saved.measure.household_id)
    if plan_confirmed_before(session, household):
        cases.start_after(engine, session, actor, PROCESS, household,
                          {"measures": [measures.to_carry_out(session, saved.measure)]})
    return saved


def carry_out_task(engine: Engine, session: Session, measure: Measure) -> Task | None:
    """The measure's 落实帮扶措施 waiting in an inbox, if any (a task row does not say its measure: its item does)."""
    household = session.get(Household, measure.household_id)
    waiting = session.execute(_household_tasks(household.id, assistance.CARRY_OUT_STEPS)
                              .where(Task.state == TaskState.READY).order_by(Task.created_at)).scalars()
    for task in waiting:
        carried = assistance.carried_out(household, tasks.waiting_data(engine, session, task))
        if carried is not None and carried.id == measure.id:
            return task
    return None


def _keep_lead_while_carried_out(engine: Engine, session: Session, actor: Actor, measure_id: int,
                                 data: dict[str, Any]) -> None:
    """A new lead department is refused while the measure's task waits in the current one's inbox."""
    if "department" not in data or not measures.may_edit_plan(actor):
        return  # nothing asked, or refused by the plan's rule (403 naming the field)
    measure = measures.visible_measure(session, measure_id, actor)
    if (data["department"] or None) == measure.department or carry_out_task(engine, session, measure) is None:
        return
    lead = labels(session, "department", include_retired=True).get(measure.department, measure.department) \
        if measure.department else COUNTY_LEADS
    raise InvalidData("措施正在落实，不能更换牵头部门", {
        "department": f"该措施的“落实帮扶措施”正在{lead}的待办中，办结前不能更换牵头部门；"
                      f"如需改由其他部门落实，请{lead}将其登记为已终止，再另行添加措施"})


def edit_plan(engine: Engine, session: Session, actor: Actor, measure_id: int, data: dict[str, Any]
              ) -> measures.Saved:
    """The county's edit of a measure's plan (the measure's edit page): ``measures.edit_plan``, keeping the lead
    department of a measure being carried out."""
    _keep_lead_while_carried_out(engine, session, actor, measure_id, data)
    return measures.edit_plan(session, actor, measure_id, data, engine.now())


def update_measure(engine: Engine, session: Session, actor: Actor, measure_id: int, data: dict[str, Any]
                   ) -> measures.Saved:
    """PATCH /api/v1/measures/{id}: ``measures.update_measure``, keeping the lead department of a measure being
    carried out."""
    _keep_lead_while_carried_out(engine, session, actor, measure_id, data)
    return measures.update_measure(session, actor, measure_id, data, engine.now(), engine.today())

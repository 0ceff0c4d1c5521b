"""What a task's page and the API show its user beside the form: the values the form starts from, the evidence the
decision rests on and the household's assistance plan. The household's record is open only to users whose place
opens it; a department on a task routed to it decides on its own work: it starts from that work's record (a step
the process marks ``own_work``, e.g. the measure it carries out) and sees that work, nothing else of the household.
A user on a task placed at its place in a case of another place (a village's task in a county's campaign case,
``engine.placement``) reads nothing of that case: its form starts from the task's own data, no evidence or plan shown.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.assignment import Actor
from engine.instances import may_read
from engine.models import ProcessInstance, Task, TaskState
from monitoring import cases, measures, processes
from monitoring.assistance_rules import PlanCheck
from monitoring.campaign_models import Campaign, CampaignUnit, UnitStatus
from monitoring.campaign_worklist import worklist_counts
from monitoring.campaigns import PROCESS as CAMPAIGN_PROCESS
from monitoring.campaigns import campaign_id_of
from monitoring.event_timeline import EventCase, event_case
from monitoring.evidence import Evidence, evidence_for, evidence_for_batch
from monitoring.models import LEVEL_NAMES, Measure, MonitoringStatus, Place, PlaceLevel
from monitoring.permissions import sees_full_record
from monitoring.prefill import prefill
from monitoring.processes import assistance
from monitoring.processes.annual_adjustment import REVIEW_STEPS, URGE_STEPS
from monitoring.quality import corrections as quality_corrections
from monitoring.quality import findings as quality_findings
from monitoring.quality.catalogue import title_of

TaskData = Callable[[], Mapping[str, Any]]  # the waiting task's own data (a multi-instance child's item), read lazily


def _no_task_data() -> Mapping[str, Any]:
    return {}


def starting_values(session: Session, actor: Actor, instance: ProcessInstance, bpmn_id: str, form_name: str | None,
                    schema: dict[str, Any] | None, today: date, task_data: TaskData = _no_task_data) -> dict[str, Any]:
    """What the task's form starts from: what the system already knows of the household and the case."""
    if not may_read(session, instance, actor):
        return prefill(None, bpmn_id, form_name, schema, dict(task_data()), today)
    own_work = _own_work(instance, bpmn_id)
    if not sees_full_record(actor) and not own_work:
        return {}
    data = {**(instance.data or {}), **(task_data() if own_work else {})}
    return prefill(cases.household_of(session, instance), bpmn_id, form_name, schema, data, today)


def decision_evidence(session: Session, actor: Actor, instance: ProcessInstance, task: Task,
                      today: date) -> Evidence | None:
    """What the decision rests on (``monitoring.evidence``), with what a waiting task's step shows from the records
    live; None for a user who may not read the record."""
    if not sees_full_record(actor) or not may_read(session, instance, actor):
        return None
    return evidence_for(session, instance, today, task.bpmn_id if task.state == TaskState.READY else None)


def batch_evidence(session: Session, actor: Actor, instances: list[ProcessInstance],
                   today: date) -> dict[int, Evidence]:
    """The evidence beside each case of a batch (by instance id): none of a case the actor does not read."""
    readable = [instance for instance in instances if may_read(session, instance, actor)]
    found = evidence_for_batch(session, readable, today)
    # a case the actor does not read shows what a case of no household shows
    return {i.id: found.get(i.id) or Evidence(i.id, None, None, 0, "", "") for i in instances}


@dataclass(frozen=True)
class PlanView:
    """The assistance plan beside a task: the whole plan with its warnings at the consultation (to add measures
    while the task is open), the one measure a carry-out task is about."""

    household_id: int
    measures: list[Measure]
    check: PlanCheck | None  # None beside a department's task: the plan's warnings are the county's
    may_add: bool
    statuses: Mapping[str, str]


def assistance_plan(session: Session, actor: Actor, instance: ProcessInstance, bpmn_id: str,
                    task_data: TaskData = _no_task_data) -> PlanView | None:
    """The plan the task works on, as the actor may read it; None for a task of no plan."""
    if instance.process_key != assistance.DESCRIPTOR.key or not may_read(session, instance, actor):
        return None
    household = cases.household_of(session, instance)
    if household is None:
        return None
    if bpmn_id == assistance.PLAN_STEP and sees_full_record(actor):
        return PlanView(household.id, measures.measures_of(session, actor, household.id),
                        measures.plan_check(session, household),
                        measures.may_edit_plan(actor) and household.monitoring_status == MonitoringStatus.MONITORED,
                        measures.STATUS_LABELS)
    if bpmn_id in assistance.CARRY_OUT_STEPS:
        measure = assistance.carried_out(household, dict(task_data()))
        return PlanView(household.id, [measure] if measure else [], None, False, measures.STATUS_LABELS)
    return None


@dataclass(frozen=True)
class CampaignPart:
    """The campaign a task of the annual adjustment works on, and the place the task is about: the village's own
    check, a township's review of a village or its 督办 of a late one (the village, from the task's own item), the
    county's review or 督办 of a township (the case's place). The page names that place, shows its totals and
    leads to its worklist (a village) or its progress (the levels above)."""

    campaign_id: int
    year: int
    place_code: str  # the place the task is about
    place_name: str
    is_village: bool
    own_task: bool  # the place's own task (a village's check), not the level above's about it
    returned_reason: str | None = None  # why the level above sent the place's report back, while it is
    counts: Mapping[str, int] | None = None  # a village's worklist totals (campaign_worklist.worklist_counts)
    note: str | None = None  # the village's 情况说明 with its report, beside a township's review of it
    progress: str | None = None  # of a place above a village: how many places below it are approved
    deadline: date | None = None  # beside a 督办: the late place's deadline
    days_late: int | None = None
    batch_label: str | None = None  # the inbox link that decides this step's reviews together


def campaign_part(session: Session, instance: ProcessInstance, task: Task, today: date,
                  task_data: TaskData = _no_task_data) -> CampaignPart | None:
    """None for a task of no campaign."""
    campaign_id = campaign_id_of(instance.business_key) if instance.process_key == CAMPAIGN_PROCESS else None
    campaign = session.get(Campaign, campaign_id) if campaign_id is not None else None
    if campaign is None:
        return None
    code = _campaign_place(instance, task, task_data)
    place = session.get(Place, code)
    unit = session.execute(select(CampaignUnit).where(CampaignUnit.campaign_id == campaign.id,
                                                      CampaignUnit.place_code == code)).scalar()
    if place is None or unit is None:
        return None
    is_village = place.level == PlaceLevel.VILLAGE
    returned = unit.returned_reason if unit.status == UnitStatus.RETURNED else None
    counts = worklist_counts(session, campaign, code) if is_village else None
    report = dict(task_data()).get("village_report") if task.bpmn_id == "township_review" else None
    deadline = date.fromisoformat(campaign.deadlines[place.level]) if task.bpmn_id in URGE_STEPS else None
    return CampaignPart(
        campaign.id, campaign.year, code, place.name, is_village, own_task=code == task.place_code,
        returned_reason=returned, counts=counts, note=(report or {}).get("note") if isinstance(report, dict) else None,
        progress=None if is_village else _progress_below(session, campaign, code),
        deadline=deadline, days_late=(today - deadline).days if deadline and today > deadline else None,
        batch_label=_batch_label(session, task, place) if task.bpmn_id in REVIEW_STEPS else None)


def _batch_label(session: Session, task: Task, place: Place) -> str:
    """与本苏木乡镇其他待审核的嘎查村一起办理: the reviews at the task's place, of the places below it."""
    reviewer = session.get(Place, task.place_code)
    return f"与本{LEVEL_NAMES[reviewer.level]}其他待审核的{LEVEL_NAMES[place.level]}一起办理"


def _campaign_place(instance: ProcessInstance, task: Task, task_data: TaskData) -> str:
    """The place a campaign task is about: the village item of a township's review or 督办, else the case's place
    for a task placed above it (the county's review or 督办 of a township), else the task's own place."""
    data = task_data()
    item = data.get("village") or data.get("late_village")
    if isinstance(item, dict) and isinstance(item.get("code"), str):
        return item["code"]
    return instance.place_code if task.place_code != instance.place_code else task.place_code


def _progress_below(session: Session, campaign: Campaign, code: str) -> str:
    """所辖嘎查村 3 个：已上报 2 个，其中审核通过 1 个。"""
    rows = session.execute(select(CampaignUnit.level, CampaignUnit.status).where(
        CampaignUnit.campaign_id == campaign.id, CampaignUnit.parent_code == code)).all()
    level = LEVEL_NAMES[rows[0].level] if rows else "单位"
    approved = sum(1 for row in rows if row.status == UnitStatus.APPROVED)
    reported = approved + sum(1 for row in rows if row.status == UnitStatus.SUBMITTED)
    return f"所辖{level} {len(rows)} 个：已上报 {reported} 个，其中审核通过 {approved} 个。"


@dataclass(frozen=True)
class QualityPart:
    """What a village corrects at 整改问题数据: its open findings now, counted in all and per check."""

    place_code: str
    place_name: str
    counts: Mapping[str, int]  # monitoring.quality.corrections.open_counts
    by_rule: list[tuple[str, str, int]]  # (check code, its title, open findings)


def quality_part(session: Session, actor: Actor, instance: ProcessInstance) -> QualityPart | None:
    """None for a task of no correction case (or a user who does not see its village)."""
    if instance.process_key != quality_corrections.PROCESS or not actor.sees(instance.place_path):
        return None
    place = session.get(Place, instance.place_code)
    by_rule = [(c.rule, title_of(c.rule), c.open)
               for c in quality_findings.rule_counts(session, place)]
    return QualityPart(place.code, place.name, quality_corrections.open_counts(session, place.path), by_rule)


def major_event(session: Session, actor: Actor, instance: ProcessInstance, now: datetime) -> EventCase | None:
    """The event a level acknowledges (its facts, where it waits, its story so far); None for a task of no event."""
    return event_case(session, actor, instance, now)


def _own_work(instance: ProcessInstance, bpmn_id: str) -> bool:
    step = processes.descriptor(instance.process_key).step(bpmn_id)
    return step is not None and step.own_work

"""What the case page shows: facts, progress, timeline and data of one visible instance."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import queries
from engine.assignment import Actor
from engine.core import Engine
from engine.deploy import main_bpmn
from engine.models import AuditEvent, ProcessInstance, ProcessVersion, Task
from engine.paging import Page, Window
from monitoring import case_outcomes, decisions, department_access, notices, people, processes
from monitoring.cases import household_id_of
from monitoring.id_number import mask_personal_numbers_in
from monitoring.models import Household, Notice
from monitoring.permissions import sees_full_record
from web.cases import data_view, timeline
from web.cases.listing import households_by_id, place_names
from web.cases.progress import Progress, element_names, passed_events, progress
from web.notices.words import stage_name
from web.templating import cn_date

NOTICES = "公示"


@dataclass(frozen=True)
class CasePage:
    instance: ProcessInstance
    household: Household | None
    village: str
    open_tasks: list[Task]
    workable: set[str]  # ids of the open tasks the viewer may do
    progress: Progress
    timeline: list[timeline.Entry]  # one page of the audit events, told in words
    events: Page[AuditEvent]  # that page, for its pager
    sections: list[data_view.Section]
    department_view: dict | None  # what a department reading its routed task's case sees instead of the data
    people: dict[str, str]  # login id -> 张三（嘎查村干部）, for everyone the page names
    outcome: str | None  # how the case ended, once it has (monitoring.case_outcomes)
    decided: list[decisions.Explained]  # what its rules decided, with figures (only for those who see the record)


def case_page(session: Session, engine: Engine, instance: ProcessInstance, actor: Actor, events_window: Window
              ) -> CasePage:
    """The page with one window of the timeline; where the case stands is read from the events that pass a step."""
    version = engine.versions.get(session, instance.version_id)
    names = element_names(version)
    events = queries.timeline_page(session, instance.id, events_window, leaving_out=timeline.INTERNAL)
    open_tasks = queries.open_tasks(session, instance.id)
    rows = session.execute(select(Task.id, Task.name, Task.subject).where(Task.instance_id == instance.id)).all()
    task_names = {task_id: f"{name} · {subject}" if subject else name for task_id, name, subject in rows}
    household_id = household_id_of(instance.business_key)
    household = households_by_id(session, [household_id]).get(household_id) if household_id else None
    data = department_access.case_data(session, actor, household, instance.data or {})
    full = sees_full_record(actor)
    posted = notices.notices_of_cases(session, [instance.id])[instance.id]
    if posted:  # each notice the case posted is listed by its stage, not only the one the case data names last
        data = {k: v for k, v in data.items() if k != processes.descriptor(instance.process_key).variables.notice}
    labels = people.labels(session, [instance.created_by, *(e.actor for e in events.rows),
                                     *(t.claimed_by for t in open_tasks)])
    return CasePage(
        instance=instance,
        household=household,
        village=place_names(session, {instance.place_code}).get(instance.place_code, instance.place_code),
        open_tasks=open_tasks,
        workable={t.id for t in open_tasks if actor.may_work_on(t)},
        progress=progress(instance, open_tasks, passed_events(session, instance.id), names),
        timeline=timeline.entries(events.rows, names, task_names, labels),
        events=events,
        sections=[*data_view.sections(mask_personal_numbers_in(data), version.forms, names, instance.process_key),
                  *_notices_section(posted, engine.today())] if full else [],
        department_view=None if full else data,
        people=labels,
        outcome=case_outcomes.outcomes(session, [instance]).get(instance.id),
        decided=decisions.by_case(session, [instance.id]).get(instance.id, []) if full else [],
    )


def _notices_section(posted: list[Notice], today: date) -> list[data_view.Section]:
    """The notices the case put its household on, oldest first, each named by its stage with its period."""
    if not posted:
        return []
    rows = []
    for notice in posted:
        days = notices.period(notice)
        rows.append([stage_name(notice.stage), cn_date(notice.starts_on),
                     f"{cn_date(days.first_day)}至{cn_date(days.last_day)}（共{days.days}天）",
                     "公示中" if today <= notice.ends_on else "公示期满"])
    return [data_view.Section(NOTICES, [], [data_view.Table(NOTICES, ["公示", "张贴日期", "公示期", "状态"], rows)])]


def diagram_xml(session: Session, instance: ProcessInstance) -> str:
    """The BPMN file of the instance's version that defines its process (a version may hold several files)."""
    files = session.get(ProcessVersion, instance.version_id).files
    name = main_bpmn(files, instance.process_key)
    return files[name] if name else ""

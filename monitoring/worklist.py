"""The inbox as people read it: each READY task with its household, village and how long it has waited.

Three plain SELECTs (tasks, their instances, their households); no workflow is ever deserialized.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from engine import queries
from engine.assignment import Actor
from engine.models import ProcessInstance, Task
from monitoring.cases import household_id_of
from monitoring.models import Household, Place

DUE_SOON = timedelta(days=2)


@dataclass(frozen=True)
class WorkItem:
    task: Task
    household: Household | None
    village_name: str
    waited: timedelta
    due_state: str  # "overdue" | "due_soon" | "on_time" | "no_due"

    @property
    def overdue(self) -> bool:
        return self.due_state == "overdue"


@dataclass(frozen=True)
class Filters:
    process: str | None = None
    step: str | None = None
    village: str | None = None
    due: str | None = None


def due_state(task: Task, now: datetime) -> str:
    if task.due_at is None:
        return "no_due"
    if task.due_at < now:
        return "overdue"
    return "due_soon" if task.due_at - now <= DUE_SOON else "on_time"


def work_items(session: Session, actor: Actor, now: datetime) -> tuple[list[WorkItem], int]:
    """The actor's READY tasks, unclaimed or claimed by the actor, oldest first; and how many colleagues hold."""
    tasks = queries.inbox(session, actor)
    mine = [t for t in tasks if t.claimed_by in (None, actor.username)]
    return _decorate(session, mine, now), len(tasks) - len(mine)


def _decorate(session: Session, tasks: list[Task], now: datetime) -> list[WorkItem]:
    instance_ids = {t.instance_id for t in tasks}
    keys = dict(session.execute(select(ProcessInstance.id, ProcessInstance.business_key)
                                .where(ProcessInstance.id.in_(instance_ids))).all()) if instance_ids else {}
    household_ids = {hid for key in keys.values() if (hid := household_id_of(key)) is not None}
    households = {h.id: h for h in session.execute(
        select(Household).where(Household.id.in_(household_ids)).options(selectinload(Household.members))
    ).scalars()} if household_ids else {}
    place_codes = {t.place_code for t in tasks}
    names = dict(session.execute(select(Place.code, Place.name).where(Place.code.in_(place_codes))).all()) \
        if place_codes else {}
    items = []
    for task in tasks:
        household = households.get(household_id_of(keys.get(task.instance_id)))
        items.append(WorkItem(task, household, names.get(task.place_code, task.place_code),
                              now - task.created_at, due_state(task, now)))
    return items


def apply_filters(items: list[WorkItem], filters: Filters) -> list[WorkItem]:
    return [i for i in items
            if (not filters.process or i.task.process_key == filters.process)
            and (not filters.step or i.task.bpmn_id == filters.step)
            and (not filters.village or i.task.place_code == filters.village)
            and (not filters.due or i.due_state == filters.due)]


def counts_per_step(items: list[WorkItem]) -> list[tuple[str, str, int]]:
    """(bpmn id, step name, count) in the order steps first appear."""
    names = {i.task.bpmn_id: i.task.name for i in items}
    counter = Counter(i.task.bpmn_id for i in items)
    return [(step, names[step], count) for step, count in counter.items()]

"""The inbox as people read it: each READY task with its household, village and how long it has waited.

Filters, counts and chips are SQL (WHERE, COUNT, GROUP BY) over the tasks table; only one page of tasks is
loaded, with its instances and households in two more SELECTs. No workflow is ever deserialized.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.orm import Session, selectinload

from engine import queries
from engine.assignment import Actor
from engine.models import ProcessInstance, Task
from engine.paging import Page, Window, page, walk
from engine.scope import below
from monitoring.cases import household_id_of
from monitoring.models import Household, Place, PlaceLevel

DUE_SOON = timedelta(days=2)
DUE_STATES = ("overdue", "due_soon", "on_time", "no_due")


@dataclass(frozen=True)
class WorkItem:
    task: Task
    household: Household | None
    village_name: str
    waited: timedelta
    due_state: str  # one of DUE_STATES

    @property
    def overdue(self) -> bool:
        return self.due_state == "overdue"


@dataclass(frozen=True)
class Filters:
    process: str | None = None
    step: str | None = None
    village: str | None = None  # a place code: the tasks at it
    township: str | None = None  # a place code: the tasks at it and below
    due: str | None = None  # one of DUE_STATES
    order: str | None = None  # a key of ``queries.INBOX_ORDERS``: oldest (the default) or newest first


@dataclass(frozen=True)
class Inbox:
    """One page of the actor's work, with what the chips and filters show, all counted by the database."""

    page: Page[WorkItem]
    total: int  # the actor's tasks, unfiltered
    overdue: int
    claimed_by_others: int
    steps: list[tuple[str, str, int]]  # (bpmn id, step name, count) under the filters other than the step
    processes: list[str]
    villages: list[tuple[str, str]]  # (code, name) of the places the actor's tasks are at
    townships: list[tuple[str, str]]  # (code, name) of the townships above those places
    places_shown: list[str]  # the distinct places of the filtered tasks (for the batch choice)


def due_state(task: Task, now: datetime) -> str:
    if task.due_at is None:
        return "no_due"
    if task.due_at < now:
        return "overdue"
    return "due_soon" if task.due_at - now <= DUE_SOON else "on_time"


def _due_is(state: str, now: datetime) -> ColumnElement[bool]:
    """``due_state`` as SQL."""
    return {"overdue": Task.due_at < now,
            "due_soon": and_(Task.due_at >= now, Task.due_at <= now + DUE_SOON),
            "on_time": Task.due_at > now + DUE_SOON,
            "no_due": Task.due_at.is_(None)}[state]


def mine(actor: Actor) -> Select[tuple[Task]]:
    """The actor's READY tasks, unclaimed or claimed by the actor."""
    return queries.inbox_query(actor).where(Task.claimed_by.is_(None) | (Task.claimed_by == actor.username))


def filtered(session: Session, actor: Actor, filters: Filters, now: datetime, *,
             with_step: bool = True) -> Select[tuple[Task]]:
    query = mine(actor)
    if filters.process:
        query = query.where(Task.process_key == filters.process)
    if filters.step and with_step:
        query = query.where(Task.bpmn_id == filters.step)
    if filters.village:
        query = query.where(Task.place_code == filters.village)
    if filters.township:
        path = session.execute(select(Place.path).where(Place.code == filters.township)).scalar()
        query = query.where(below(Task.place_path, path) if path else Task.place_code.is_(None))
    if filters.due in DUE_STATES:
        query = query.where(_due_is(filters.due, now))
    return query


def inbox(session: Session, actor: Actor, filters: Filters, now: datetime, window: Window) -> Inbox:
    """The page of work ``window`` asks for, in the filters' order, with the counts around it: four scans of the actor's
    READY tasks (counts; processes and places; chips per step and place; the page) and two of places."""
    lane = queries.inbox_query(actor).subquery()
    is_mine = or_(lane.c.claimed_by.is_(None), lane.c.claimed_by == actor.username)
    total, overdue, others = session.execute(select(
        func.coalesce(func.sum(case((is_mine, 1), else_=0)), 0),
        func.coalesce(func.sum(case((and_(is_mine, lane.c.due_at < now), 1), else_=0)), 0),
        func.coalesce(func.sum(case((is_mine, 0), else_=1)), 0)).select_from(lane)).one()
    spread = session.execute(select(lane.c.process_key, lane.c.place_code).where(is_mine).distinct()).all()
    codes = {code for _, code in spread}
    villages = [tuple(row) for row in session.execute(
        select(Place.code, Place.name).where(Place.code.in_(codes)).order_by(Place.path))] if codes else []
    townships = [tuple(row) for row in session.execute(
        select(Place.code, Place.name).where(Place.level == PlaceLevel.TOWNSHIP, Place.code.in_(
            select(Place.parent_code).where(Place.code.in_(codes)))).order_by(Place.path))] if codes else []
    chips = filtered(session, actor, filters, now, with_step=False).subquery()
    per_place = session.execute(
        select(chips.c.bpmn_id, chips.c.place_code, func.min(chips.c.name), func.count(), func.min(chips.c.created_at))
        .group_by(chips.c.bpmn_id, chips.c.place_code)).all()
    steps: dict[str, list[Any]] = {}
    for bpmn_id, _, name, count, _ in sorted(per_place, key=lambda row: row[4]):  # in order of first arrival
        steps.setdefault(bpmn_id, [bpmn_id, name, 0])[2] += count
    shown = [row for row in per_place if not filters.step or row[0] == filters.step]
    found = page(session, filtered(session, actor, filters, now), queries.inbox_order(filters.order), window,
                 with_total=False)
    return Inbox(Page(decorate(session, found.rows, now), sum(row[3] for row in shown), found.next_cursor),
                 total, overdue, others, [tuple(step) for step in steps.values()],
                 sorted({process for process, _ in spread}), villages, townships,
                 sorted({row[1] for row in shown}))


def all_items(session: Session, actor: Actor, filters: Filters, now: datetime, cap: int) -> Iterator[list[WorkItem]]:
    """Every filtered task in pages, for an export."""
    for rows in walk(session, filtered(session, actor, filters, now), queries.inbox_order(filters.order), cap):
        yield decorate(session, rows, now)


def decorate(session: Session, tasks: list[Task], now: datetime) -> list[WorkItem]:
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

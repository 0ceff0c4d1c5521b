"""The inbox as people read it: each READY task with its household, village and how long it has waited.

Filters, counts and chips are SQL (WHERE, COUNT, GROUP BY) over the tasks table; only one page of tasks is
loaded, with its instances and households in two more SELECTs. No workflow is ever deserialized.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.orm import Session, load_only, selectinload

from engine import queries
from engine.assignment import Actor
from engine.models import ProcessInstance, Task
from engine.paging import Page, Window, page, walk
from engine.scope import below
from monitoring.cases import household_id_of
from monitoring.models import Household, Member, Place, PlaceLevel

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
    """The page of work ``window`` asks for, in the filters' order, with the counts around it: three scans of the
    actor's READY tasks (counts, processes and places per claimant; chips per step and place; the page) and one of
    places. Every statement is a round trip and a Python cost of its own, whatever the rows: a page pays for each."""
    lane = queries.inbox_query(actor).subquery()
    groups = session.execute(
        select(lane.c.process_key, lane.c.place_code, lane.c.claimed_by, func.count(),
               func.count(case((lane.c.due_at < now, 1))))
        .group_by(lane.c.process_key, lane.c.place_code, lane.c.claimed_by)).all()
    mine = [group for group in groups if group.claimed_by in (None, actor.username)]
    total, overdue = sum(group[3] for group in mine), sum(group[4] for group in mine)
    villages, townships = _places(session, {group.place_code for group in mine})
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
    return Inbox(Page(decorate(session, found.rows, now, dict(villages)), sum(row[3] for row in shown),
                      found.next_cursor),
                 total, overdue, sum(group[3] for group in groups) - total, [tuple(step) for step in steps.values()],
                 sorted({group.process_key for group in mine}), villages, townships,
                 sorted({row[1] for row in shown}))


def _places(session: Session, codes: set[str]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(code, name) of the places the tasks are at, and of the townships above them, each in the order of their
    paths: one read of both."""
    if not codes:
        return [], []
    above = select(Place.parent_code).where(Place.code.in_(codes))
    rows = session.execute(
        select(Place.code, Place.name, Place.level, Place.parent_code)
        .where(or_(Place.code.in_(codes), and_(Place.level == PlaceLevel.TOWNSHIP, Place.code.in_(above))))
        .order_by(Place.path)).all()
    parents = {row.parent_code for row in rows if row.code in codes}
    return ([(row.code, row.name) for row in rows if row.code in codes],
            [(row.code, row.name) for row in rows if row.level == PlaceLevel.TOWNSHIP and row.code in parents])


def all_items(session: Session, actor: Actor, filters: Filters, now: datetime, cap: int) -> Iterator[list[WorkItem]]:
    """Every filtered task in pages, for an export."""
    for rows in walk(session, filtered(session, actor, filters, now), queries.inbox_order(filters.order), cap):
        yield decorate(session, rows, now)


# What a list shows of a task's household (its head's name and ID number, its size, its village group): the rest of
# its columns and of its members' would be read and turned into objects for every row, and never shown.
LISTED_HOUSEHOLD = (load_only(Household.id, Household.group_name, Household.village_code),
                    selectinload(Household.members).load_only(Member.household_id, Member.position, Member.name,
                                                               Member.id_number, Member.relation))


def decorate(session: Session, tasks: list[Task], now: datetime, names: Mapping[str, str] | None = None
             ) -> list[WorkItem]:
    """Each task with its household and its place's name (``names``: already read, by code), in the same few reads
    for any number of tasks."""
    instance_ids = {t.instance_id for t in tasks}
    keys = dict(session.execute(select(ProcessInstance.id, ProcessInstance.business_key)
                                .where(ProcessInstance.id.in_(instance_ids))).all()) if instance_ids else {}
    household_ids = {hid for key in keys.values() if (hid := household_id_of(key)) is not None}
    households = {h.id: h for h in session.execute(
        select(Household).where(Household.id.in_(household_ids)).options(*LISTED_HOUSEHOLD)
    ).scalars()} if household_ids else {}
    place_codes = {t.place_code for t in tasks}
    if names is None:
        names = dict(session.execute(select(Place.code, Place.name).where(Place.code.in_(place_codes))).all()) \
            if place_codes else {}
    items = []
    for task in tasks:
        household = households.get(household_id_of(keys.get(task.instance_id)))
        items.append(WorkItem(task, household, names.get(task.place_code, task.place_code),
                              now - task.created_at, due_state(task, now)))
    return items

"""The inbox as people read it: each READY task with its household, village and how long it has waited.

Filters, counts and chips are SQL (WHERE, COUNT, GROUP BY) over the tasks table; only one page of tasks is
loaded, with its instances and households in two more SELECTs. No workflow is ever deserialized.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Row, Select, and_, bindparam, case, func, select, union_all
from sqlalchemy.orm import Session

from engine import queries
from engine.assignment import Actor
from engine.models import ProcessInstance, Task
from engine.paging import Page, Window, ordered_by, page_of, walk, window_values
from engine.routing import LaneShape, lane_shape, lane_values
from engine.scope import below_named, code_at, named_range
from engine.statements import built_once
from engine.value_lists import list_value, one_of, one_of_named
from monitoring.cases import household_id_of
from monitoring.models import Household, Member, Place, PlaceLevel, head_of

DUE_SOON = timedelta(days=2)
DUE_STATES = ("overdue", "due_soon", "on_time", "no_due")


@dataclass(frozen=True)
class ListedMember:
    name: str
    id_number: str


@dataclass(frozen=True)
class ListedHousehold:
    """What a list shows of a task's household (``household_link``, ``tell_apart``, the export): its head's name and
    ID number, its size, its village group."""

    id: int
    group_name: str | None
    village_code: str
    head: ListedMember | None
    size: int


@dataclass(frozen=True)
class WorkItem:
    task: Task
    household: ListedHousehold | None
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


class Group(NamedTuple):
    """The actor's READY tasks of one process, step, place, claimant and due state: how many, and the first's."""

    process_key: str
    bpmn_id: str
    place_code: str
    place_path: str
    claimed_by: str | None
    due: str
    count: int
    first_name: str  # the least of their step names (a step's tasks share one)
    first_at: datetime  # when the first of them came to its step


@dataclass(frozen=True)
class Inbox:
    """One page of the actor's work, with what the chips and filters show, all counted by the database."""

    page: Page[WorkItem]
    total: int  # the actor's tasks, unfiltered
    overdue: int
    claimed_by_others: int
    steps: list[tuple[str, str, str, int]]  # (process, bpmn id, step name, count) under the filters but the step
    processes: list[str]
    villages: list[tuple[str, str]]  # (code, name) of the places the actor's tasks are at
    townships: list[tuple[str, str]]  # (code, name) of the townships above those places
    places_shown: list[str]  # the distinct places of the filtered tasks (for the batch choice)

    @property
    def step_choices(self) -> list[tuple[str, str]]:
        """(bpmn id, name) of the step filter's choices: one per id, named by every process's step with that id (two
        processes may both call a step ``county_review``; a chip tells them apart by its process)."""
        names: dict[str, list[str]] = {}
        for _, step, name, _ in self.steps:
            if name not in names.setdefault(step, []):
                names[step].append(name)
        return [(step, "／".join(each)) for step, each in names.items()]


def due_state(task: Task, now: datetime) -> str:
    if task.due_at is None:
        return "no_due"
    if task.due_at < now:
        return "overdue"
    return "due_soon" if task.due_at - now <= DUE_SOON else "on_time"


def mine() -> ColumnElement[bool]:
    """Of the READY tasks of the actor's lane, those unclaimed or claimed by the actor (the parameter ``username``)."""
    return Task.claimed_by.is_(None) | (Task.claimed_by == bindparam("username"))


def _applied(filters: Filters, township_path: str | None) -> tuple[str, ...]:
    """The names of the filters that apply (``township``: the township's path, read already), in ``_CONDITIONS``:
    what the statements of an inbox are built by, once (``engine.statements``)."""
    names = [name for name in ("process", "step", "village") if getattr(filters, name)]
    if filters.township:
        names.append("township" if township_path else "no_township")
    if filters.due in DUE_STATES:
        names.append("due")
    return tuple(names)


def _parameters(actor: Actor, filters: Filters, now: datetime, township_path: str | None) -> dict[str, Any]:
    """The parameters of the inbox's statements: the actor's lanes, the filters' values, the time due states count
    from."""
    return {**lane_values(actor), "username": actor.username, "now": now, "due_soon_by": now + DUE_SOON,
            "process": filters.process, "step": filters.step, "village": filters.village, "due": filters.due,
            **(named_range("township", township_path) if township_path else {})}


def _conditions(names: tuple[str, ...]) -> list[ColumnElement[bool]]:
    """What keeps the actor's own tasks that pass the filters ``names``, their values parameters (``_parameters``)."""
    return [mine(), *(_CONDITIONS[name]() for name in names)]


def _township_path(session: Session, filters: Filters) -> str | None:
    """The path of the township the filters name, if it exists."""
    return session.execute(select(Place.path).where(Place.code == filters.township)).scalar() \
        if filters.township else None


def inbox(session: Session, actor: Actor, filters: Filters, now: datetime, window: Window) -> Inbox:
    """The page of work ``window`` asks for, in the filters' order, with the counts around it. The actor's READY
    tasks are read once, grouped by what a filter or a chip tells apart (process, step, place, claimant, due state):
    every count, chip and choice is a sum over those few groups in Python, whatever the filters. The page's keys come
    from the lane's index alone (``queries.InboxLanes``), then its rows by id: sorting the area's whole rows to keep
    one page cost a county's page more than its counts."""
    shape, order = lane_shape(actor), queries.inbox_order(filters.order)
    groups = _merged(session.execute(_counted(shape), _parameters(actor, filters, now, None)))
    own = [group for group in groups if group.claimed_by in (None, actor.username)]
    total = sum(group.count for group in own)
    villages, townships = _places(session, {group.place_code: group.place_path for group in own})
    township_path = next((path for code, _, path in townships if code == filters.township), None)
    chips = [group for group in own if _passes(group, filters, township_path)]
    steps: dict[tuple[str, str], list[Any]] = {}
    for group in sorted(chips, key=lambda group: group.first_at):  # in order of first arrival
        step = (group.process_key, group.bpmn_id)  # a step is its process's: two processes may share an id
        steps.setdefault(step, [*step, group.first_name, 0])[3] += group.count
    shown = [group for group in chips if not filters.step or group.bpmn_id == filters.step]
    keys = queries.INBOX_ORDERS[order]
    if filters.township and township_path is None:
        township_path = _township_path(session, filters)  # a township none of the actor's tasks lie in
    rows = session.execute(_page_rows(shape, _applied(filters, township_path), order, bool(window.after)),
                           {**_parameters(actor, filters, now, township_path), **window_values(keys, window)}).all()
    found = page_of([task for task, _ in rows], keys, window.limit)
    cases = {task.instance_id: key for task, key in rows}
    return Inbox(Page(decorate(session, found.rows, now, dict(villages), cases), sum(group.count for group in shown),
                      found.next_cursor),
                 total, sum(group.count for group in own if group.due == "overdue"),
                 sum(group.count for group in groups) - total, [tuple(step) for step in steps.values()],
                 sorted({group.process_key for group in own}), villages,
                 [(code, name) for code, name, _ in townships], sorted({group.place_code for group in shown}))


@built_once
def _counted(shape: LaneShape) -> Select[Any]:
    """The READY tasks of the actors of ``shape`` counted by ``Group``: one grouped read of each lane."""
    keys = (Task.process_key, Task.bpmn_id, Task.place_code, Task.place_path, Task.claimed_by,
            _due_state_of(Task.due_at).label("due"))
    return union_all(*(branch.group_by(*keys) for branch in queries.inbox_lanes(shape).selects(
        [*keys, func.count(), func.min(Task.name), func.min(Task.created_at)])))


@built_once
def _page_rows(shape: LaneShape, names: tuple[str, ...], order: str, after: bool) -> Select[Any]:
    """The rows of a page of the tasks that pass the filters ``names``, with their cases' business keys, the page's
    keys picked from the lanes' index."""
    keys = queries.INBOX_ORDERS[order]
    chosen = queries.inbox_lanes(shape).window(keys, after, _conditions(names))
    return ordered_by(select(Task, ProcessInstance.business_key)
                      .join(ProcessInstance, ProcessInstance.id == Task.instance_id).where(Task.id.in_(chosen)), keys)


def _merged(groups: Iterable[Row[Any]]) -> list[Group]:
    """Each group once: two branches of the lanes (``queries.InboxLanes``) may count tasks of the same group."""
    merged: dict[tuple, Group] = {}
    for row in groups:
        key = tuple(row[:6])
        seen = merged.get(key)
        merged[key] = Group(*key, row[6], row[7], row[8]) if seen is None else \
            Group(*key, seen.count + row[6], min(seen.first_name, row[7]), min(seen.first_at, row[8]))
    return list(merged.values())


def _due_state_of(due_at: ColumnElement[datetime | None]) -> ColumnElement[str]:
    """``due_state`` as SQL, of a column of due times, at the time of the parameters ``now`` and ``due_soon_by``."""
    return case((due_at.is_(None), "no_due"), (due_at < bindparam("now", type_=Task.due_at.type), "overdue"),
                (due_at <= bindparam("due_soon_by", type_=Task.due_at.type), "due_soon"), else_="on_time")


_CONDITIONS: dict[str, Callable[[], ColumnElement[bool]]] = {
    "process": lambda: Task.process_key == bindparam("process"),
    "step": lambda: Task.bpmn_id == bindparam("step"),
    "village": lambda: Task.place_code == bindparam("village"),
    "township": lambda: below_named(Task.place_path, "township"),
    "no_township": lambda: Task.place_code.is_(None),  # a township that does not exist: nothing
    "due": lambda: _due_state_of(Task.due_at) == bindparam("due"),
}


def _passes(group: Any, filters: Filters, township_path: str | None) -> bool:
    """Whether the tasks of a group pass the filters other than the step: ``filtered`` in Python, for the chips."""
    return ((not filters.process or group.process_key == filters.process)
            and (not filters.village or group.place_code == filters.village)
            and (not filters.township or (township_path is not None and group.place_path.startswith(township_path)))
            and (filters.due not in DUE_STATES or group.due == filters.due))


def _places(session: Session, paths: Mapping[str | None, str | None]
            ) -> tuple[list[tuple[str, str]], list[tuple[str, str, str]]]:
    """(code, name) of the places the tasks are at (``paths``: code -> path), and (code, name, path) of the townships
    above them, each in the order of their paths: one read by primary key of both, the parents' codes taken from the
    paths (an OR of the places and their parents' had PostgreSQL scan every place)."""
    codes = {code for code in paths if code}
    if not codes:
        return [], []
    parents = {code_at(parent) for path in paths.values() if path and (parent := path.rstrip("/").rsplit("/", 1)[0])}
    dialect = session.get_bind().dialect.name
    rows = session.execute(_places_named(dialect), {"codes": list_value(dialect, codes | parents)}).all()
    above = {row.parent_code for row in rows if row.code in codes}
    return ([(row.code, row.name) for row in rows if row.code in codes],
            [(row.code, row.name, row.path) for row in rows if row.level == PlaceLevel.TOWNSHIP and row.code in above])


@built_once
def _places_named(dialect: str) -> Select[Any]:
    return (select(Place.code, Place.name, Place.level, Place.parent_code, Place.path)
            .where(one_of_named(dialect, Place.code, "codes")).order_by(Place.path))


def all_items(session: Session, actor: Actor, filters: Filters, now: datetime, cap: int) -> Iterator[list[WorkItem]]:
    """Every filtered task in pages, for an export."""
    order, township_path = queries.inbox_order(filters.order), _township_path(session, filters)
    query = queries.inbox_query(actor).where(*_conditions(_applied(filters, township_path))) \
        .params(_parameters(actor, filters, now, township_path))
    for rows in walk(session, query, queries.INBOX_ORDERS[order], cap):
        yield decorate(session, rows, now)


def decorate(session: Session, tasks: list[Task], now: datetime, names: Mapping[str, str] | None = None,
             keys: Mapping[int, str | None] | None = None) -> list[WorkItem]:
    """Each task with its household and its place's name (``names``: already read, by code; ``keys``: the business
    keys of the tasks' cases, by case id, already read), in the same few reads for any number of tasks."""
    if keys is None:
        instance_ids = {t.instance_id for t in tasks}
        keys = dict(session.execute(select(ProcessInstance.id, ProcessInstance.business_key)
                                    .where(one_of(session, ProcessInstance.id, instance_ids))).all()) \
            if instance_ids else {}
    households = listed_households(session, {hid for key in keys.values()
                                             if (hid := household_id_of(key)) is not None})
    place_codes = {t.place_code for t in tasks}
    if names is None:
        names = dict(session.execute(select(Place.code, Place.name)
                                     .where(one_of(session, Place.code, place_codes))).all()) if place_codes else {}
    items = []
    for task in tasks:
        household = households.get(household_id_of(keys.get(task.instance_id)))
        items.append(WorkItem(task, household, names.get(task.place_code, task.place_code),
                              now - task.created_at, due_state(task, now)))
    return items


def listed_households(session: Session, ids: set[int]) -> dict[int, ListedHousehold]:
    """The households ``ids`` as a list shows them (the inbox, the data-quality findings), read as rows: made into ORM
    objects with their members, a page's fifty households and their hundred and fifty members cost the inbox page more
    than all its queries."""
    if not ids:
        return {}
    households: dict[int, Any] = {}
    members: dict[int, list[Any]] = {}
    dialect = session.get_bind().dialect.name
    for row in session.execute(_listed_named(dialect), {"ids": list_value(dialect, ids)}):
        households.setdefault(row.id, row)
        if row.member_of is not None:
            members.setdefault(row.id, []).append(row)
    listed = {}
    for household_id, row in households.items():
        present = members.get(household_id, [])
        head = head_of(present)
        listed[household_id] = ListedHousehold(household_id, row.group_name, row.village_code,
                                               ListedMember(head.name, head.id_number) if head else None, len(present))
    return listed


@built_once
def _listed_named(dialect: str) -> Select[Any]:
    """Each household of the parameter ``ids`` with its present members, in their order (one with none: NULLs)."""
    return (select(Household.id, Household.group_name, Household.village_code, Member.household_id.label("member_of"),
                   Member.name, Member.id_number, Member.relation)
            .outerjoin(Member, and_(Member.household_id == Household.id, Member.left_on.is_(None)))
            .where(one_of_named(dialect, Household.id, "ids")).order_by(Household.id, Member.position))

"""Read side of the dashboard: monitoring objects and open tasks of a place, counted in SQL.

Every query is one GROUP BY scoped by a ``place_path`` prefix (the indexed scope columns): no
workflow is loaded and no household or task row travels to Python, however large the place.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    Integer,
    and_,
    case,
    cast,
    distinct,
    exists,
    func,
    literal,
    literal_column,
    not_,
    or_,
    select,
    union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased
from sqlalchemy.sql.selectable import Alias
from sqlalchemy.sql.visitors import InternalTraversal

from engine.models import InstanceStatus, ProcessInstance, Task, TaskState
from engine.scope import below, is_top_level, upper_bound
from monitoring.household_copies import HouseholdRisk
from monitoring.models import Household, HouseholdStatusChange, MonitoringStatus, Place
from monitoring.quarters import Quarter


@dataclass(frozen=True)
class AreaCount:
    """A count for one area: a child place of the user's place, or the place itself."""

    code: str
    name: str
    count: int


@dataclass(frozen=True)
class StepCount:
    """Cases standing at one step of one process, and how many of them are overdue there."""

    process_key: str
    step: str
    name: str
    cases: int
    overdue: int


@dataclass(frozen=True)
class BulletinRow:
    """One line of the quarterly bulletin: an area's open tasks and the overdue among them."""

    code: str
    name: str
    open_tasks: int
    overdue: int

    @property
    def share(self) -> float:
        return self.overdue / self.open_tasks if self.open_tasks else 0.0


def _in(place_path: str, path_column: InstrumentedAttribute) -> Any:
    return below(path_column, place_path)


def households_by_status(session: Session, place: Place,
                         statuses: Collection[str] = tuple(MonitoringStatus)) -> dict[str, list[AreaCount]]:
    """Households of the place of each of the ``statuses`` asked, per child place (a county's townships, a township's
    villages; zeros included), their sum the place's count. One pass over a range of the status-first index for every
    status (the dashboard asks the monitored and the eliminated, and leaves the region's million others unread), where
    a count per status and one per area were two passes."""
    rows = _per_area(session, place, Household, Household.place_path, Household.monitoring_status.in_(statuses),
                     func.count(), by=(Household.monitoring_status,))
    areas = dict.fromkeys((code, name) for code, name, _, _ in rows)  # in code order, the place's own if it counts
    counts = {(code, status): count for code, _, status, count in rows}
    children = any(code != place.code for code, _ in areas)
    return {status: [AreaCount(code, name, counts.get((code, status), 0)) for code, name in areas
                     if _shown(code == place.code, children, counts.get((code, status)))]
            for status in statuses}


def monitored_by_type(session: Session, place_path: str) -> dict[str | None, int]:
    """Monitoring objects by monitoring type (code list ``monitoring_type``)."""
    rows = session.execute(select(Household.monitoring_type, func.count())
                           .where(_in(place_path, Household.place_path),
                                  Household.monitoring_status == MonitoringStatus.MONITORED)
                           .group_by(Household.monitoring_type))
    return dict(rows.all())


def monitored_by_risk(session: Session, place_path: str) -> dict[str, int]:
    """Monitoring objects per risk type; a household with three risks counts once under each. Read from
    ``household_risks`` (one index range of the monitored in the place), not from each household's JSON list."""
    rows = session.execute(select(HouseholdRisk.risk_type, func.count())
                           .where(HouseholdRisk.monitoring_status == MonitoringStatus.MONITORED,
                                  _in(place_path, HouseholdRisk.place_path))
                           .group_by(HouseholdRisk.risk_type))
    return dict(rows.all())


def running_cases(session: Session, place_path: str) -> int:
    """Cases not yet ended, including those waiting on a notice period or another timer."""
    return session.execute(select(func.count()).select_from(ProcessInstance)
                           .where(_in(place_path, ProcessInstance.place_path),
                                  ProcessInstance.status == InstanceStatus.RUNNING)).scalar_one()


class _IndexedBy(Alias):
    """A table read by the index named (SQLite's ``INDEXED BY``; other databases choose by their statistics)."""

    _traverse_internals: ClassVar = [*Alias._traverse_internals, ("index", InternalTraversal.dp_string)]
    index: str


@compiles(_IndexedBy, "sqlite")
def _indexed_by(element: _IndexedBy, compiler: Any, **kw: Any) -> str:
    alias = compiler.visit_alias(element, **kw)
    return f"{alias} INDEXED BY {element.index}" if kw.get("asfrom") else alias


def _tasks_by(index: str) -> Any:
    table = _IndexedBy._construct(Task.__table__, name=Task.__tablename__)
    table.index = index
    return aliased(Task, table)


def cases_by_step(session: Session, place_path: str, now: datetime) -> list[StepCount]:
    """Cases per open step (READY tasks by process and step), busiest step of each process first.

    A region's READY tasks are read from ``ix_tasks_ready_steps`` in step order (sorting its 50,000 by step cost
    PostgreSQL 60 ms and a sort on disk, SQLite 90 ms of CPU); a smaller place's from its range of ``ix_tasks_scope``,
    then sorted. PostgreSQL picks between them by its statistics; SQLite, which has none, is told for a top-level
    place (the region), whose range is the whole index."""
    tasks = _tasks_by("ix_tasks_ready_steps") if is_top_level(place_path) else Task
    cases = func.count(distinct(tasks.instance_id))
    overdue = func.count(distinct(case((tasks.due_at < now, tasks.instance_id))))
    rows = session.execute(
        select(tasks.process_key, tasks.bpmn_id, tasks.name, cases, overdue)
        # READY and the place written into the statement, not sent as parameters: a partial index serves a query
        # whose text implies its condition (SQLite plans before it sees a parameter's value), and PostgreSQL's plan
        # kept for a statement prepared (psycopg, from its sixth run) chose by the place's range without its values
        .where(tasks.place_path >= literal(place_path, literal_execute=True),
               tasks.place_path < literal(upper_bound(place_path), literal_execute=True),
               tasks.state == literal_column(f"'{TaskState.READY.value}'"))
        .group_by(tasks.process_key, tasks.bpmn_id, tasks.name)
        .order_by(tasks.process_key, cases.desc(), tasks.name)
    )
    return [StepCount(*row) for row in rows]


def bulletin(session: Session, place: Place, now: datetime) -> list[BulletinRow]:
    """Open and overdue READY tasks per child place: the quarterly bulletin of a county is per township."""
    return _tasks_by_area(session, place, Task.state == TaskState.READY, now)


def _tasks_by_area(session: Session, place: Place, is_open: Any | tuple[Any, ...],
                   moment: datetime) -> list[BulletinRow]:
    # count(*), not count(id): a task's id is no part of the scope index, and the open now are read from it alone
    rows = _per_area(session, place, Task, Task.place_path, is_open, func.count(),
                     func.count(case((Task.due_at < moment, 1))))
    return [BulletinRow(*row) for row in rows]


def bulletin_total(rows: list[BulletinRow], name: str) -> BulletinRow:
    return BulletinRow("", name, sum(r.open_tasks for r in rows), sum(r.overdue for r in rows))


def area_level(session: Session, place: Place) -> str:
    """The level the per-area counts break down into: the children's (a region may skip leagues), or the
    place's own when it has none."""
    child = session.execute(select(Place.level).where(Place.parent_code == place.code).limit(1)).scalar()
    return child or place.level


def _area_path(place: Place, path_column: Any, dialect: str) -> Any:
    """The path of the area a row lies in: its path cut after the segment that follows ``place.path`` (the child
    place's code), or ``place.path`` itself for a row at the place. Codes differ in length from level to level and
    tree to tree, so the cut is found by the next ``/``, not by a fixed width."""
    start = len(place.path)
    rest = func.substr(path_column, start + 1)
    slash = func.instr(rest, "/") if dialect == "sqlite" else func.strpos(rest, "/")
    return func.substr(path_column, 1, start + slash)


def _per_area(session: Session, place: Place, model: type, path_column: InstrumentedAttribute,
              condition: Any | tuple[Any, ...], *counts: Any, by: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """``code, name, *counts`` per child place, zeros included; the place's own row holds what lies at the place
    itself, and is left out when empty unless the place has no children (a village). ``by``: columns the rows are
    also grouped by, before their path (as an index holding them before it reads them in order); each area then has
    a row per value found, ``code, name, *by, *counts`` (an area with none, one row of NULLs and zeros).

    One pass over the subtree (an index range) counts per path; the few thousand path sums are then summed per area
    path, cut from each path (``_area_path``), and joined to the places by equality: no row is matched against
    every area by prefix, and ``condition`` is evaluated once a row. A tuple of disjoint conditions is counted a pass
    each and summed (each its own index range, where their OR may find none). ``count(*)``, not ``count(id)``, where
    the rows counted are all the condition's: the id is no part of the indexes that answer alone (PostgreSQL read a
    region's 100,000 monitored households from the table, 500 ms, where the status index alone answers, 60 ms)."""
    keys = [f"k{i}" for i in range(len(by))]
    numbers = [f"n{i}" for i in range(len(counts))]
    passes = [select(*(column.label(key) for column, key in zip(by, keys, strict=True)), path_column.label("path"),
                     *(count.label(number) for count, number in zip(counts, numbers, strict=True)))
              .select_from(model).where(each, _in(place.path, path_column)).group_by(*by, path_column)
              for each in (condition if isinstance(condition, tuple) else (condition,))]
    by_path = (passes[0] if len(passes) == 1 else union_all(*passes)).subquery()
    placed = select(*(by_path.c[key] for key in keys),
                    _area_path(place, by_path.c.path, session.get_bind().dialect.name).label("area"),
                    *(by_path.c[number] for number in numbers)).subquery()
    grouped = (placed.c.area, *(placed.c[key] for key in keys))
    by_area = (select(*grouped, *(func.sum(placed.c[number]).label(number) for number in numbers))
               .group_by(*grouped).subquery())
    rows = session.execute(
        select(Place.code, Place.name, *(by_area.c[key] for key in keys),
               *(cast(func.coalesce(by_area.c[number], 0), Integer) for number in numbers))
        .select_from(Place).outerjoin(by_area, by_area.c.area == Place.path)
        .where(or_(Place.code == place.code, Place.parent_code == place.code))
        .order_by(Place.code, *(by_area.c[key] for key in keys))
    ).all()
    children = any(row[0] != place.code for row in rows)
    return [row for row in rows if _shown(row[0] == place.code, children, any(row[2 + len(by):]))]


def _shown(is_the_place: bool, has_children: bool, counts_something: Any) -> bool:
    """Whether an area's row is listed: every child place's, zeros included; the place's own (what lies at the place
    itself) when it counts something, or when the place has no children (a village's one row)."""
    return not is_the_place or not has_children or bool(counts_something)


# The quarterly bulletin (季度通报): what happened within one quarter. Each count is defined once, as a condition
# on its rows; the count (GROUP BY) and the list behind it (the case or household list) apply the same one, so a
# number and the list it links to can never disagree.

CASE_COUNTS = {  # count -> what the case list shows for it
    "started": "新发起案件",
    "rejected": "不予纳入",
    "reached": "到达步骤",
    "late": "逾期办理",
}
HOUSEHOLD_COUNTS = {"identified": "新纳入监测", "eliminated": "风险消除", "reversed": "风险消除回退",
                    "objects": "季末监测对象"}
_Change = HouseholdStatusChange
# status_history.is_reversal as SQL: an elimination undone by the county, which no case made
_REVERSAL = and_(_Change.from_status == MonitoringStatus.ELIMINATED, _Change.to_status == MonitoringStatus.MONITORED,
                 _Change.instance_id.is_(None))
_CHANGES = {"identified": and_(_Change.to_status == MonitoringStatus.MONITORED, not_(_REVERSAL)),
            "eliminated": _Change.to_status == MonitoringStatus.ELIMINATED, "reversed": _REVERSAL}


def _task_in(quarter: Quarter, now: datetime, count: str) -> Any:
    """A task that came to its step within the quarter ("reached"), and one of those not done by its due time."""
    reached = and_(Task.created_at >= quarter.starts_at, Task.created_at < quarter.ends_at)
    if count == "reached":
        return reached
    done_late = and_(Task.completed_at.is_not(None), Task.completed_at > Task.due_at)
    still_late = and_(Task.state == TaskState.READY, Task.due_at < now)
    return and_(reached, Task.due_at.is_not(None), or_(done_late, still_late))


def case_condition(count: str, quarter: Quarter, now: datetime, step: str | None = None,
                   place_path: str | None = None) -> Any:
    """The cases a bulletin count counts: started in the quarter, ended in it without inclusion, or with a task
    at ``step`` (any step when None) that reached it in the quarter (``late``: and was not done in time).
    ``place_path``: the caller counts only cases of that place and below, so the tasks are read for those alone
    (the database then picks the smaller side: the quarter's tasks, or the place's cases)."""
    if count == "started":
        return and_(ProcessInstance.created_at >= quarter.starts_at, ProcessInstance.created_at < quarter.ends_at)
    if count == "rejected":
        return and_(ProcessInstance.status == InstanceStatus.COMPLETED, ProcessInstance.ended_at >= quarter.starts_at,
                    ProcessInstance.ended_at < quarter.ends_at,
                    ProcessInstance.data["rejected_step"].as_string().is_not(None))
    tasks = select(Task.instance_id).where(_task_in(quarter, now, count))
    if place_path is not None:
        case_of_task = aliased(ProcessInstance)
        tasks = tasks.join(case_of_task, case_of_task.id == Task.instance_id).where(
            _in(place_path, case_of_task.place_path))
    return ProcessInstance.id.in_(tasks.where(Task.bpmn_id == step) if step else tasks)


def household_condition(count: str, quarter: Quarter, place_path: str | None = None) -> Any:
    """Households counted by their status history (``household_status_changes``), each change on the day it took
    effect: ``identified`` (纳入监测, again after an elimination too), ``eliminated`` or ``reversed`` (风险消除回退)
    within the quarter — an elimination reversed later still counts in its own quarter — and ``objects``, the
    monitoring objects at the quarter's last day (identified by then, not eliminated by then or reversed since).

    Written as ``id IN (households of the changes)``: the changes are read from the index by kind and day (a
    quarter's few thousand, not a region's million households probed one by one), then their households;
    ``place_path`` limits the changes to the households of that place and below, for a caller that counts only
    those (the database then starts from whichever is smaller: the changes or the place's households)."""
    if count == "objects":
        return monitored_on(quarter.last_day, place_path)
    return Household.id.in_(_of_households_in(select(_Change.household_id).where(
        _CHANGES[count], _Change.changed_on >= quarter.first_day, _Change.changed_on <= quarter.last_day),
        place_path))


def _of_households_in(changes: Any, place_path: str | None) -> Any:
    """The households of ``changes``, of ``place_path`` and below when it names a place under another. A top-level
    place's callers count its range of households already, and its own range keeps every change: read against it, the
    region's bulletin joined all of its million households once more (2.5–2.9 s → 1.6–2.1 s)."""
    if place_path is None or is_top_level(place_path):
        return changes
    changed = aliased(Household)
    return changes.join(changed, changed.id == _Change.household_id).where(_in(place_path, changed.place_path))


def monitored_on(day: date, place_path: str | None = None) -> Any:
    """Households that were monitoring objects at the end of ``day``: a change made them one by then and no later
    change (by day, then as recorded) in effect by then undid it. Read from the changes that made objects (by the
    index on status and day), each checked by NOT EXISTS against its household's later ones, which both databases
    join in bulk (a per-household ORDER BY … LIMIT 1 costs PostgreSQL seconds for a region)."""
    later = aliased(HouseholdStatusChange)
    undone = exists().where(later.household_id == _Change.household_id, later.changed_on <= day,
                            or_(later.changed_on > _Change.changed_on,
                                and_(later.changed_on == _Change.changed_on, later.id > _Change.id)))
    return Household.id.in_(_of_households_in(select(_Change.household_id).where(
        _Change.to_status == MonitoringStatus.MONITORED, _Change.changed_on <= day, ~undone), place_path))


def tasks_open_at(quarter: Quarter, now: datetime) -> tuple[datetime, tuple[Any, ...]]:
    """When a quarter's open tasks are counted — its end, or now while it lasts — and the tasks open then, as disjoint
    conditions: a past quarter's are those created before its end and READY now, or done or withdrawn at or after
    its end (the engine stamps ``completed_at`` on both). Counted apart, each is one index range (the READY of the
    scope index, the done since the end of ``ix_tasks_done``), where their OR read every task of the table."""
    if now < quarter.ends_at:
        return now, (Task.state == TaskState.READY,)
    end = quarter.ends_at
    return end, (and_(Task.state == TaskState.READY, Task.created_at < end),
                 and_(Task.completed_at >= end, Task.created_at < end))


def open_tasks_by_area(session: Session, place: Place, quarter: Quarter, now: datetime) -> list[BulletinRow]:
    """Open and overdue tasks per child place at the moment ``tasks_open_at`` gives (by the task's own place)."""
    moment, is_open = tasks_open_at(quarter, now)
    return _tasks_by_area(session, place, is_open, moment)


@dataclass(frozen=True)
class QuarterRow:
    """One area's line of the bulletin (the user's own place sums its areas)."""

    code: str
    name: str
    started: int
    identified: int
    rejected: int
    eliminated: int
    late: int


def quarter_by_area(session: Session, place: Place, quarter: Quarter, now: datetime) -> list[QuarterRow]:
    """Every count of the quarter per child place: one GROUP BY per count, zeros included."""
    columns = {
        "started": _per_area(session, place, ProcessInstance, ProcessInstance.place_path,  # from the index alone
                             case_condition("started", quarter, now), func.count()),
        "identified": _per_area(session, place, Household, Household.place_path,
                                household_condition("identified", quarter, place.path), func.count(Household.id)),
        "rejected": _per_area(session, place, ProcessInstance, ProcessInstance.place_path,
                              case_condition("rejected", quarter, now), func.count(ProcessInstance.id)),
        "eliminated": _per_area(session, place, Household, Household.place_path,
                                household_condition("eliminated", quarter, place.path), func.count(Household.id)),
        "late": _per_area(session, place, ProcessInstance, ProcessInstance.place_path,
                          case_condition("late", quarter, now, place_path=place.path), func.count(ProcessInstance.id)),
    }
    names: dict[str, str] = {}
    counts: dict[str, dict[str, int]] = {}
    for key, rows in columns.items():
        for code, name, number in rows:
            names[code] = name
            counts.setdefault(code, {})[key] = number
    return [QuarterRow(code, names[code], **{key: counts[code].get(key, 0) for key in columns})
            for code in sorted(names)]


def households_by_area(session: Session, place: Place, count: str, quarter: Quarter) -> dict[str, int]:
    """Households a ``HOUSEHOLD_COUNTS`` count counts in the quarter, per child place."""
    return {code: n for code, _, n in _per_area(session, place, Household, Household.place_path,
                                                household_condition(count, quarter, place.path),
                                                func.count(Household.id))}


@dataclass(frozen=True)
class StepReached:
    """A step's name as its tasks were named (a step no longer in the model keeps it), the cases that reached it in
    the quarter and those of them not done in time."""

    name: str
    reached: int
    late: int


def cases_by_step_in(session: Session, place_path: str, quarter: Quarter,
                     now: datetime) -> dict[str, dict[str, StepReached]]:
    """Per process and step: the place's cases that reached it in the quarter, and of those the ones not done in
    time (a county's step of a village's case counts for the village). One pass over the place's cases and their
    tasks for every process at once: a pass per process read the region's tasks once for each."""
    late = case((_task_in(quarter, now, "late"), Task.instance_id))
    rows = session.execute(
        select(Task.process_key, Task.bpmn_id, func.max(Task.name), func.count(distinct(Task.instance_id)),
               func.count(distinct(late)))
        .join(ProcessInstance, ProcessInstance.id == Task.instance_id)
        .where(_in(place_path, ProcessInstance.place_path), _task_in(quarter, now, "reached"))
        .group_by(Task.process_key, Task.bpmn_id))
    found: dict[str, dict[str, StepReached]] = {}
    for process_key, step, name, reached, overdue in rows:
        found.setdefault(process_key, {})[step] = StepReached(name or step, reached, overdue)
    return found

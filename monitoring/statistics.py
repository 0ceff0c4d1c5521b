"""Read side of the dashboard: monitoring objects and open tasks of a place, counted in SQL.

Every query is one GROUP BY scoped by a ``place_path`` prefix (the indexed scope columns): no
workflow is loaded and no household or task row travels to Python, however large the place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, and_, case, column, distinct, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from engine.models import InstanceStatus, ProcessInstance, Task, TaskState
from monitoring.models import Household, MonitoringStatus, Place


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
    return path_column.startswith(place_path, autoescape=True)


def households_by_status(session: Session, place_path: str) -> dict[str, int]:
    """Households of the place by monitoring status (monitored, eliminated, not monitored)."""
    rows = session.execute(select(Household.monitoring_status, func.count())
                           .where(_in(place_path, Household.place_path))
                           .group_by(Household.monitoring_status))
    return dict(rows.all())


def monitored_by_type(session: Session, place_path: str) -> dict[str | None, int]:
    """Monitoring objects by monitoring type (code list ``monitoring_type``)."""
    rows = session.execute(select(Household.monitoring_type, func.count())
                           .where(_in(place_path, Household.place_path),
                                  Household.monitoring_status == MonitoringStatus.MONITORED)
                           .group_by(Household.monitoring_type))
    return dict(rows.all())


def monitored_by_risk(session: Session, place_path: str) -> dict[str, int]:
    """Monitoring objects per risk type; a household with three risks counts once under each."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        risks = func.json_each(Household.risk_types).table_valued(column("value", String))
        is_list = func.json_type(Household.risk_types) == "array"
    else:  # PostgreSQL names a set-returning function's column only when told, hence render_derived
        risks = func.json_array_elements_text(Household.risk_types).table_valued(column("value", String)) \
            .render_derived()
        is_list = func.json_typeof(Household.risk_types) == "array"
    rows = session.execute(
        select(risks.c.value, func.count())
        .select_from(Household).join(risks, risks.c.value.is_not(None))
        .where(_in(place_path, Household.place_path), is_list,
               Household.monitoring_status == MonitoringStatus.MONITORED)
        .group_by(risks.c.value)
    )
    return dict(rows.all())


def monitored_by_area(session: Session, place: Place) -> list[AreaCount]:
    """Monitoring objects per child place (a county's townships, a township's villages)."""
    rows = _per_area(session, place, Household, Household.place_path,
                     Household.monitoring_status == MonitoringStatus.MONITORED, func.count(Household.id))
    return [AreaCount(code, name, count) for code, name, count in rows]


def running_cases(session: Session, place_path: str) -> int:
    """Cases not yet ended, including those waiting on a notice period or another timer."""
    return session.execute(select(func.count()).select_from(ProcessInstance)
                           .where(_in(place_path, ProcessInstance.place_path),
                                  ProcessInstance.status == InstanceStatus.RUNNING)).scalar_one()


def cases_by_step(session: Session, place_path: str, now: datetime) -> list[StepCount]:
    """Cases per open step (READY tasks by process and step), busiest step of each process first."""
    cases = func.count(distinct(Task.instance_id))
    overdue = func.count(distinct(case((Task.due_at < now, Task.instance_id))))
    rows = session.execute(
        select(Task.process_key, Task.bpmn_id, Task.name, cases, overdue)
        .where(_in(place_path, Task.place_path), Task.state == TaskState.READY)
        .group_by(Task.process_key, Task.bpmn_id, Task.name)
        .order_by(Task.process_key, cases.desc(), Task.name)
    )
    return [StepCount(*row) for row in rows]


def bulletin(session: Session, place: Place, now: datetime) -> list[BulletinRow]:
    """Open and overdue READY tasks per child place: the quarterly bulletin of a county is per township."""
    rows = _per_area(session, place, Task, Task.place_path, Task.state == TaskState.READY, func.count(Task.id),
                     func.count(case((Task.due_at < now, Task.id))))
    return [BulletinRow(*row) for row in rows]


def bulletin_total(rows: list[BulletinRow], name: str) -> BulletinRow:
    return BulletinRow("", name, sum(r.open_tasks for r in rows), sum(r.overdue for r in rows))


def area_level(session: Session, place: Place) -> str:
    """The level the per-area counts break down into: the children's (a region may skip leagues), or the
    place's own when it has none."""
    child = session.execute(select(Place.level).where(Place.parent_code == place.code).limit(1)).scalar()
    return child or place.level


def _per_area(session: Session, place: Place, model: type, path_column: InstrumentedAttribute, condition: Any,
              *aggregates: Any) -> list[tuple[Any, ...]]:
    """``code, name, *aggregates`` per child place, zeros included; the place's own row holds what lies at the
    place itself, and is left out when empty unless the place has no children (a village)."""
    own = Place.code == place.code
    belongs = or_(and_(own, path_column == Place.path), and_(~own, path_column.startswith(Place.path)))
    rows = session.execute(
        select(Place.code, Place.name, *aggregates).select_from(Place)
        .outerjoin(model, and_(condition, _in(place.path, path_column), belongs))
        .where(or_(own, Place.parent_code == place.code))
        .group_by(Place.code, Place.name).order_by(Place.code)
    ).all()
    children = [row for row in rows if row[0] != place.code]
    return [row for row in rows if row[0] != place.code or not children or any(row[2:])]


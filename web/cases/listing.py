"""The case list: each visible instance with its household, village and open steps, in a fixed few queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from engine import queries
from engine.assignment import Actor
from engine.models import InstanceStatus, ProcessInstance, Task, TaskState
from monitoring.cases import household_id_of
from monitoring.models import Household, Place

STATUSES = {  # status -> (Chinese, badge class)
    InstanceStatus.RUNNING: ("办理中", "info"), InstanceStatus.COMPLETED: ("已办结", "ok"),
    InstanceStatus.ERROR: ("出错", "bad"), InstanceStatus.CANCELLED: ("已撤销", "warn"),
}


@dataclass(frozen=True)
class CaseRow:
    instance: ProcessInstance
    household: Household | None
    village: str
    steps: list[str]  # names of the open tasks


def case_rows(session: Session, actor: Actor, process: str | None = None, status: str | None = None) -> list[CaseRow]:
    instances = queries.visible_instances(session, actor, process, status)
    households = households_by_id(session, (household_id_of(i.business_key) for i in instances))
    steps = open_step_names(session, [i.id for i in instances])
    villages = place_names(session, {i.place_code for i in instances})
    return [CaseRow(i, households.get(household_id_of(i.business_key)), villages.get(i.place_code, i.place_code),
                    steps.get(i.id, [])) for i in instances]


def households_by_id(session: Session, ids: Iterable[int | None]) -> dict[int, Household]:
    """Households with their members (for the head's name), in one query."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    query = select(Household).where(Household.id.in_(wanted)).options(selectinload(Household.members))
    return {h.id: h for h in session.execute(query).scalars()}


def open_step_names(session: Session, instance_ids: list[int]) -> dict[int, list[str]]:
    names: dict[int, list[str]] = defaultdict(list)
    if instance_ids:
        rows = session.execute(select(Task.instance_id, Task.name).where(
            Task.instance_id.in_(instance_ids), Task.state == TaskState.READY).order_by(Task.created_at))
        for instance_id, name in rows:
            names[instance_id].append(name)
    return names


def place_names(session: Session, codes: set[str]) -> dict[str, str]:
    if not codes:
        return {}
    return dict(session.execute(select(Place.code, Place.name).where(Place.code.in_(codes))).all())

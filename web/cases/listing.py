"""The case list: each visible instance with its household, village and open steps, in a fixed few queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from engine import queries
from engine.assignment import Actor
from engine.models import InstanceStatus, ProcessInstance, Task, TaskState
from engine.paging import Page, Window, walk
from monitoring import case_outcomes
from monitoring.cases import household_id_of
from monitoring.id_number import mask_id_number
from monitoring.models import Household, Place
from web.cases.progress import waiting_words
from web.exports import EXPORT_MAX_ROWS, Column
from web.templating import process_name

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
    outcome: str | None  # how an ended case ended (monitoring.case_outcomes)
    waiting: str  # what a case with no open task waits for (progress.waiting_words), else ""


def rows_of(session: Session, instances: list[ProcessInstance]) -> list[CaseRow]:
    """Instances with their households, villages, open steps and outcomes: a few more SELECTs, whatever the count."""
    households = households_by_id(session, (household_id_of(i.business_key) for i in instances))
    steps = open_step_names(session, [i.id for i in instances])
    villages = place_names(session, {i.place_code for i in instances})
    ended = case_outcomes.outcomes(session, instances)
    return [CaseRow(i, households.get(household_id_of(i.business_key)), villages.get(i.place_code, i.place_code),
                    steps.get(i.id, []), ended.get(i.id), waiting_words(i.waiting or [])) for i in instances]


def case_page(session: Session, actor: Actor, window: Window, process: str | None = None,
              status: str | None = None, where: Sequence[Any] = ()) -> Page[CaseRow]:
    """One page of the visible cases, newest first (``where``: a bulletin number's condition)."""
    found = queries.instances_page(session, actor, window, process, status, where)
    return Page(rows_of(session, found.rows), found.total, found.next_cursor)


def all_cases(session: Session, actor: Actor, process: str | None, status: str | None,
              where: Sequence[Any] = ()) -> Iterator[list[CaseRow]]:
    for instances in walk(session, queries.instances_query(actor, process, status, where), queries.INSTANCE_ORDER,
                          EXPORT_MAX_ROWS):
        yield rows_of(session, instances)


def case_columns() -> list[Column[CaseRow]]:
    return [
        Column("案件号", lambda r: r.instance.id, "int", width=8),
        Column("户主", lambda r: r.household.head.name if r.household and r.household.head else "", width=12),
        Column("身份证号", lambda r: mask_id_number(r.household.head.id_number) if r.household and r.household.head
               else "", width=22),
        Column("嘎查村", lambda r: r.village, width=16),
        Column("流程", lambda r: process_name(r.instance.process_key), width=16),
        Column("状态", lambda r: STATUSES[r.instance.status][0] if r.instance.status in STATUSES else ""),
        Column("当前步骤", lambda r: "、".join(r.steps), width=20),
        Column("发起日期", lambda r: r.instance.created_at, "date"),
        Column("结束日期", lambda r: r.instance.ended_at, "date"),
    ]


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

"""The inbox list: its export columns and when it offers a batch decision."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import batch, tasks
from engine.core import Engine
from engine.models import ProcessInstance
from monitoring import worklist
from monitoring.id_number import mask_id_number
from monitoring.models import Place
from web.exports import Column
from web.templating import deadline_shown, process_name

DUE_STATES = {"overdue": "已逾期", "due_soon": "两天内到期", "on_time": "未到期", "no_due": "无期限"}


INBOX_COLUMNS: list[Column[worklist.WorkItem]] = [
    Column("农牧户", lambda i: i.household.head.name if i.household and i.household.head else "", width=12),
    Column("身份证号", lambda i: mask_id_number(i.household.head.id_number) if i.household and i.household.head
           else "", width=22),
    Column("嘎查村", lambda i: i.village_name, width=16),
    Column("流程", lambda i: process_name(i.task.process_key), width=16),
    Column("步骤", lambda i: i.task.name, width=18),
    Column("到达时间", lambda i: i.task.created_at, "datetime", width=18),
    Column("办理期限", lambda i: deadline_shown(i.task.due_at) if i.task.due_at else None, "date"),
    Column("期限状态", lambda i: DUE_STATES[i.due_state]),
    Column("认领", lambda i: "已认领" if i.task.claimed_by else "待认领", width=10),
]


def batch_offered(session: Session, engine: Engine, found: worklist.Inbox, filters: worklist.Filters) -> bool:
    """Choosing a step is enough to batch when its BPMN lets it be decided together and all its tasks shown lie
    within the step's batch reach (``engine.batch``: one place, or the places under one parent)."""
    if not filters.step or found.page.total < 2 or not found.page.rows:
        return False
    first = found.page.rows[0].task
    scope = tasks.batch_scope(engine, session, first, session.get(ProcessInstance, first.instance_id).version_id)
    paths = session.execute(select(Place.path).where(Place.code.in_(found.places_shown))).scalars().all()
    return scope is not None and batch.within_reach(scope, paths)

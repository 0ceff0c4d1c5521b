"""The inbox list: its export columns and when it offers a batch decision."""

from __future__ import annotations

from sqlalchemy.orm import Session

from engine import tasks
from engine.core import Engine
from engine.models import ProcessInstance
from monitoring import worklist
from monitoring.id_number import mask_id_number
from web.exports import Column
from web.templating import process_name

DUE_STATES = {"overdue": "已逾期", "due_soon": "两天内到期", "on_time": "未到期", "no_due": "无期限"}
BATCH_AT_ONE_PLACE = "true"  # the batch property of a step decided for one place's households at once
BATCH_ACROSS_TOWNSHIP = "parent"  # the batch property of a step decided for the villages of one township at once


INBOX_COLUMNS: list[Column[worklist.WorkItem]] = [
    Column("农牧户", lambda i: i.household.head.name if i.household and i.household.head else "", width=12),
    Column("身份证号", lambda i: mask_id_number(i.household.head.id_number) if i.household and i.household.head
           else "", width=22),
    Column("嘎查村", lambda i: i.village_name, width=16),
    Column("流程", lambda i: process_name(i.task.process_key), width=16),
    Column("步骤", lambda i: i.task.name, width=18),
    Column("到达时间", lambda i: i.task.created_at, "datetime", width=18),
    Column("办理期限", lambda i: i.task.due_at, "date"),
    Column("期限状态", lambda i: DUE_STATES[i.due_state]),
    Column("认领", lambda i: "已认领" if i.task.claimed_by else "待认领", width=10),
]


def batch_offered(session: Session, engine: Engine, found: worklist.Inbox, filters: worklist.Filters) -> bool:
    """Choosing a step is enough to batch when its BPMN lets it be decided together and its tasks are at one place,
    or, for a step that may span the villages of one township (``batch="parent"``), lie in one township."""
    if not filters.step or found.page.total < 2 or not found.page.rows:
        return False
    instance = session.get(ProcessInstance, found.page.rows[0].task.instance_id)
    scope = engine.versions.get(session, instance.version_id).step_property(filters.step, tasks.BATCH_PROPERTY)
    if scope not in (BATCH_AT_ONE_PLACE, BATCH_ACROSS_TOWNSHIP):
        return False
    return len(found.places_shown) == 1 or (scope == BATCH_ACROSS_TOWNSHIP
                                            and worklist.one_parent(session, found.places_shown))

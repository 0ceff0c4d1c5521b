"""Recording an objection raised during a notice: it goes to the household's case as the message ``objection``.

Both ways in, the notice page (by notice and household) and the API's message route (by case), keep the same
rules: who may record it, what it must say, and that the notice still runs (to the end of its last day).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import instances
from engine.assignment import Actor
from engine.core import Engine
from engine.errors import Conflict, InvalidData, NotFound
from engine.models import InstanceStatus, ProcessInstance
from engine.scope import within
from engine.text import read_text
from monitoring import cases, notices, permissions, processes
from monitoring.id_number import mask_personal_numbers_in
from monitoring.models import Notice

OBJECTION = "objection"
LIMITS = {"by": 50, "content": 500}  # an objection says who raised it and what it says, nothing else


@dataclass(frozen=True)
class Recheck:
    """The objection an open re-check answers, as the cadre reads it above the form."""

    by: str  # who raised it, as recorded (a name and relation, e.g. 本村村民 王五), never an ID or phone number
    content: str
    received_on: date | None
    earlier_visit_on: date | None  # the visit objected to: kept with the objection, not overwritten


def recheck_of(process_key: str, bpmn_id: str, data: Mapping[str, Any]) -> Recheck | None:
    """What an open task re-checks: the last objection, when the task is the step objections send the case back to.

    Only for a task that is open now (a visit before any objection has no objection to show); the objection and
    the record it objected to are the case's own, where its process declares them (``monitoring.processes``).
    """
    described = processes.descriptor(process_key)
    variables = described.variables
    recorded = data.get(variables.objections)
    if bpmn_id != described.recheck_step or not isinstance(recorded, list) or not recorded:
        return None
    last = recorded[-1] if isinstance(recorded[-1], dict) else {}
    said = last.get("objection") if isinstance(last.get("objection"), dict) else {}
    earlier = last.get(variables.measurement or "")
    earlier_on = earlier.get(variables.measured_on or "") if isinstance(earlier, dict) else None
    return Recheck(by=shown_text(said.get("by")), content=shown_text(said.get("content")),
                   received_on=_date(last.get("received_on")), earlier_visit_on=_date(earlier_on))


def shown_text(text: Any) -> str:
    """An objection's text as recorded, with any ID or phone number a recorder typed into it masked."""
    return mask_personal_numbers_in(str(text or ""))


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def record_objection(engine: Engine, session: Session, actor: Actor, notice_id: int, household_id: int,
                     by: str, content: str, today: date) -> int:
    """Deliver the objection to the household's case; Conflict once the notice or the case's wait is over."""
    by, content = _checked(actor, by, content)
    _still_running(_notice_listing(session, actor, notice_id, household_id), today)
    instance_id = _case_awaiting_objection(session, actor, household_id)
    instances.send_message(engine, session, instance_id, actor, OBJECTION, {"by": by, "content": content})
    return instance_id


def send_message(engine: Engine, session: Session, actor: Actor, instance_id: int, name: str,
                 payload: dict[str, Any], today: date) -> None:
    """A message to a case (the API): an objection keeps the objection's rules, other messages go to the engine."""
    if name != OBJECTION:
        instances.send_message(engine, session, instance_id, actor, name, payload)
        return
    instance = instances.visible_instance(session, instance_id, actor)
    by, content = _checked(actor, payload.get("by"), payload.get("content"), sorted(set(payload) - set(LIMITS)))
    household_id = cases.household_id_of(instance.business_key)
    if household_id is not None:  # a household's case: the objection is to the notice it is on
        on_notice = (instance.data or {}).get(processes.descriptor(instance.process_key).variables.notice)
        notice_id = on_notice.get("notice_id") if isinstance(on_notice, dict) else None
        if not isinstance(notice_id, int) or not _awaits_objection(instance.waiting):
            raise Conflict("该案件当前不在公示期，不能登记异议")
        _still_running(_notice_listing(session, actor, notice_id, household_id), today)
    instances.send_message(engine, session, instance_id, actor, OBJECTION, {"by": by, "content": content})


def _checked(actor: Actor, by: Any, content: Any, unknown: list[str] | None = None) -> tuple[str, str]:
    """Who raised the objection and what it says, as stored (the one text rule); refused by field otherwise, as is
    any ``unknown`` field sent with them (refused, never dropped)."""
    permissions.require(actor.role, permissions.OBJECTION_RECORDERS, "只有嘎查村、苏木乡镇或旗县可以登记异议")
    problems: dict[str, str] = {name: "异议只能填写异议人和异议内容" for name in unknown or ()}
    by = read_text(by, "by", problems, LIMITS["by"], label="异议人")
    content = read_text(content, "content", problems, LIMITS["content"], label="异议内容", multiline=True)
    if problems:
        raise InvalidData("异议填写有误", problems)
    return by, content


def _still_running(notice: Notice, today: date) -> None:
    """A notice runs to the end of its last day (China time): objections until then, none after."""
    if notice.ends_on < today:
        raise Conflict("公示期已结束，不能再登记异议")


def _awaits_objection(waiting: list[dict[str, Any]] | None) -> bool:
    return any(w.get("type") == "message" and w.get("name") == OBJECTION for w in waiting or [])


def _notice_listing(session: Session, actor: Actor, notice_id: int, household_id: int) -> Notice:
    """The notice, when the actor sees it and the household is on it."""
    notice = session.get(Notice, notice_id)
    if notice is None or not actor.sees(notice.place_path) \
            or household_id not in notices.households_on(session, notice_id):
        raise NotFound(f"notice {notice_id} household {household_id}")
    return notice


def _case_awaiting_objection(session: Session, actor: Actor, household_id: int) -> int:
    running = session.execute(select(ProcessInstance.id, ProcessInstance.waiting).where(
        ProcessInstance.business_key == cases.business_key(household_id),
        ProcessInstance.status == InstanceStatus.RUNNING,
        within(ProcessInstance.place_path, actor),
    ).order_by(ProcessInstance.id)).all()
    for instance_id, waiting in running:
        if _awaits_objection(waiting):
            return instance_id
    raise Conflict("该农户的案件已不在公示期，不能再登记异议")

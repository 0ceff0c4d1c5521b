"""The functions ``processes/major_event.bpmn`` calls as its report goes up: each reads the case's event from the
case's business key (``major_event:<id>``), never from case data, and writes through the running step's session."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from engine import clock
from engine.errors import ScriptError
from engine.models import ProcessInstance
from engine.scripting import current_step
from monitoring import events
from monitoring.event_models import EventStatus, MajorEvent


def _event() -> MajorEvent:
    step = current_step()
    key = step.session.execute(select(ProcessInstance.business_key)
                               .where(ProcessInstance.id == step.instance_id)).scalar()
    event_id = events.event_id_of(key)
    event = step.session.get(MajorEvent, event_id) if event_id is not None else None
    if event is None:
        raise ScriptError("此流程不是重大事项案件，不能调用重大事项的办理函数")
    return event


def reach_level(level: str) -> dict[str, Any] | None:
    """The report arrives at ``level`` (league, region): where its acknowledgement goes, when it is due (ISO) and
    what it is about (the inbox's subject); None when the county has no such level above it (one under the region)."""
    session, event = current_step().session, _event()
    row = events.reach_level(session, event, level, clock.now())
    if row is None:
        return None
    return {"place": row.place_code, "due": row.due_at.isoformat(), "title": events.title(session, event)}


def acknowledge_level(level: str, instructions: str | None) -> None:
    """The level acknowledges, as the task's user (one at the level's place: the task is placed there)."""
    step = current_step()
    events.acknowledge(step.session, _event(), level, instructions, step.username, clock.now())


def escalate_level(level: str) -> None:
    """The level's deadline passed: recorded as escalated, the report goes up on its own."""
    events.escalate(current_step().session, _event(), level, clock.now())


def event_closed() -> bool:
    """Whether the county has closed the event already (its case then ends instead of waiting for the closing)."""
    return _event().status == EventStatus.CLOSED


FUNCTIONS = {"reach_level": reach_level, "acknowledge_level": acknowledge_level, "escalate_level": escalate_level,
             "event_closed": event_closed}

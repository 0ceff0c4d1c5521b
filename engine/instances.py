"""Use cases on whole instances: start, deliver a message, cancel."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from SpiffWorkflow.bpmn import BpmnEvent
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from engine import queries
from engine.assignment import Actor
from engine.core import Engine
from engine.errors import Conflict, Forbidden, InvalidData, NotFound
from engine.models import ProcessInstance, Task
from engine.routing import in_lane, lane_shape, lane_values, routed_to
from engine.serialization import check_data_keys
from engine.text import read_text
from engine.versions import latest_version


def start_instance(engine: Engine, session: Session, key: str, place_code: str, place_path: str,
                   actor: Actor, data: dict[str, Any], business_key: str | None = None, exclusive: bool = False) -> int:
    """Start the latest version of ``key`` at a place; the actor must see the place and hold the start lane.
    An ``exclusive`` start is refused (``AlreadyOpen``) while another exclusive instance of ``key`` runs for
    ``business_key``."""
    if not actor.sees(place_path):
        raise NotFound(f"place {place_code}")
    row = latest_version(session, key)
    version = engine.versions.get(session, row.id)
    if version.start_role is not None and version.start_role != actor.role:
        raise Forbidden(f"只有“{version.start_role}”角色可以发起此流程")
    if not isinstance(data, dict):
        raise InvalidData("data 应为对象", {"data": "应为对象"})
    check_data_keys(data)
    return engine.create_instance(session, version, place_code, place_path, actor.username, data,
                                  business_key, exclusive=exclusive).instance_id


def visible_instance(session: Session, instance_id: int, actor: Actor) -> ProcessInstance:
    """An instance the actor may read (``may_read``), else NotFound."""
    instance = session.get(ProcessInstance, instance_id)
    if instance is not None and may_read(session, instance, actor):
        return instance
    raise NotFound(f"ProcessInstance {instance_id}")


def may_read(session: Session, instance: ProcessInstance | Row, actor: Actor) -> bool:
    """Whether the actor reads the case: at a place it sees, or the case of a task routed to its department. A task
    placed at the actor's place (``engine.placement``) opens that task to it, never the case of another place."""
    return actor.sees(instance.place_path) or _routed_here(session, instance.id, actor)


@dataclass(frozen=True)
class TaskCase:
    """The case behind a task its user may work on, and whether the user reads that case beyond the task."""

    instance: ProcessInstance
    readable: bool


def case_of_task(session: Session, task: Task, actor: Actor) -> TaskCase:
    """The case of ``task``, which the caller found the actor's (``tasks.visible_task``): a task placed at a village of
    a county's case is the village's to open and complete, while the case stays unreadable to the village."""
    instance = session.get(ProcessInstance, task.instance_id)
    return TaskCase(instance, may_read(session, instance, actor))


def _routed_here(session: Session, instance_id: int, actor: Actor) -> bool:
    if actor.department is None:
        return False
    found = select(Task.id).where(Task.instance_id == instance_id, in_lane(), routed_to(lane_shape(actor))).limit(1)
    return session.execute(found, lane_values(actor)).first() is not None


def instance_in_scope(session: Session, instance_id: int, actor: Actor) -> ProcessInstance:
    """An instance the actor may act on beyond its own tasks (messages, cancelling): one at a place it sees.
    A department reads the cases routed to it, and acts on them only by its tasks."""
    return queries.in_scope(session, ProcessInstance, instance_id, actor)


def send_message(engine: Engine, session: Session, instance_id: int, actor: Actor,
                 name: str, payload: dict[str, Any]) -> None:
    """Deliver a BPMN message (e.g. an objection during a public notice); Conflict if nobody waits for it."""
    instance_in_scope(session, instance_id, actor)
    if not isinstance(payload, dict):
        raise InvalidData("payload 应为对象", {"payload": "应为对象"})
    check_data_keys(payload)
    with engine.open_instance(session, instance_id, actor.username) as step:
        step.record("message_received", actor.username, name=name, payload=payload)
        event = BpmnEvent(MessageEventDefinition(name), payload)
        # what Spiff's send_event does, telling "nobody waits" (a refusal) apart from a failure while catching
        caught = step.attempt(lambda: step.workflow.event_manager.catch(event, internal=False))
        if caught == 0:
            raise Conflict(f"流程当前不在等待消息“{name}”")
        step.run_engine()


MAX_CANCEL_REASON = 500


def cancel_instance(engine: Engine, session: Session, instance_id: int, actor: Actor, reason: Any) -> None:
    """End a case for good, with the reason kept in its audit record (the one text rule applies to it)."""
    instance_in_scope(session, instance_id, actor)
    if actor.role not in engine.supervisor_roles:
        raise Forbidden("只有旗县或管理员可以撤销案件")
    problems: dict[str, str] = {}
    reason = read_text(reason, "reason", problems, MAX_CANCEL_REASON, label="撤销原因", multiline=True)
    if problems:
        raise InvalidData("撤销原因有误", problems)
    with engine.open_instance(session, instance_id, actor.username) as step:
        step.attempt(step.workflow.cancel)
        step.cancelled = True
        step.record("instance_cancelled", actor.username, reason=reason)

"""JSON shapes of api.md, built from rows (never from a deserialized workflow)."""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import url_for
from sqlalchemy import Row, and_, bindparam, cast, literal, null, select, union_all
from sqlalchemy.orm import Session

from engine import queries
from engine.assignment import Actor
from engine.driver_statements import DriverStatement
from engine.model_drafts import Draft, DraftSummary
from engine.models import AuditEvent, ProcessInstance, ProcessVersion, Task, TaskState
from engine.paging import MAX_LIMIT, Page, page_of
from engine.scenarios import ScenarioResult
from monitoring import department_access
from monitoring.assistance_rules import PlanCheck
from monitoring.cases import household_of
from monitoring.id_number import mask_id_numbers_in
from monitoring.models import Measure
from monitoring.task_context import PlanView

INSTANCES, VERSIONS, TASKS, EVENTS = (ProcessInstance.__table__, ProcessVersion.__table__, Task.__table__,
                                      AuditEvent.__table__)
_CASE_COLUMNS = [*(column for column in INSTANCES.c if column.name != "state"), VERSIONS.c.version]
_TASK_COLUMNS = [column.label(f"task_{column.name}") for column in TASKS.c]
_EVENT_COLUMNS = [EVENTS.c.id, EVENTS.c.at, EVENTS.c.actor, EVENTS.c.type, EVENTS.c.task_id, EVENTS.c.detail]


def _nothing(columns: list[Any], prefix: str = "") -> list[Any]:
    """NULLs in the place of ``columns`` in one part of a UNION, cast to their types (PostgreSQL reads a bare NULL in a
    subquery as text, which does not unite with an integer)."""
    return [cast(null(), column.type).label(f"{prefix}{column.name}") for column in columns]


_FIRST_EVENTS = (select(literal(1).label("part"), *_nothing(_CASE_COLUMNS), *_nothing(list(TASKS.c), "task_"),
                        *(column.label(f"event_{column.name}") for column in _EVENT_COLUMNS))
                 .where(EVENTS.c.instance_id == bindparam("instance_id")).order_by(EVENTS.c.id)
                 .limit(bindparam("limit")).subquery())
# Built once: a case as an answer shows it, with its version's number, its open tasks and its first events, in one
# statement and without its workflow state (kilobytes no answer shows): a row per open task, oldest first, the case's
# columns on each (one row with no task when none is open), then a row per event (``queries.timeline_page``'s first
# page); read on the driver's cursor (engine.driver_statements), as the step wrote it
_CASE = DriverStatement(union_all(
    select(literal(0).label("part"), *_CASE_COLUMNS, *_TASK_COLUMNS, *_nothing(_EVENT_COLUMNS, "event_"))
    .join(VERSIONS, VERSIONS.c.id == INSTANCES.c.version_id)
    .outerjoin(TASKS, and_(TASKS.c.instance_id == INSTANCES.c.id, TASKS.c.state == TaskState.READY))
    .where(INSTANCES.c.id == bindparam("instance_id")),
    select(_FIRST_EVENTS)).order_by("part", "task_created_at", "event_id"))
OpenTask = namedtuple("OpenTask", [column.name for column in TASKS.c])  # a task row of every column
EventRow = namedtuple("EventRow", [column.name for column in _EVENT_COLUMNS])  # what an answer shows of an event


@dataclass(frozen=True)
class CaseRead:
    """A case as its answer shows it: ``case``, its row (without the workflow state) with ``version``, its number;
    ``tasks``, its open tasks oldest first (rows of every task column); ``events``, its first page of events."""

    case: Row
    tasks: list[OpenTask]
    events: Page[EventRow]


def iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def measure_body(m: Measure) -> dict[str, Any]:
    return {"id": m.id, "household_id": m.household_id, "category": m.category, "subtype": m.subtype,
            "content": m.content, "department": m.department, "responsible": m.responsible,
            "start_on": iso(m.start_on), "end_on": iso(m.end_on),
            "amount": float(m.amount) if m.amount is not None else None, "status": m.status,
            "done_on": iso(m.done_on), "result": m.result}


def plan_check_body(check: PlanCheck) -> dict[str, Any]:
    return {"warnings": [{"code": w.code, "message": w.message} for w in check.warnings],
            "safety_net_household": check.safety_net_household}


def plan(view: PlanView) -> dict[str, Any]:
    """The assistance plan beside a task (``monitoring.task_context``): its measures, and its warnings where shown."""
    return {"household_id": view.household_id, "measures": [measure_body(m) for m in view.measures],
            "may_add": view.may_add, **(plan_check_body(view.check) if view.check else {})}


def process_model(version: ProcessVersion) -> dict[str, Any]:
    return {"key": version.key, "name": version.name, "version": version.version, "sha256": version.sha256,
            "deployed_at": iso(version.deployed_at)}


def draft_summary(summary: DraftSummary | None) -> dict[str, Any] | None:
    """A model's draft in a list of models: its revision, who saved it last and when; None without one."""
    if summary is None:
        return None
    return {"revision": summary.revision, "updated_by": summary.updated_by, "updated_at": iso(summary.updated_at)}


def draft(found: Draft) -> dict[str, Any]:
    """A model's draft as the designer opens it (``engine.model_drafts``)."""
    return {"key": found.key, "revision": found.revision, "base_version": found.base_version, "saved": found.saved,
            "files": found.files, "main": found.main, "updated_by": found.updated_by,
            "updated_at": iso(found.updated_at)}


def version_entry(version: ProcessVersion, running: int) -> dict[str, Any]:
    """One line of a model's versions: who published what when, with its note and its running instances."""
    return {"version": version.version, "sha256": version.sha256, "name": version.name,
            "deployed_by": version.deployed_by, "deployed_at": iso(version.deployed_at), "comment": version.comment,
            "running": running}


def scenario_result(result: ScenarioResult) -> dict[str, Any]:
    """How one process test ran: where it diverged (``step``, its ``line`` in the tests file, the ``ready`` tasks
    there and a ``suggestion`` of the step to add), the activities it passed (ids and names), the end it reached."""
    return {"name": result.name, "passed": result.passed, "message": result.message, "element": result.element,
            "path": result.path, "path_names": result.path_names, "end": result.end, "step": result.step,
            "line": result.line, "ready": result.ready, "suggestion": result.suggestion}


def task(row: Task | Row, now: datetime | None = None) -> dict[str, Any]:
    """A task row; ``overdue`` when it is still open after its due time (by the engine's clock)."""
    overdue = bool(now and row.due_at and row.state == "ready" and row.due_at < now)
    return {
        "id": row.id, "instance_id": row.instance_id, "process": row.process_key, "bpmn_id": row.bpmn_id,
        "name": row.name, "subject": row.subject, "role": row.role, "place": row.place_code, "state": row.state,
        "due_at": iso(row.due_at), "claimed_by": row.claimed_by, "created_at": iso(row.created_at),
        "completed_at": iso(row.completed_at), "completed_by": row.completed_by, "overdue": overdue,
    }


def read_case(session: Session, instance_id: int) -> CaseRead | None:
    """The case as ``instance`` shows it, with its open tasks and first events (e.g. read right after a step wrote
    it); None if there is no such case. Whether the reader may see it is the caller's to check
    (``instances.may_read``)."""
    rows = _CASE.rows(session.connection(), {"instance_id": instance_id, "limit": MAX_LIMIT + 1})
    if not rows or rows[0].part != 0:
        return None
    tasks_from, events_from = 1 + len(_CASE_COLUMNS), 1 + len(_CASE_COLUMNS) + len(_TASK_COLUMNS)
    cases = [row for row in rows if row.part == 0]
    events = [EventRow(*row[events_from:]) for row in rows if row.part == 1]
    return CaseRead(cases[0], [OpenTask(*row[tasks_from:events_from]) for row in cases if row.task_id is not None],
                    page_of(events, queries.TIMELINE_ORDER, MAX_LIMIT))


def instance_summary(row: ProcessInstance | Row, version: int) -> dict[str, Any]:
    return {
        "id": row.id, "process": row.process_key, "version": version, "place": row.place_code,
        "business_key": row.business_key, "status": row.status, "created_at": iso(row.created_at),
        "ended_at": iso(row.ended_at), "waiting": [_waiting(w) for w in row.waiting or []],
    }


def _waiting(item: dict[str, Any]) -> dict[str, Any]:
    if item["type"] == "timer":
        return {"type": "timer", "until": item["until"]}
    return {"type": "message", "name": item["name"]}


def instance(session: Session, found: CaseRead, actor: Actor) -> dict[str, Any]:
    """A case as the actor reads it: its data and events through ``department_access`` (a department reading the case
    of its routed task sees only what that work needs); ID numbers only where a step needs them."""
    row = found.case
    body = instance_summary(row, row.version)
    data = department_access.case_data(session, actor, household_of(session, row), row.data or {})
    events = found.events
    body.update({
        "data": mask_id_numbers_in(data),
        "error": row.error,
        "tasks": [task(t) for t in found.tasks],
        "events": [event(e, actor) for e in events.rows],  # the first MAX_LIMIT; the rest at "events_next"
        "events_next": url_for("api.instance_events", instance_id=row.id, after=events.next_cursor)
        if events.next_cursor else None,
    })
    return body


def event(row: AuditEvent | Row, actor: Actor) -> dict[str, Any]:
    """One audit event of a case as the actor may read it (a department sees what its routed work needs)."""
    return {"at": iso(row.at), "user": row.actor, "type": row.type, "task": row.task_id,
            "detail": department_access.case_event_detail(actor, row.detail)}


def placed_task_case(found: CaseRead, actor: Actor) -> dict[str, Any]:
    """What completing a task answers a user who may work on it but not read its case (a task placed at a village of a
    county's case, ``engine.placement``): the case's id, process and status, and only its open tasks that are the
    user's; ``"limited": true`` tells it apart from the whole case."""
    row = found.case
    return {"id": row.id, "process": row.process_key, "status": row.status, "limited": True,
            "tasks": [task(t) for t in found.tasks if actor.may_work_on(t)]}

"""``/api/v1/events`` (api.md "Major events"): a county's report going up level by level, its follow-ups, the
households it affects and their green channel into identification. Times are given in UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import jsonify

from monitoring import event_affected, events
from monitoring.event_models import EventHousehold, EventLevel, EventUpdate, MajorEvent
from web.api import bodies as b
from web.api import paging
from web.api import schemas as s
from web.api.auth import current_actor, token_required
from web.api.blueprint import api
from web.api.parsing import json_body
from web.api.spec import operation
from web.boundary import engine, unit_of_work
from web.extensions import db


def _at(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value is not None else None


def _level_body(row: EventLevel) -> dict[str, Any]:
    return {"level": row.level, "place": row.place_code, "state": row.state, "reached_at": _at(row.reached_at),
            "due_at": _at(row.due_at), "acknowledged_at": _at(row.acknowledged_at),
            "acknowledged_by": row.acknowledged_by, "instructions": row.instructions,
            "escalated_at": _at(row.escalated_at)}


def _update_body(row: EventUpdate) -> dict[str, Any]:
    return {"id": row.id, "reported_at": _at(row.reported_at), "reported_by": row.reported_by, "text": row.text,
            "affected_households": row.affected_households, "affected_people": row.affected_people,
            "losses": float(row.losses) if row.losses is not None else None, "closed": row.closes}


def _household_body(row: EventHousehold) -> dict[str, Any]:
    return {"household_id": row.household_id, "added_by": row.added_by, "added_at": _at(row.added_at),
            "identification_instance_id": row.instance_id}


def event_body(event: MajorEvent, full: bool = False) -> dict[str, Any]:
    """The event with where it stands; ``full`` adds the levels' acknowledgements and escalations, the follow-ups and
    the affected households the caller may see."""
    standing = events.standing(event, engine().now())
    body = {"id": event.id, "kind": event.kind, "kind_note": event.kind_note, "occurred_at": _at(event.occurred_at),
            "place": event.place_code, "county": event.county_code, "summary": event.summary,
            "affected_households": event.affected_households, "affected_people": event.affected_people,
            "losses": float(event.losses), "measures_taken": event.measures_taken, "needs": event.needs,
            "status": event.status, "ack_minutes": event.ack_minutes, "instance_id": event.instance_id,
            "reported_by": event.reported_by, "reported_at": _at(event.reported_at), "closed_at": _at(event.closed_at),
            "waiting_level": standing.level, "late": standing.late, "standing": standing.text}
    if full:
        body.update(levels=[_level_body(row) for row in event.levels],
                    updates=[_update_body(row) for row in event.updates],
                    households=[_household_body(row) for row, _ in
                                event_affected.affected_households(db.session, current_actor(), event)])
    return body


@api.post("/events")
@operation("上报重大事项（县）", {201: s.EVENT}, body=b.EVENT, refusals=(403, 404))
@token_required
def report_event():
    """A county reports a major event → 201 the event, already at its league (or the region)."""
    body = json_body()
    with unit_of_work() as session:
        answer = event_body(events.report_event(session, engine(), current_actor(), body), full=True)
    return jsonify(answer), 201


@api.get("/events")
@operation("可见的重大事项（分页）", {200: s.list_of(s.EVENT)}, paged=True, refusals=(422,))
@token_required
def list_events():
    """The events the caller sees (its place and below): open ones first, newest first, a page at a time
    (``?after=&limit=``; ``Link``, ``X-Total-Count``)."""
    return paging.paged(events.events_page(db.session, current_actor(), paging.window()), event_body)


@api.get("/events/<int:event_id>")
@operation("重大事项详情", {200: s.EVENT})
@token_required
def show_event(event_id: int):
    return jsonify(event_body(events.visible_event(db.session, current_actor(), event_id), full=True))


@api.post("/events/<int:event_id>/updates")
@operation("续报", {201: s.EVENT_UPDATE}, body=b.EVENT_UPDATE, refusals=(403, 409))
@token_required
def add_event_update(event_id: int):
    """A follow-up report ``{"text", "affected_households"?, "affected_people"?, "losses"?, "closed"?}`` → 201."""
    body = json_body()
    with unit_of_work() as session:
        update = events.add_update(session, engine(), current_actor(), event_id, body)
        answer = _update_body(update)
    return jsonify(answer), 201


@api.post("/events/<int:event_id>/households")
@operation("登记受影响农户", {201: s.EVENT}, body=b.EVENT_HOUSEHOLDS, refusals=(403, 409))
@token_required
def list_affected_households(event_id: int):
    """``{"household_ids": [...]}`` → 201 the event with its affected households (one listed already stays)."""
    body = json_body()
    with unit_of_work() as session:
        event_affected.list_households(session, current_actor(), event_id, body.get("household_ids"), engine().now())
        answer = event_body(events.visible_event(session, current_actor(), event_id), full=True)
    return jsonify(answer), 201


@api.post("/events/<int:event_id>/households/<int:household_id>/fast-track")
@operation("绿色通道：直接进入识别（走访排查）", {201: s.ANY_OBJECT}, refusals=(403, 409))
@token_required
def fast_track_household(event_id: int, household_id: int):
    """绿色通道 → 201 the household's row with its identification case, started at the visit (走访排查)."""
    with unit_of_work() as session:
        row = event_affected.fast_track(session, engine(), current_actor(), event_id, household_id)
        answer = _household_body(row)
    return jsonify(answer), 201

"""``/api/v1/marking-windows`` (api.md "Risk elimination"): when elimination and natural changes may be marked."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from flask import g, jsonify

from monitoring import marking_windows
from monitoring.marking_windows import Window
from monitoring.models import MarkingWindow
from monitoring.places import place_in_scope
from web.api import bodies as b
from web.api import paging
from web.api import query_params as q
from web.api import schemas as s
from web.api.auth import current_actor, token_required
from web.api.blueprint import api
from web.api.parsing import json_body, query
from web.api.spec import operation
from web.api.views import iso
from web.boundary import engine, unit_of_work
from web.extensions import db


def window_body(row: MarkingWindow) -> dict[str, Any]:
    """The window as every answer gives it (the time in UTC, as read back from the database)."""
    return {"id": row.id, "place": row.place_code, "opens_on": row.opens_on.isoformat(),
            "closes_on": row.closes_on.isoformat(), "created_by": row.created_by,
            "created_at": iso(row.created_at.astimezone(UTC))}


def _applying_body(window: Window | None) -> dict[str, Any] | None:
    if window is None:
        return None
    return {"place": window.place_code, "opens_on": window.opens_on.isoformat(),
            "closes_on": window.closes_on.isoformat(), "default": window.default}


@api.get("/marking-windows")
@operation("标注期：当天适用的、下次开始的与已设定的（分页）", {200: s.MARKING_WINDOWS},
           query=(q.place_param(), q.MARKING_DAY, q.AFTER, q.LIMIT), refusals=(404, 422))
@token_required
def list_marking_windows():
    """``?place=CODE&on=DATE`` (the caller's place and today by default): the window that applies there on that day
    (None: marking is closed), the next day it opens, and one page of the windows set at the place and below."""
    place = place_in_scope(db.session, current_actor(), query("place", g.user.place_code))
    day = marking_windows.day_asked(query("on"), engine().today())
    found = marking_windows.windows_page(db.session, place.path, paging.window())
    opening = marking_windows.next_opening(db.session, place.path, day)
    return jsonify({"place": place.code, "on": day.isoformat(),
                    "applies": _applying_body(marking_windows.window_for(db.session, place.path, day)),
                    "next_opening": opening.isoformat() if opening else None,
                    "windows": [window_body(row) for row in found.rows], "total": found.total,
                    "next": found.next_cursor})


@api.post("/marking-windows")
@operation("设定标注期（自治区或县）", {201: s.MARKING_WINDOW}, body=b.MARKING_WINDOW, refusals=(403, 404, 409))
@token_required
def add_marking_window():
    body = json_body()
    with unit_of_work() as session:
        row = marking_windows.add_window(session, current_actor(), body, engine().now())
        answer = window_body(row)
    return jsonify(answer), 201


@api.delete("/marking-windows/<int:window_id>")
@operation("删除标注期", {200: s.MARKING_WINDOW}, refusals=(403, 409))
@token_required
def delete_marking_window(window_id: int):
    """→ 200 the window removed (an edit is a delete and a new window); 404 outside the caller's scope, 409 once it
    has ended."""
    with unit_of_work() as session:
        row = marking_windows.delete_window(session, current_actor(), window_id, engine().now())
        answer = window_body(row)
    return jsonify(answer)

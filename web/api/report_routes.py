"""``/api/v1/reports``: the quarterly bulletin as JSON, the same function as the dashboard's page (issue 12 adds
XLSX and PDF)."""

from __future__ import annotations

from flask import g, jsonify, request

from engine.errors import InvalidData
from monitoring.places import place_in_scope
from web.api.auth import current_actor, token_required
from web.api.blueprint import api
from web.boundary import engine
from web.dashboard.bulletin import as_json, bulletin, quarter_asked
from web.extensions import db


@api.get("/reports/bulletin")
@token_required
def get_bulletin():
    """``?quarter=2026Q4&place=CODE&format=json``: a place in the caller's scope, by default the caller's own."""
    if request.args.get("format", "json") != "json":
        raise InvalidData("暂只提供 JSON 格式", {"format": "目前只支持 json"})
    place = place_in_scope(db.session, current_actor(), request.args.get("place") or g.user.place_code)
    quarter = quarter_asked(request.args, engine().today())
    return jsonify(as_json(bulletin(db.session, engine(), place, quarter, engine().now())))

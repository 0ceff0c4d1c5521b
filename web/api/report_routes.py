"""``/api/v1/reports``: the quarterly bulletin as JSON, XLSX or PDF — the same function as the dashboard's page."""

from __future__ import annotations

from flask import g, jsonify

from web.api import query_params as q
from web.api import schemas as s
from web.api.auth import current_actor, token_required
from web.api.blueprint import api
from web.api.parsing import query, query_values
from web.api.spec import operation
from web.boundary import engine
from web.dashboard.bulletin import as_json, asked, bulletin
from web.dashboard.bulletin_files import FILE_FORMATS, download
from web.extensions import db

FORMATS = ("json", *FILE_FORMATS)


@api.get("/reports/bulletin")
@operation("季度通报（盟市或旗县）", {200: s.ANY_OBJECT}, query=(q.QUARTER, q.place_param(), q.format_param(FORMATS)),
           files=s.SHEETS, refusals=(404, 422))
@token_required
def get_bulletin():
    """``?quarter=2026Q4&place=CODE&format=json|xlsx|pdf``: a league or county in the caller's scope, by default the
    caller's own; an unknown format is a 400 naming it, before anything is counted."""
    wanted = query("format", "json")
    place, quarter = asked(db.session, current_actor(), query_values(), g.user.place_code, engine().today())
    found = bulletin(db.session, engine(), place, quarter, engine().now())
    return jsonify(as_json(found)) if wanted == "json" else download(found, wanted)

"""``/api/v1`` routes of assistance measures (api.md "Assistance measures"): the plan and each measure's progress."""

from __future__ import annotations

from typing import Any

from flask import jsonify

from monitoring import assistance_cases, measures
from web.api import bodies as b
from web.api import paging
from web.api import query_params as q
from web.api import schemas as s
from web.api.auth import current_actor, token_required
from web.api.blueprint import api
from web.api.parsing import json_body, query
from web.api.spec import operation
from web.api.views import measure_body, plan_check_body
from web.boundary import engine, unit_of_work
from web.extensions import db


def _saved_body(saved: measures.Saved) -> dict[str, Any]:
    return {**measure_body(saved.measure), **plan_check_body(saved.check)}


@api.get("/households/<int:household_id>/measures")
@operation("农户的帮扶措施", {200: s.list_of(s.MEASURE)})
@token_required
def list_measures(household_id: int):
    return jsonify([measure_body(m) for m in measures.measures_of(db.session, current_actor(), household_id)])


@api.post("/households/<int:household_id>/measures")
@operation("制定帮扶措施", {201: s.SAVED_MEASURE}, body=b.MEASURE, refusals=(403, 409))
@token_required
def plan_measure(household_id: int):
    body = json_body()
    with unit_of_work() as session:
        body = _saved_body(assistance_cases.plan_measure(engine(), session, current_actor(), household_id, body))
    return jsonify(body), 201


@api.patch("/measures/<int:measure_id>")
@operation("更新帮扶措施（进展或计划）", {200: s.SAVED_MEASURE}, body=b.MEASURE_UPDATE, refusals=(403, 409))
@token_required
def update_measure(measure_id: int):
    """Progress by the lead department; plan fields (and progress) by the county, the plan checked again."""
    body = json_body()
    with unit_of_work() as session:
        body = _saved_body(assistance_cases.update_measure(engine(), session, current_actor(), measure_id, body))
    return jsonify(body)


@api.get("/measures")
@operation("可见的帮扶措施（分页）", {200: s.list_of(s.MEASURE)}, query=(q.MEASURE_STATUS,), paged=True,
           refusals=(422,))
@token_required
def list_measures_in_view():
    """The measures the caller sees (a line department: those it leads), optionally of one status."""
    found = measures.measures_page(db.session, current_actor(), query("status"), paging.window())
    return paging.paged(found, measure_body)

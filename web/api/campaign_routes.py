"""``/api/v1/campaigns`` (api.md "Annual adjustment"): opening a campaign, the list, and a village's worklist, checks
and the year's measurement. The campaign's progress and summary are ``campaign_report_routes``."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from flask import jsonify

from engine.errors import NotFound
from monitoring import campaign_worklist, campaigns
from monitoring.campaign_models import Campaign, CampaignCheck
from monitoring.campaign_worklist import WorklistRow
from web.api import bodies as b
from web.api import paging
from web.api import query_params as q
from web.api import schemas as s
from web.api.auth import current_actor, token_required
from web.api.blueprint import api
from web.api.parsing import field, json_body, query
from web.api.spec import operation
from web.api.views import iso
from web.boundary import engine, unit_of_work
from web.extensions import db


def campaign_body(row: Campaign) -> dict[str, Any]:
    return {"id": row.id, "year": row.year, "place": row.place_code, "income_line": float(row.income_line),
            "deadlines": row.deadlines, "status": row.status, "opened_by": row.opened_by,
            "opened_at": iso(row.opened_at.astimezone(UTC)),
            "closed_at": iso(row.closed_at.astimezone(UTC)) if row.closed_at else None}


def _check_body(row: CampaignCheck) -> dict[str, Any]:
    return {"campaign_id": row.campaign_id, "household_id": row.household_id, "checked_by": row.checked_by,
            "checked_at": iso(row.checked_at.astimezone(UTC)), "note": row.note}


def _row_body(row: WorklistRow) -> dict[str, Any]:
    checked = row.checked and {**row.checked, "at": iso(row.checked["at"].astimezone(UTC))}
    return {"household_id": row.household_id, "head": row.head_name, "id_number": row.id_number, "size": row.size,
            "monitoring_status": row.monitoring_status, "monitoring_type": row.monitoring_type,
            "last_measurement": row.last_measurement, "this_year": row.this_year, "checked": checked,
            "open_case": row.open_case}


@api.post("/campaigns")
@operation("开启年度动态管理（自治区）", {201: s.CAMPAIGN}, body=b.CAMPAIGN, refusals=(403, 404, 409))
@token_required
def open_campaign():
    """→ 201 the campaign: every place below has its unit, every county its case (its villages' tasks at once)."""
    body = json_body()
    with unit_of_work() as session:
        row = campaigns.open_campaign(session, engine(), current_actor(), year=body.get("year"),
                                      place_code=body.get("place"), income_line=body.get("income_line"),
                                      deadlines=body.get("deadlines"), now=engine().now())
        answer = campaign_body(row)
    return jsonify(answer), 201


@api.get("/campaigns")
@operation("年度动态管理列表（分页）", {200: s.list_of(s.CAMPAIGN)}, paged=True, refusals=(422,))
@token_required
def list_campaigns():
    """The campaigns the caller takes part in, newest first, a page at a time (``?after=&limit=``)."""
    return paging.paged(campaigns.campaigns_page(db.session, current_actor(), paging.window()), campaign_body)


@api.get("/campaigns/<int:campaign_id>/villages/<code>/households")
@operation("嘎查村的排查清单（分页）", {200: s.list_of(s.ANY_OBJECT)}, query=(q.WORKLIST_ONLY,), paged=True,
           refusals=(422,))
@token_required
def village_worklist(campaign_id: int, code: str):
    """``?after=&limit=&only=unchecked|monitored|below_line``: a page of the village's households (keyset); 404 for a
    village outside the caller's place."""
    actor = current_actor()
    campaign = campaigns.visible_campaign(db.session, actor, campaign_id)
    unit = campaigns.unit_of(db.session, campaign, code)
    if not actor.sees(unit.place_path):
        raise NotFound(f"campaign unit {code}")  # as for a village of no campaign
    window = paging.window()
    found = campaign_worklist.worklist(db.session, campaign, code, after=window.after, limit=window.limit,
                                       only=query("only"))
    return paging.paged(found, _row_body)


@api.post("/campaigns/<int:campaign_id>/checks")
@operation("标记农户已排查", {201: s.CAMPAIGN_CHECK}, body=b.CAMPAIGN_CHECK, refusals=(403, 409))
@token_required
def check_household(campaign_id: int):
    body = json_body()
    with unit_of_work() as session:
        actor = current_actor()
        campaign = campaigns.visible_campaign(session, actor, campaign_id)
        row = campaign_worklist.check_household(session, actor, campaign, field(body, "household_id", int),
                                                body.get("note"), engine().now())
        answer = _check_body(row)
    return jsonify(answer), 201


@api.delete("/campaigns/<int:campaign_id>/checks/<int:household_id>")
@operation("取消已排查标记", {200: s.UNCHECKED}, refusals=(403, 409))
@token_required
def uncheck_household(campaign_id: int, household_id: int):
    with unit_of_work() as session:
        actor = current_actor()
        campaign = campaigns.visible_campaign(session, actor, campaign_id)
        campaign_worklist.uncheck_household(session, actor, campaign, household_id)
    return jsonify({"campaign_id": campaign_id, "household_id": household_id, "checked": False})


@api.put("/campaigns/<int:campaign_id>/households/<int:household_id>/measurement")
@operation("录入本年度收支", {200: s.MEASUREMENT_RESULT}, body=b.MEASUREMENT, refusals=(403, 409))
@token_required
def record_measurement(campaign_id: int, household_id: int):
    """The campaign year's measurement of a household (the figures as a visit records them) → per-capita income and
    whether it lies below the campaign's income line."""
    body = json_body()
    with unit_of_work() as session:
        actor = current_actor()
        campaign = campaigns.visible_campaign(session, actor, campaign_id)
        answer = campaign_worklist.record_year_measurement(session, actor, campaign, household_id, body,
                                                           engine().now())
    return jsonify(answer)

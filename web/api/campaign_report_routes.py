"""``/api/v1/campaigns/{id}`` and its summary (api.md "Annual adjustment"): what a campaign's place sees of it, the
same functions as the campaign pages."""

from __future__ import annotations

from typing import Any

from flask import jsonify

from monitoring import campaign_reports as reports
from monitoring.campaign_models import Campaign
from monitoring.campaigns import visible_campaign
from monitoring.models import Place
from web.api import query_params as q
from web.api import schemas as s
from web.api.auth import current_actor, token_required
from web.api.blueprint import api
from web.api.parsing import query
from web.api.spec import operation
from web.boundary import engine
from web.campaigns import files
from web.extensions import db

SUMMARY_FORMATS = ("json", "xlsx", "pdf")


def campaign_body(campaign: Campaign, place: Place) -> dict[str, Any]:
    progress = reports.progress(db.session, campaign, place, engine().today())
    body = reports.progress_as_dict(progress)
    return {"id": campaign.id, "year": campaign.year, "status": campaign.status, "place": place.code,
            "opened_at": campaign.opened_at.isoformat(), "income_line": float(campaign.income_line),
            "deadlines": campaign.deadlines, "own": body["own"], "progress": body["rows"],
            "totals": {key: body[key] for key in ("done", "total", "overdue")}, "late": body["late"],
            "summary": reports.summary_as_dict(reports.summary(db.session, campaign, place))}


@api.get("/campaigns/<int:campaign_id>")
@operation("年度动态管理的进度与汇总", {200: s.CAMPAIGN_PROGRESS}, query=(q.place_param(),))
@token_required
def get_campaign(campaign_id: int):
    """The campaign as ``?place=CODE`` follows it (the caller's own place by default; one outside the caller's or the
    campaign's scope is 404, as for the summary): its own unit, the progress per child place, the summary."""
    actor = current_actor()
    campaign = visible_campaign(db.session, actor, campaign_id)
    place = reports.report_place(db.session, actor, campaign, query("place"))
    return jsonify(campaign_body(campaign, place))


@api.get("/campaigns/<int:campaign_id>/summary")
@operation("集中排查情况统计表", {200: s.ANY_OBJECT}, query=(q.place_param(), q.format_param(SUMMARY_FORMATS)),
           files=s.SHEETS)
@token_required
def get_summary(campaign_id: int):
    """``?place=CODE&format=json|xlsx|pdf``: the 集中排查情况统计表 of a place in the caller's and the campaign's
    scope (the caller's own by default). An empty ``format=`` is JSON, as for the bulletin."""
    wanted = query("format", "json")
    actor = current_actor()
    campaign = visible_campaign(db.session, actor, campaign_id)
    place = reports.report_place(db.session, actor, campaign, query("place"))
    found = reports.summary(db.session, campaign, place)
    if wanted == "json":
        return jsonify(reports.summary_as_dict(found))
    return files.summary_download(found, wanted, engine().now())

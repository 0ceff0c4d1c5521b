"""年度集中排查 in the browser: the campaigns a user's place takes part in, the region's opening form, and a campaign as
one place follows it (its own deadline and state, the progress per child place with a way down into each, the
集中排查情况统计表, and their files). The same functions as ``/api/v1/campaigns``."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from engine.errors import Conflict, NotDeployed
from monitoring import campaign_reports as reports
from monitoring import campaigns as domain
from monitoring.campaign_models import Campaign
from monitoring.campaign_worklist import worklist_counts
from monitoring.models import LEVEL_NAMES, Place, PlaceLevel, Role
from web.admin.forms import Outcome, submit
from web.auth.session import roles_required
from web.boundary import engine
from web.campaigns import files
from web.extensions import db
from web.list_pages import page_window

campaigns = Blueprint("campaigns", __name__, url_prefix="/campaigns")
DEADLINE_FIELDS = {PlaceLevel.VILLAGE: "嘎查村", PlaceLevel.TOWNSHIP: "苏木乡镇", PlaceLevel.COUNTY: "旗县",
                   PlaceLevel.LEAGUE: "盟市", PlaceLevel.REGION: "自治区"}


@campaigns.get("/")
def index():
    """The campaigns of the user's place and the places above it, newest first, a page at a time (``?after=``)."""
    found = domain.campaigns_page(db.session, g.actor, page_window())
    place = db.session.get(Place, g.user.place_code)
    return render_template("campaigns/index.html", page=found, may_open=_may_open(place), levels=LEVEL_NAMES)


def _may_open(place: Place | None) -> bool:
    """Only a region's user opens a campaign (the rule itself is ``open_campaign``'s)."""
    return g.user.role == Role.REGION and place is not None and place.level == PlaceLevel.REGION


@campaigns.route("/new", methods=["GET", "POST"])
@roles_required(Role.REGION)
def new():
    """The opening form: year, income line and a deadline per level; every refused field answers at the form."""
    today = engine().today()
    values: dict[str, Any] = {"year": str(today.year)}
    outcome: Outcome[Campaign] = Outcome()
    status = 200
    if request.method == "POST":
        values = {name: request.form.get(name, "").strip() for name in ("year", "income_line", *DEADLINE_FIELDS)}
        deadlines = {level: values[level] for level in DEADLINE_FIELDS if values[level]}
        try:
            outcome = submit(lambda session: domain.open_campaign(
                session, engine(), g.actor, year=_year(values["year"]), place_code=g.user.place_code,
                income_line=values["income_line"], deadlines=deadlines, now=engine().now()))
        except (Conflict, NotDeployed) as exc:
            flash(f"未能开启：{_refusal(exc)}", "error")
            status = 409 if isinstance(exc, Conflict) else 422
        else:
            if outcome.error is None and outcome.result is not None:
                flash(f"已开启{outcome.result.year}年度集中排查，各级任务已下发", "success")
                return redirect(url_for("campaigns.detail", campaign_id=outcome.result.id))
            status = 422
    errors = {key.removeprefix("deadlines."): why for key, why in outcome.errors.items()}  # the form's field names
    return render_template("campaigns/new.html", values=values, errors=errors, levels=DEADLINE_FIELDS), status


def _year(text: str) -> Any:
    """The typed year as a number when it is one; anything else goes to the rule as typed, which names the field."""
    return int(text) if text.isascii() and text.isdigit() else text


def _refusal(exc: Exception) -> str:
    if isinstance(exc, NotDeployed):
        return "年度动态管理流程尚未部署，请联系流程设计员"
    return str(exc)


def _campaign_and_place(campaign_id: int) -> tuple[Campaign, Place]:
    campaign = domain.visible_campaign(db.session, g.actor, campaign_id)
    return campaign, reports.report_place(db.session, g.actor, campaign, request.args.get("place") or None)


@campaigns.get("/<int:campaign_id>")
def detail(campaign_id: int):
    """The campaign at ``?place=`` (by default the user's own place): its own part, progress and summary."""
    campaign, place = _campaign_and_place(campaign_id)
    today = engine().today()
    found = reports.progress(db.session, campaign, place, today)
    summary = reports.summary(db.session, campaign, place)
    groups, subs = files.summary_header_rows(summary)
    counts = worklist_counts(db.session, campaign, place.code) if place.level == PlaceLevel.VILLAGE else None
    return render_template(
        "campaigns/detail.html", c=campaign, place=place, progress=found, summary=summary, groups=groups, subs=subs,
        cells=lambda row: [value(row) for _, value, _ in files.summary_headings(summary)], counts=counts,
        above=_way_up(place), levels=LEVEL_NAMES, statuses=reports.UNIT_STATUS_NAMES, today=today,
        area_level=files.level_name(found.rows[0].level) if found.rows else "")


def _way_up(place: Place) -> list[Place]:
    """The places from the user's own down to ``place``'s parent, for the way back up."""
    codes = place.path.strip("/").split("/")[:-1]
    own = g.user.place_code
    if own not in codes:
        return []
    chain = codes[codes.index(own):]
    found = {p.code: p for p in db.session.execute(select(Place).where(Place.code.in_(chain))).scalars()}
    return [found[code] for code in chain if code in found]


@campaigns.get("/<int:campaign_id>/progress.xlsx")
def progress_file(campaign_id: int):
    campaign, place = _campaign_and_place(campaign_id)
    return files.progress_download(reports.progress(db.session, campaign, place, engine().today()), campaign,
                                   engine().now())


@campaigns.get("/<int:campaign_id>/summary.<any(xlsx, pdf):wanted>")
def summary_file(campaign_id: int, wanted: str):
    campaign, place = _campaign_and_place(campaign_id)
    return files.summary_download(reports.summary(db.session, campaign, place), wanted, engine().now())

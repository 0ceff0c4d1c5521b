"""The dashboard of the user's place: monitoring objects, cases by step, overdue tasks; the quarterly bulletin."""

from __future__ import annotations

from flask import Blueprint, g, render_template, request

from monitoring.bulletin_ranking import CRITERIA
from monitoring.bulletin_scope import BULLETIN_LEVELS
from monitoring.models import Role
from monitoring.places import get_place
from monitoring.quarters import Quarter
from web.boundary import engine
from web.dashboard.bulletin import AREA_COLUMNS, CHOOSER_QUARTERS, TYPE_COUNTS, asked, bulletin, notes, period
from web.dashboard.bulletin_files import download, file_format, percent
from web.dashboard.overview import overview
from web.extensions import db

dashboard = Blueprint("dashboard", __name__, url_prefix="/dashboard")


@dashboard.get("/")
def index():
    place = get_place(db.session, g.user.place_code)
    summary = overview(db.session, place, engine().now())
    department = g.user.role == Role.DEPARTMENT
    return render_template("dashboard/index.html", o=summary, charts=summary.charts(), now=engine().now(),
                           uploads_link=department,  # a league's or county's users have a bulletin, no one else
                           bulletin_link=not department and place.level in BULLETIN_LEVELS)


@dashboard.get("/bulletin")
def quarterly():
    """季度通报: ``?quarter=2026Q4`` (by default the current quarter) ``&place=CODE`` (by default the user's own
    league or county), printable on A4; ``&format=xlsx|pdf`` downloads it."""
    wanted = file_format(request.args)
    # as the API: a department has no area to count (404), a township or a future quarter none to report (422)
    place, quarter = asked(db.session, g.actor, request.args, g.user.place_code, engine().today())
    found = bulletin(db.session, engine(), place, quarter, engine().now())
    if wanted:
        return download(found, wanted)
    return render_template("dashboard/bulletin.html", b=found, columns=AREA_COLUMNS, type_columns=TYPE_COUNTS,
                           notes=notes(found), period=period(found), criteria=CRITERIA, percent=percent,
                           quarters=Quarter.of(engine().today()).recent(CHOOSER_QUARTERS))

"""The dashboard of the user's place: monitoring objects, cases by step, overdue tasks; the quarterly bulletin."""

from __future__ import annotations

from flask import Blueprint, g, render_template, request

from monitoring.bulletin_ranking import CRITERIA
from monitoring.models import Role
from monitoring.places import get_place, place_in_scope
from web.boundary import engine
from web.dashboard.bulletin import AREA_COLUMNS, CHOOSER_QUARTERS, TYPE_COUNTS, bulletin, notes, quarter_asked
from web.dashboard.bulletin_files import download, file_format, percent
from web.dashboard.overview import overview
from web.extensions import db

dashboard = Blueprint("dashboard", __name__, url_prefix="/dashboard")


@dashboard.get("/")
def index():
    summary = overview(db.session, get_place(db.session, g.user.place_code), engine().now())
    return render_template("dashboard/index.html", o=summary, charts=summary.charts(), now=engine().now(),
                           uploads_link=g.user.role == Role.DEPARTMENT)


@dashboard.get("/bulletin")
def quarterly():
    """季度通报: ``?quarter=2026Q4`` (by default the current quarter), printable on A4; ``&format=xlsx|pdf``
    downloads it."""
    asked = file_format(request.args)
    quarter = quarter_asked(request.args, engine().today())
    place = place_in_scope(db.session, g.actor, g.user.place_code)  # as the API: a department has no area to count
    found = bulletin(db.session, engine(), place, quarter, engine().now())
    if asked:
        return download(found, asked)
    return render_template("dashboard/bulletin.html", b=found, columns=AREA_COLUMNS, type_columns=TYPE_COUNTS,
                           notes=notes(found), criteria=CRITERIA, percent=percent,
                           quarters=max(quarter, quarter_asked({}, engine().today())).recent(CHOOSER_QUARTERS))

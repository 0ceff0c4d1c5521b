"""The dashboard of the user's place: monitoring objects, cases by step, overdue tasks."""

from __future__ import annotations

from flask import Blueprint, g, render_template

from monitoring.models import Role
from monitoring.places import get_place
from web.boundary import engine
from web.dashboard.overview import overview
from web.extensions import db

dashboard = Blueprint("dashboard", __name__, url_prefix="/dashboard")


@dashboard.get("/")
def index():
    summary = overview(db.session, get_place(db.session, g.user.place_code), engine().now())
    return render_template("dashboard/index.html", o=summary, charts=summary.charts(), now=engine().now(),
                           uploads_link=g.user.role == Role.DEPARTMENT)

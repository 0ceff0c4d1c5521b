"""The dashboard of the user's place: monitoring objects, cases by step, overdue tasks."""

from __future__ import annotations

from flask import Blueprint, render_template

dashboard = Blueprint("dashboard", __name__, url_prefix="/dashboard")


@dashboard.get("/")
def index():
    return render_template("dashboard/index.html")

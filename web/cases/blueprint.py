"""Case pages: the BPMN diagram with progress, the timeline and the data."""

from __future__ import annotations

from flask import Blueprint, render_template

cases = Blueprint("cases", __name__, url_prefix="/cases")


@cases.get("/")
def index():
    return render_template("cases/index.html")

"""Administration: users, places, income lines, calendar overrides, department data."""

from __future__ import annotations

from flask import Blueprint, render_template

admin = Blueprint("admin", __name__, url_prefix="/admin")


@admin.get("/")
def index():
    return render_template("admin/index.html")

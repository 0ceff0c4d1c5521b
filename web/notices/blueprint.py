"""Public notices: the open ones with days left, and objections."""

from __future__ import annotations

from flask import Blueprint, render_template

notices = Blueprint("notices", __name__, url_prefix="/notices")


@notices.get("/")
def index():
    return render_template("notices/index.html")

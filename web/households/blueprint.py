"""Households: search, detail, registration and applications recorded on a household's behalf."""

from __future__ import annotations

from flask import Blueprint, render_template

households = Blueprint("households", __name__, url_prefix="/households")


@households.get("/")
def index():
    return render_template("households/index.html")

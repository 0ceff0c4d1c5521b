"""标注窗口期 in the browser: a region or county sees the window that applies today, its own windows, adds one and
deletes one (the same functions as ``/api/v1/marking-windows``)."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from engine.errors import Conflict
from monitoring import marking_windows
from monitoring.permissions import MARKING_WINDOW_SETTERS
from web.admin.access import places_in_scope
from web.admin.forms import Outcome, submit
from web.auth.session import roles_required
from web.boundary import engine, unit_of_work
from web.extensions import db
from web.list_pages import page_window
from web.templating import cn_date

pages = Blueprint("marking_windows", __name__, url_prefix="/marking-windows")
FORM_FIELDS = ("place", "opens_on", "closes_on")


@pages.route("/", methods=["GET", "POST"])
@roles_required(*MARKING_WINDOW_SETTERS)
def index():
    outcome: Outcome[str] = Outcome()
    if request.method == "POST":
        data: dict[str, object] = {name: request.form.get(name, "") for name in FORM_FIELDS}
        if request.form.get("replace_default") == "true":  # ticked after the page showed what it ends
            data["replace_default"] = True
        outcome = submit(lambda session: _added(session, data))
        if outcome.error is None:
            flash(outcome.result, "success")
            return redirect(url_for("marking_windows.index"))
    today = engine().today()
    path = g.actor.place_path
    return render_template(
        "marking_windows/index.html", today=today,
        applies=marking_windows.window_for(db.session, path, today),
        next_opening=marking_windows.next_opening(db.session, path, today),
        page=marking_windows.windows_page(db.session, path, page_window()),
        choices=[place for place, _ in places_in_scope(db.session, g.actor, marking_windows.SETTING_LEVELS)],
        values=request.form, errors=outcome.errors), 422 if outcome.error else 200


@pages.post("/<int:window_id>/delete")
@roles_required(*MARKING_WINDOW_SETTERS)
def delete(window_id: int):
    """Remove a window after a ticked confirmation; the same rule as ``DELETE /api/v1/marking-windows/{id}``."""
    if request.form.get("confirm") != "yes":
        flash("未删除：请勾选确认删除此窗口期", "error")
        return redirect(url_for("marking_windows.index"))
    try:
        with unit_of_work() as session:
            row = marking_windows.delete_window(session, g.actor, window_id, engine().now())
            done = f"已删除标注窗口期：{cn_date(row.opens_on)} 至 {cn_date(row.closes_on)}"
    except Conflict as exc:
        flash(f"未删除：{exc}", "error")
        return redirect(url_for("marking_windows.index"))
    flash(done, "success")
    return redirect(url_for("marking_windows.index"))


def _added(session, data: dict[str, object]) -> str:
    row = marking_windows.add_window(session, g.actor, data, engine().now())
    return f"已添加标注窗口期：{cn_date(row.opens_on)} 至 {cn_date(row.closes_on)}"

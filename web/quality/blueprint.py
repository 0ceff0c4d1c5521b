"""Data-quality pages (问题数据清洗): a place's open findings counted by rule and by the places below it, the list of
findings with filters and its export, and the button that runs the checks over the place shown. The levels that
correct the data see them (village … region); to every other role the pages do not exist (404)."""

from __future__ import annotations

from flask import Blueprint, Flask, flash, g, redirect, render_template, request, url_for
from sqlalchemy.orm import Session

from engine.errors import Conflict, NotFound
from monitoring.models import Place
from monitoring.permissions import checks_quality
from monitoring.places import place_in_scope
from monitoring.quality import corrections, findings, runner
from monitoring.quality.catalogue import CHECKS, severity_label, title_of
from web.boundary import engine, unit_of_work
from web.exports import wants_xlsx, xlsx_response
from web.extensions import db
from web.list_pages import page_window
from web.quality import listing

quality = Blueprint("quality", __name__, url_prefix="/quality")


@quality.before_request
def _only_the_correcting_levels() -> None:
    if not checks_quality(g.actor):
        raise NotFound("页面不存在")


def _asked(name: str) -> str | None:
    return (request.args.get(name) or "").strip() or None


@quality.get("/")
def index():
    """``?place=CODE`` (in scope, by default the user's own) ``&rule=Q101&status=open|resolved|all``; ``&format=xlsx``
    exports every finding the list shows."""
    place_code, rule, status = _asked("place"), _asked("rule"), _asked("status") or "open"
    if wants_xlsx(request.args):
        return xlsx_response("数据质量问题", "quality-findings", listing.columns(),
                             listing.all_rows(db.session, g.actor, place_code, rule, status), engine().now())
    found = findings.findings_page(db.session, g.actor, place_code, rule, status,
                                   page_window())
    place = place_in_scope(db.session, g.actor, place_code or g.user.place_code)
    return render_template(
        "quality/index.html", place=place, trail=_trail(db.session, place), rule=rule, status=status,
        page=listing.page_of(db.session, found), by_rule=findings.counts_by_rule(db.session, g.actor, place.code),
        by_place=findings.counts_by_place(db.session, g.actor, place.code), checks=CHECKS,
        statuses=findings.STATUSES, severity_label=severity_label)


def _trail(session: Session, place: Place) -> list[Place]:
    """The places from the user's own down to the one shown, for the way back up."""
    trail = [place]
    while trail[-1].code != g.user.place_code and trail[-1].parent_code:
        trail.append(session.get(Place, trail[-1].parent_code))
    return trail[::-1]


@quality.post("/run")
def run():
    """立即检查: the checks over the place shown, then its counts again with what the run found and closed."""
    place_code = (request.form.get("place") or "").strip() or None
    try:
        with unit_of_work() as session:
            scope = runner.scope_of(session, g.actor, place_code, engine().now())
            summary, assigned = corrections.run_and_assign(engine(), session, scope, g.actor.username, engine().now())
    except Conflict as busy:  # another run holds a county of the place: said, not waited for
        flash(str(busy), "error")
        return redirect(url_for("quality.index", place=place_code))
    flash(f"检查完成：新发现 {summary.new} 条，已整改关闭 {summary.closed} 条，未整改 {summary.open} 条"
          + (f"；已向 {assigned} 个嘎查村下发整改任务" if assigned else ""), "success")
    if summary.failed:
        flash("以下检查未能运行，其问题保持不变：" + "、".join(title_of(code) for code in summary.failed), "error")
    return redirect(url_for("quality.index", place=place_code))


def init_app(app: Flask) -> None:
    """The household page lists the household's findings (templates/quality/_household.html)."""
    app.jinja_env.globals.update(quality_findings=lambda household: listing.of_household(db.session, household))

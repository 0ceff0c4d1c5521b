"""重大事项 in the browser: the list (open ones first, each with the level it waits at and whether that level is
late), the county's report form, the event page (figures, timeline, affected households — picked from a search
within the event's place — and their green channel) and the follow-up form. Every write calls the same function as
``/api/v1/events``."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from engine.errors import Conflict
from engine.limits import row_id
from monitoring import event_affected, events
from monitoring.codelists import labels
from monitoring.event_models import MajorEvent
from monitoring.event_timeline import timeline
from monitoring.household_labels import ID_TAIL
from monitoring.permissions import EVENT_REPORTERS
from web.admin.access import places_in_scope
from web.admin.forms import submit
from web.auth.session import roles_required
from web.boundary import engine, unit_of_work
from web.extensions import db
from web.households.record import STATUSES
from web.list_pages import page_window
from web.templating import remember_people

pages = Blueprint("events", __name__, url_prefix="/events")
REPORT_FORM = ("kind", "kind_note", "occurred_at", "place", "summary", "measures_taken", "needs")
FIGURES = ("affected_households", "affected_people", "losses")


def _figures(form: Mapping[str, str]) -> dict[str, Any]:
    """The form's figures as the numbers they spell (the rule takes numbers, not text, as the API does); a blank
    is left out (None), anything else goes as typed, for the rule to refuse by its field."""
    return {name: _number(form.get(name, "")) for name in FIGURES}


def _number(text: str) -> int | Decimal | str | None:
    value = text.strip()
    if not value:
        return None
    if value.isascii() and value.isdigit():
        return int(value)
    try:
        return Decimal(value) if value.isascii() else text
    except InvalidOperation:
        return text


@pages.get("/")
def index():
    """One page of the events in scope (``?after=``), open ones first, newest first."""
    found = events.events_page(db.session, g.actor, page_window())
    now = engine().now()
    return render_template("events/index.html", page=found, rows=[(event, events.standing(event, now))
                                                                  for event in found.rows],
                           may_report=g.actor.role in EVENT_REPORTERS)


@pages.route("/new", methods=["GET", "POST"])
@roles_required(*EVENT_REPORTERS)
def new():
    errors: dict[str, str] = {}
    if request.method == "POST":
        body: dict[str, Any] = {name: request.form.get(name, "") for name in REPORT_FORM}
        body.update(kind_note=body["kind_note"] or None, **_figures(request.form))
        outcome = submit(lambda session: events.report_event(session, engine(), g.actor, body).id)
        if outcome.error is None:
            flash("已上报，事项已送达上级", "success")
            return redirect(url_for("events.show", event_id=outcome.result))
        errors = outcome.errors
    choices = [place for place, _ in places_in_scope(db.session, g.actor, ("county", "township", "village"))]
    return render_template("events/new.html", values=request.form, errors=errors, choices=choices,
                           kinds=labels(db.session, "major_event_kind")), 422 if errors else 200


@pages.get("/<int:event_id>")
def show(event_id: int):
    """The event; ``q`` searches the households of its place (name or ID tail) for the county to list."""
    event = events.visible_event(db.session, g.actor, event_id)
    return _event_page(event, {}, request.args)


def _event_page(event: MajorEvent, errors: dict[str, str], values: Any, status: int = 200):
    remember_people([event.reported_by, *(row.acknowledged_by for row in event.levels),
                     *(row.reported_by for row in event.updates)])
    may_act = g.actor.role in EVENT_REPORTERS and event.status == "open"
    affected = event_affected.affected_households(db.session, g.actor, event)
    query = (values.get("q") or "").strip()
    found = event_affected.candidates(db.session, g.actor, event, query) if may_act else []
    return render_template("events/detail.html", event=event, standing=events.standing(event, engine().now()),
                           timeline=timeline(event), affected=affected, may_act=may_act, statuses=STATUSES,
                           errors=errors, values=values, query=query, found=found[:event_affected.MAX_FOUND],
                           more_found=len(found) > event_affected.MAX_FOUND,
                           listed={row.household_id for row, _ in affected}, id_tail=ID_TAIL), status


@pages.route("/<int:event_id>/update", methods=["GET", "POST"])
@roles_required(*EVENT_REPORTERS)
def update(event_id: int):
    event = events.visible_event(db.session, g.actor, event_id)
    errors: dict[str, str] = {}
    if request.method == "POST":
        body: dict[str, Any] = {"text": request.form.get("text", ""), **_figures(request.form)}
        body["closed"] = request.form.get("closed") == "true"
        try:
            outcome = submit(lambda session: events.add_update(session, engine(), g.actor, event_id, body))
        except Conflict as exc:
            flash(f"未续报：{exc}", "error")
            return redirect(url_for("events.show", event_id=event_id))
        if outcome.error is None:
            flash("已结案" if body["closed"] else "已续报", "success")
            return redirect(url_for("events.show", event_id=event_id))
        errors = outcome.errors
    return render_template("events/update.html", event=event, values=request.form,
                           errors=errors), 422 if errors else 200


@pages.post("/<int:event_id>/households")
@roles_required(*EVENT_REPORTERS)
def add_households(event_id: int):
    """The households ticked among those a search found (their ids, as the API takes them)."""
    event = events.visible_event(db.session, g.actor, event_id)
    ids: list[Any] = [row_id(value) or value for value in request.form.getlist("household_ids")]
    outcome = submit(lambda session: event_affected.list_households(session, g.actor, event_id, ids, engine().now()))
    if outcome.error is not None:
        return _event_page(event, outcome.errors, request.form, 422)
    flash(f"已登记 {len(outcome.result)} 户受影响农户", "success")
    return redirect(url_for("events.show", event_id=event_id) + "#affected")


@pages.post("/<int:event_id>/households/<int:household_id>/fast-track")
@roles_required(*EVENT_REPORTERS)
def fast_track(event_id: int, household_id: int):
    try:
        with unit_of_work() as session:
            row = event_affected.fast_track(session, engine(), g.actor, event_id, household_id)
            case_id = row.instance_id
    except Conflict as exc:
        flash(f"未发起：{exc}", "error")
        return redirect(url_for("events.show", event_id=event_id) + "#affected")
    flash(f"已走绿色通道：识别案件 #{case_id} 从走访排查开始，已派至嘎查村", "success")
    return redirect(url_for("events.show", event_id=event_id) + "#affected")

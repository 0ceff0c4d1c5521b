"""Households: search, detail, registration and applications recorded on a household's behalf."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from engine import queries
from engine.errors import Conflict, InvalidData, NotDeployed
from monitoring import cases, comparison
from monitoring import households as domain
from monitoring import places as domain_places
from monitoring.codelists import labels
from monitoring.documents import store
from monitoring.models import Role
from monitoring.permissions import HOUSEHOLD_REGISTRARS
from web.auth.session import roles_required
from web.boundary import engine, unit_of_work
from web.cases import listing
from web.extensions import db
from web.households import record, registration
from web.inbox.schema_form import all_errors_placed, build_fields
from web.templating import remember_people

households = Blueprint("households", __name__, url_prefix="/households")

LIST_LIMIT = 200  # more is no list to read: the page asks to narrow the search instead


@households.get("/")
def index():
    """Search within scope; capped rather than paged, since a cadre looks for one household, not a ledger."""
    args = {key: request.args.get(key, "").strip() for key in ("q", "village", "status", "type")}
    rows = domain.search(db.session, g.actor, args["village"] or None, args["status"] or None, args["type"] or None,
                         args["q"] or None, limit=LIST_LIMIT + 1)
    return render_template(
        "households/index.html", households=rows[:LIST_LIMIT], capped=len(rows) > LIST_LIMIT, limit=LIST_LIMIT,
        args=args, villages=domain_places.villages_in_scope(db.session, g.actor), statuses=record.STATUSES,
        types=labels(db.session, "monitoring_type"), may_register=g.user.role in HOUSEHOLD_REGISTRARS,
    )


@households.route("/new", methods=["GET", "POST"])
@roles_required(*HOUSEHOLD_REGISTRARS)
def new():
    """A household does not log in: a cadre records it; refused data comes back at its fields, nothing lost."""
    villages = domain_places.villages_in_scope(db.session, g.actor)
    schema = registration.registration_schema(db.session, villages)
    if request.method == "GET":
        return _registration_page(schema, registration.blank_form(villages))
    submission = registration.read_form(schema, request.form)
    if "add_row" in request.form:
        return _registration_page(schema, registration.with_blank_row(submission.data), raw=submission.raw)
    if submission.errors:
        return _registration_page(schema, submission.data, submission.errors, submission.raw)
    try:
        with unit_of_work() as session:
            household = domain.create_household(session, g.actor, submission.data, engine().now())
            household_id, head = household.id, household.head.name
    except InvalidData as exc:
        return _registration_page(schema, submission.data, exc.fields, submission.raw)
    flash(f"已登记农户：{head}户", "success")
    return redirect(url_for("households.detail", household_id=household_id))


def _registration_page(schema: dict[str, Any], values: dict[str, Any], errors: dict[str, str] | None = None,
                       raw: dict[str, str] | None = None) -> tuple[str, int]:
    """The form with every value as typed and each error at its field; 422 when something was refused."""
    fields = build_fields(schema, values, errors, raw)
    unplaced = all_errors_placed(fields, errors or {})
    return render_template("households/new.html", fields=fields, errors=errors, unplaced=unplaced), \
        422 if errors else 200


@households.get("/<int:household_id>")
def detail(household_id: int):
    """The whole record in one page; another township's household is a 404, like one that does not exist."""
    household = domain.visible_household(db.session, household_id, g.actor)
    case_rows = record.case_list(db.session, engine(), household.id)
    feedback = domain.feedback_of(db.session, household.id)
    remember_people([*(m.recorded_by for m in household.measurements), *(f.created_by for f in feedback),
                     *(c.instance.created_by for c in case_rows), (household.authorization or {}).get("recorded_by")])
    return render_template(
        "households/detail.html", h=household, statuses=record.STATUSES, case_statuses=listing.STATUSES,
        years=record.years(db.session, household), feedback=feedback,
        hits=[comparison.describe(db.session, hit) for hit in comparison.hits_for(db.session, household.id)],
        cases=case_rows, may_apply=record.may_apply(g.user, household, case_rows),
        channels=labels(db.session, "channel"), documents=store.documents_of_household(db.session, household.id),
    )


@households.post("/<int:household_id>/cases")
@roles_required(Role.VILLAGE)
def apply(household_id: int):
    """Start identification on the household's behalf and go straight to its first step (apply, or the visit)."""
    try:
        with unit_of_work() as session:
            instance_id = cases.start_case(engine(), session, g.actor, cases.IDENTIFICATION, household_id,
                                           {"channel": request.form.get("channel", "")})
            first = next(iter(queries.open_tasks(session, instance_id)), None)
            task_id = first.id if first else None
    except (Conflict, InvalidData, NotDeployed) as exc:
        flash(f"未能登记监测申请：{exc}", "error")
        return redirect(url_for("households.detail", household_id=household_id))
    flash("已登记监测申请，请继续办理", "success")
    if task_id is None:  # nothing for a person to do first: the case page says what it waits for
        return redirect(url_for("cases.detail", instance_id=instance_id))
    return redirect(url_for("inbox.task", task_id=task_id))

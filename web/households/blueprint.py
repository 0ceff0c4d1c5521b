"""Households: search, detail, registration and applications recorded on a household's behalf."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from engine import queries
from engine.errors import Conflict, InvalidData, NotDeployed, NotFound
from engine.paging import read_window, walk
from monitoring import cases, comparison, decisions, department_access, feedback_letters
from monitoring import households as domain
from monitoring import places as domain_places
from monitoring.codelists import labels
from monitoring.documents import listing as document_lists
from monitoring.documents.render import render_pdf
from monitoring.elimination_reversal import check_reverter, may_revert, read_reversal, revert_elimination
from monitoring.models import Role
from monitoring.permissions import HOUSEHOLD_REGISTRARS, OWN_DATA_ROLES, sees_full_record
from web.auth.session import roles_required
from web.boundary import engine, unit_of_work
from web.cases import listing as case_listing
from web.dashboard import filters
from web.downloads import PDF, send_download
from web.exports import EXPORT_MAX_ROWS, wants_xlsx, xlsx_response
from web.extensions import db
from web.households import listing, record, registration
from web.inbox.schema_form import all_errors_placed, build_fields
from web.list_pages import page_window
from web.templating import UNDEPLOYED_PROCESS, remember_people, remember_places

households = Blueprint("households", __name__, url_prefix="/households")

@households.get("/")
def index():
    """Search within scope, a page at a time; ``?format=xlsx`` exports every match with the same columns."""
    search = listing.search_from(request.args)
    if wants_xlsx(request.args):
        rows = walk(db.session, domain.search_query(db.session, g.actor, search), domain.HOUSEHOLD_ORDER,
                    EXPORT_MAX_ROWS)
        return xlsx_response("农牧户", "households", listing.household_columns(db.session), rows, engine().now())
    found = domain.search_page(db.session, g.actor, search, page_window())
    args = {key: request.args.get(key, "").strip() for key in ("q", "village", "status", "type")}
    villages = domain_places.villages_in_scope(db.session, g.actor)
    remember_places([household.village_code for household in found.rows], known=villages)
    return render_template(
        "households/index.html", page=found, households=found.rows, args=args, counted=filters.described(request.args),
        villages=villages, statuses=record.STATUSES,
        types=labels(db.session, "monitoring_type"), may_register=g.user.role in HOUSEHOLD_REGISTRARS,
        department=department_access.department_of(db.session, g.actor) is not None,
    )


@households.get("/hits")
@roles_required(*OWN_DATA_ROLES)
def hits():
    """A line department's comparison hits: whom its data named, from which file and row."""
    if wants_xlsx(request.args):
        return xlsx_response("比对命中", "comparison-hits", listing.hit_columns(db.session),
                             listing.all_hits(db.session, g.actor), engine().now())
    found = listing.hits_page(db.session, g.actor, page_window())
    return render_template("households/hits.html", page=found)


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
    return _detail_page(household_id)


def _detail_page(household_id: int, refused: Refusal | None = None) -> str | tuple[str, int]:
    """The page; ``refused``: a form of it was refused, shown again at that form with what was typed."""
    household = domain.visible_household(db.session, household_id, g.actor)
    if not sees_full_record(g.actor):  # a department, through a hit on its data: that hit and no personal details
        return render_template("households/linked.html", h=household,
                               hits=listing.hits_on_household(db.session, g.actor, household.id))
    case_rows = record.case_list(db.session, engine(), household.id)
    feedback = domain.feedback_of(db.session, household.id)
    history = record.status_entries(db.session, household)
    remember_people([*(m.recorded_by for m in household.measurements), *(f.created_by for f in feedback),
                     *(c.instance.created_by for c in case_rows), *(e.change.changed_by for e in history),
                     (household.authorization or {}).get("recorded_by")])
    documents = document_lists.household_documents(db.session, household.id, read_window(
        request.args.get("documents_after"), request.args.get("documents_limit")))
    page = render_template(
        "households/detail.html", h=household, statuses=record.STATUSES, case_statuses=case_listing.STATUSES,
        years=record.years(db.session, household), feedback=feedback, history=history,
        decided=decisions.by_case(db.session, [c.instance.id for c in case_rows]),
        hits=[comparison.describe(db.session, hit) for hit in comparison.hits_for(db.session, household.id)],
        cases=case_rows, may_apply=record.may_apply(g.user, household, case_rows),
        channels=labels(db.session, "channel"), documents=documents,
        may_eliminate=record.may_start_elimination(db.session, engine(), g.user, household, case_rows),
        methods=labels(db.session, "elimination_method"), may_revert=may_revert(g.actor, household),
        refused=refused or Refusal(""),
    )
    return (page, refused.status) if refused else page


@dataclass(frozen=True)
class Refusal:
    """A refused form of the household page: which one, the value typed, the reason per field."""

    form: str  # "elimination" | "reversal"
    values: dict[str, str] = field(default_factory=dict)
    fields: dict[str, str] = field(default_factory=dict)
    message: str = ""
    status: int = 422  # 409 when the household's state forbids it (a case already open, not eliminated)


@households.get("/<int:household_id>/feedback/<int:feedback_id>/letter.pdf")
def feedback_letter(household_id: int, feedback_id: int) -> Response:
    """反馈告知书 to print and hand over; a household or feedback the user may not see is a 404."""
    household = domain.visible_household(db.session, household_id, g.actor)
    if not sees_full_record(g.actor):
        raise NotFound(f"household {household_id}")
    feedback = feedback_letters.feedback_of(db.session, household, feedback_id)
    content = feedback_letters.letter(db.session, household, feedback, engine().today())
    name = f"{content['title']}_{content['household']['head_name']}.pdf"
    return send_download(render_pdf("feedback_letter.html", content), name, f"feedback-letter-{feedback.id}", PDF,
                         inline=True)


@households.post("/<int:household_id>/cases")
@roles_required(Role.VILLAGE)
def apply(household_id: int):
    """Start identification on the household's behalf and go straight to its first step (apply, or the visit)."""
    try:
        instance_id, task_id = _start(cases.IDENTIFICATION, household_id, {"channel": request.form.get("channel", "")})
    except NotDeployed:  # the engine's message names the process by its key, which is no word for a cadre
        flash(f"未能登记监测申请：{UNDEPLOYED_PROCESS}，请联系流程设计员部署识别流程", "error")
        return redirect(url_for("households.detail", household_id=household_id))
    except (Conflict, InvalidData) as exc:
        flash(f"未能登记监测申请：{exc}", "error")
        return redirect(url_for("households.detail", household_id=household_id))
    flash("已登记监测申请，请继续办理", "success")
    return _first_step(instance_id, task_id)


def _start(process: str, household_id: int, data: dict[str, Any]) -> tuple[int, str | None]:
    """Start the household's case (``monitoring.cases``, the API's rule); its first open task, if any."""
    with unit_of_work() as session:
        instance_id = cases.start_case(engine(), session, g.actor, process, household_id, data)
        first = next(iter(queries.open_tasks(session, instance_id)), None)
        return instance_id, first.id if first else None


def _first_step(instance_id: int, task_id: str | None) -> Response:
    """A case just started opens at its first task; with nothing for a person to do, the case page says what
    it waits for."""
    if task_id is None:
        return redirect(url_for("cases.detail", instance_id=instance_id))
    return redirect(url_for("inbox.task", task_id=task_id))


@households.post("/<int:household_id>/elimination")
def start_elimination(household_id: int):
    """发起风险消除: the rules (monitored, window, month, measures, labour capacity) answer at the form, field by
    field; started, the case's first step opens."""
    method = request.form.get("method", "")
    try:
        instance_id, task_id = _start(record.RISK_ELIMINATION, household_id, {"method": method})
    except NotDeployed:
        return _detail_page(household_id, Refusal("elimination", {"method": method},
                                                  message=f"{UNDEPLOYED_PROCESS}，请联系流程设计员部署风险消除流程"))
    except InvalidData as exc:
        return _detail_page(household_id, Refusal("elimination", {"method": method}, exc.fields, str(exc)))
    except Conflict as exc:
        return _detail_page(household_id, Refusal("elimination", {"method": method}, message=str(exc), status=409))
    flash("已发起风险消除，请继续办理", "success")
    return _first_step(instance_id, task_id)


@households.post("/<int:household_id>/elimination-reversal")
def revert(household_id: int):
    """风险消除回退 with its reason and a ticked confirmation; the same rule as the API's."""
    reason = request.form.get("reason", "")
    try:
        if request.form.get("confirm") != "yes":  # a refusal by role or scope (403, 404) comes before the tick
            check_reverter(g.actor)
            domain.visible_household(db.session, household_id, g.actor)
            raise InvalidData("请勾选确认", {**read_reversal({"reason": reason})[1], "confirm": "请勾选确认回退"})
        with unit_of_work() as session:
            revert_elimination(engine(), session, g.actor, household_id, {"reason": reason})
    except InvalidData as exc:
        return _detail_page(household_id, Refusal("reversal", {"reason": reason}, exc.fields, str(exc)))
    except Conflict as exc:
        return _detail_page(household_id, Refusal("reversal", {"reason": reason}, message=str(exc), status=409))
    flash("已回退风险消除，该户重新作为监测对象", "success")
    return redirect(url_for("households.detail", household_id=household_id, _anchor="monitoring-title"))

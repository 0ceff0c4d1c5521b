"""Assistance measures in the browser: the plan on the household page, the county's form to add a measure, the
list of measures (a department's own: where it records what it did) and one measure with its history."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from sqlalchemy.orm import selectinload

from engine.errors import Forbidden, InvalidData
from engine.paging import walk
from monitoring import assistance_cases
from monitoring import measures as domain
from monitoring.codelists import labels
from monitoring.codes import MEASURE_LEAD_DEPARTMENTS, subtype_list
from monitoring.models import Household, Measure
from monitoring.permissions import MEASURE_PLANNERS
from web.boundary import engine, unit_of_work
from web.exports import EXPORT_MAX_ROWS, Column, wants_xlsx, xlsx_response
from web.extensions import db
from web.list_pages import page_window
from web.templating import place_name, remember_people

measures = Blueprint("measures", __name__, url_prefix="/measures")

PLAN_FORM_FIELDS = ("kind", "content", "department", "responsible", "start_on", "end_on", "amount")


def plan_for(household: Household) -> dict[str, Any]:
    """What the household page shows of the plan: the measures the user may read, the warnings, who may add."""
    rows = domain.measures_of(db.session, g.actor, household.id)
    remember_people([m.updated_by for m in rows])
    return {"measures": rows, "check": domain.plan_check(db.session, household) if g.actor.place_scope else None,
            "may_plan": g.actor.place_scope and g.actor.role in MEASURE_PLANNERS,
            "statuses": domain.STATUS_LABELS}


def _kinds() -> list[tuple[str, str, list[tuple[str, str]]]]:
    """Categories with their sub-types, for one grouped choice (``category.subtype``)."""
    return [(category, text, list(labels(db.session, subtype_list(category)).items()))
            for category, text in labels(db.session, "assistance_measure").items()]


def _plan_page(household: Household, values: dict[str, str], errors: dict[str, str] | None = None):
    return render_template("measures/new.html", h=household, values=values, errors=errors or {}, kinds=_kinds(),
                           departments=labels(db.session, "department"), leads=MEASURE_LEAD_DEPARTMENTS), \
        422 if errors else 200


def _form_errors(exc: InvalidData) -> dict[str, str]:
    """The refusal's fields as the form names them: category and sub-type are one choice (``kind``)."""
    return {("kind" if name in ("category", "subtype") else name): why for name, why in exc.fields.items()}


def _form_plan(values: dict[str, str]) -> dict[str, Any]:
    """The plan fields of a posted form, the grouped choice split into category and sub-type."""
    category, _, subtype = values["kind"].partition(".")
    return {**{name: values[name] for name in PLAN_FORM_FIELDS if name != "kind"}, "category": category,
            "subtype": subtype, "amount": domain.form_amount(values["amount"])}


@measures.route("/household/<int:household_id>/new", methods=["GET", "POST"])
def plan(household_id: int):
    """The county adds a measure to the household's plan; the plan's warnings are shown after the save."""
    household = domain.plannable_household(db.session, g.actor, household_id)
    if request.method == "GET":
        return _plan_page(household, {"start_on": engine().today().isoformat()})
    values = {name: request.form.get(name, "") for name in PLAN_FORM_FIELDS}
    try:
        with unit_of_work() as session:
            assistance_cases.plan_measure(engine(), session, g.actor, household_id, _form_plan(values))
    except InvalidData as exc:
        return _plan_page(household, values, _form_errors(exc))
    flash("已加入帮扶计划，计划的提醒见下方", "success")
    return redirect(url_for("households.detail", household_id=household_id, _anchor="plan"))


@measures.get("/household/<int:household_id>/sheet")
def plan_sheet(household_id: int):
    """The plan printed as a 帮扶计划表 (an A4 page through the print stylesheet), for those who see the household."""
    household = domain.household_with_plan(db.session, g.actor, household_id)
    return render_template("measures/sheet.html", h=household, plan=plan_for(household), today=engine().today())


def _columns() -> list[Column[Measure]]:
    return [
        Column("户主", lambda m: m.household.head.name if m.household.head else "", width=12),
        Column("嘎查村", lambda m: place_name(m.household.village_code), width=16),
        Column("措施类别", lambda m: _label("assistance_measure", m.category), width=14),
        Column("措施子类", lambda m: _label(subtype_list(m.category), m.subtype), width=22),
        Column("措施内容", lambda m: m.content, width=30),
        Column("牵头部门", lambda m: _label("department", m.department) if m.department else "乡村振兴部门", width=12),
        Column("帮扶责任人", lambda m: m.responsible, width=12),
        Column("开始日期", lambda m: m.start_on, "date", width=12),
        Column("结束日期", lambda m: m.end_on, "date", width=12),
        Column("金额(元)", lambda m: m.amount, "money", width=12),
        Column("状态", lambda m: domain.STATUS_LABELS[m.status], width=10),
        Column("完成日期", lambda m: m.done_on, "date", width=12),
        Column("完成情况", lambda m: m.result, width=30),
    ]


def _label(list_key: str, code: str) -> str:
    return labels(db.session, list_key, include_retired=True).get(code, code)


@measures.get("/")
def index():
    """The measures in the user's view (a department: those it leads), by status; exports every row."""
    status = request.args.get("status") or None
    if status not in (None, *domain.STATUS_LABELS):
        status = None
    query = domain.measures_in_view(db.session, g.actor)
    if status:
        query = query.where(Measure.status == status)
    query = query.options(selectinload(Measure.household).selectinload(Household.members))
    if wants_xlsx(request.args):
        rows = walk(db.session, query, domain.MEASURE_ORDER, EXPORT_MAX_ROWS)
        return xlsx_response("帮扶措施", "measures", _columns(), rows, engine().now())
    found = domain.page_of(db.session, query, page_window())
    return render_template("measures/index.html", page=found, status=status, statuses=domain.STATUS_LABELS)


@measures.route("/<int:measure_id>", methods=["GET", "POST"])
def detail(measure_id: int):
    """One measure with its history; its lead department records progress here (the county corrects a closed one)."""
    measure = domain.visible_measure(db.session, measure_id, g.actor)
    errors: dict[str, str] = {}
    values = {"status": measure.status, "done_on": measure.done_on.isoformat() if measure.done_on else "",
              "result": measure.result, "amount": "" if measure.amount is None else str(measure.amount), "reason": ""}
    if request.method == "POST":
        values = {name: request.form.get(name, "") for name in domain.PROGRESS_FIELDS}
        data: dict[str, Any] = {**values, "done_on": values["done_on"] or None, "amount": values["amount"] or None}
        if not data["reason"]:
            data.pop("reason")
        try:
            with unit_of_work() as session:
                domain.record_progress(session, g.actor, measure_id, data, engine().now(), engine().today())
        except InvalidData as exc:
            errors = exc.fields
        else:
            flash("已登记措施进展", "success")
            return redirect(url_for("measures.detail", measure_id=measure_id))
        measure = domain.visible_measure(db.session, measure_id, g.actor)
    remember_people([c.changed_by for c in measure.changes])
    return render_template("measures/detail.html", m=measure, values=values, errors=errors,
                           statuses=domain.STATUS_LABELS, form=domain.progress_form(db.session, g.actor, measure),
                           may_edit=domain.may_edit_plan(g.actor)), \
        422 if errors else 200


def _edit_page(measure: Measure, values: dict[str, str], errors: dict[str, str] | None = None):
    return render_template("measures/edit.html", m=measure, values=values, errors=errors or {}, kinds=_kinds(),
                           departments=labels(db.session, "department"), closed=measure.status in domain.CLOSED,
                           statuses=domain.STATUS_LABELS), 422 if errors else 200


@measures.route("/<int:measure_id>/edit", methods=["GET", "POST"])
def edit(measure_id: int):
    """The county changes a saved measure's plan; the plan is checked again and the change kept in its record."""
    measure = domain.visible_measure(db.session, measure_id, g.actor)
    if not domain.may_edit_plan(g.actor):
        raise Forbidden("只有旗县乡村振兴部门可以修改帮扶计划")
    if request.method == "GET":
        plan = domain.plan_of(measure)
        values = {"kind": f"{measure.category}.{measure.subtype}", "content": plan["content"],
                  "department": plan["department"] or "", "responsible": plan["responsible"],
                  "start_on": plan["start_on"], "end_on": plan["end_on"] or "",
                  "amount": "" if plan["amount"] is None else str(plan["amount"]), "reason": ""}
        return _edit_page(measure, values)
    values = {name: request.form.get(name, "") for name in (*PLAN_FORM_FIELDS, "reason")}
    data = _form_plan(values)
    if values["reason"]:
        data["reason"] = values["reason"]
    try:
        with unit_of_work() as session:
            saved = assistance_cases.edit_plan(engine(), session, g.actor, measure_id, data)
            warnings = len(saved.check.warnings)
    except InvalidData as exc:
        return _edit_page(domain.visible_measure(db.session, measure_id, g.actor), values, _form_errors(exc))
    flash(f"已修改帮扶计划，计划有{warnings}条提醒，见农户页面" if warnings else "已修改帮扶计划", "success")
    return redirect(url_for("measures.detail", measure_id=measure_id))


def init_app(app: Any) -> None:
    app.jinja_env.globals.update(assistance_plan=plan_for)

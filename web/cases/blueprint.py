"""Case pages: the BPMN diagram with progress, the timeline and the data."""

from __future__ import annotations

from flask import Blueprint, Response, flash, g, redirect, render_template, request, url_for

from engine import instances, versions
from engine.errors import InvalidData
from engine.models import InstanceStatus
from engine.paging import read_window
from monitoring import cases as cases_rules
from monitoring.documents import listing as document_lists
from web.boundary import engine, unit_of_work
from web.cases import listing, page
from web.dashboard import filters
from web.exports import wants_xlsx, xlsx_response
from web.extensions import db
from web.list_pages import page_window

cases = Blueprint("cases", __name__, url_prefix="/cases")


@cases.get("/")
def index():
    """One page of the cases in scope, newest first; ``?format=xlsx`` exports all with the same filters."""
    process, status = request.args.get("process") or None, request.args.get("status") or None
    where = filters.case_conditions(request.args, engine().now())  # a bulletin number's cases
    if wants_xlsx(request.args):
        return xlsx_response("案件", "cases", listing.case_columns(),
                             listing.all_cases(db.session, g.actor, process, status, where), engine().now())
    found = listing.case_page(db.session, g.actor, page_window(),
                              process, status, where)
    return render_template(
        "cases/index.html", page=found, rows=found.rows, process=process, counted=filters.described(request.args),
        status=status, statuses=listing.STATUSES, processes=[v.key for v in versions.latest_versions(db.session)],
    )


@cases.get("/<int:instance_id>")
def detail(instance_id: int):
    instance = instances.visible_instance(db.session, instance_id, g.actor)
    events = read_window(request.args.get("events_after"), request.args.get("events_limit"))
    documents = read_window(request.args.get("documents_after"), request.args.get("documents_limit"))
    return render_template("cases/detail.html", case=page.case_page(db.session, engine(), instance, g.actor, events),
                           statuses=listing.STATUSES, now=engine().now(),
                           documents=document_lists.instance_documents(db.session, instance.id, documents),
                           may_cancel=cases_rules.may_cancel(g.actor, instance.process_key)
                           and instance.status == InstanceStatus.RUNNING)


@cases.get("/<int:instance_id>/diagram.bpmn")
def diagram(instance_id: int):
    """The process model the instance runs, as deployed; the viewer relabels and highlights it."""
    instance = instances.visible_instance(db.session, instance_id, g.actor)
    response = Response(page.diagram_xml(db.session, instance), mimetype="application/xml")
    response.cache_control.private = True
    response.cache_control.max_age = 3600  # a deployed version never changes
    return response


@cases.post("/<int:instance_id>/cancel")
def cancel(instance_id: int):
    try:
        if request.form.get("confirm") != "yes":
            raise InvalidData("请勾选确认", {"confirm": "请勾选确认"})
        with unit_of_work() as session:
            cases_rules.cancel_case(engine(), session, instance_id, g.actor, request.form.get("reason", ""))
    except InvalidData as exc:
        flash(f"未能撤销：{'；'.join(exc.fields.values())}（撤销原因不超过{instances.MAX_CANCEL_REASON}字）", "error")
        return redirect(url_for("cases.detail", instance_id=instance_id, _anchor="cancel"))
    flash("案件已撤销", "success")
    return redirect(url_for("cases.detail", instance_id=instance_id))

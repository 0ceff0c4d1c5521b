"""人口自然变更 in the browser: the household page's section (history with 待标注/已标注, members who left), the
recording page (the kind first, then only that kind's fields), and the village's batch marking — the same rules as
``/api/v1/households/{id}/changes`` and ``/api/v1/changes/mark`` (``monitoring.natural_changes``)."""

from __future__ import annotations

from typing import Any

from flask import flash, g, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from engine.errors import Conflict, InvalidData
from engine.limits import row_id
from monitoring import attachments, change_marking, marking_windows, natural_changes
from monitoring.change_models import KIND_NAMES, ChangeKind
from monitoring.codelists import labels
from monitoring.households import HEAD, check_not_merged, visible_household
from monitoring.models import Household
from monitoring.permissions import NATURAL_CHANGE_RECORDERS
from web.auth.session import roles_required
from web.boundary import engine, unit_of_work
from web.documents.service import documents_dir
from web.extensions import db
from web.households.blueprint import households
from web.list_pages import page_window
from web.templating import remember_people

MEMBER_FORM_FIELDS = ("name", "id_number", "relation", "ethnicity", "education", "labour_skill", "phone")
ID_FIELDS = ("member_id", "new_head_id", "head_id", "into_household_id")
KIND_HINTS = {
    ChangeKind.BIRTH: "新生儿落户本户：变更日期即出生日期",
    ChangeKind.DEATH: "成员去世：保留在“已离开的成员”中",
    ChangeKind.MARRY_IN: "因结婚迁入本户",
    ChangeKind.MARRY_OUT: "因结婚迁出本户",
    ChangeKind.MOVE_IN: "其他原因迁入本户",
    ChangeKind.MOVE_OUT: "其他原因迁出本户（如升学、务工落户、投靠亲属）",
    ChangeKind.SPLIT: "勾选分出的成员，组成本村的新户",
    ChangeKind.MERGE: "本户全部成员并入本村另一户，本户保留为只读",
}


def section_for(household: Household) -> dict[str, Any]:
    """What the household page shows of its natural changes: each change with who it concerned, the members who
    left with the change that removed them, whether the user may record one."""
    changes = natural_changes.changes_of(db.session, household.id)
    remember_people([c.recorded_by for c in changes] + [c.marked_by for c in changes])
    related = {c.household_id: c for c in changes if c.related_household_id == household.id}
    return {"changes": changes, "members": natural_changes.members_named(db.session, changes),
            "by_id": {c.id: c for c in changes}, "former": household.former_members, "names": KIND_NAMES,
            "related": related, "may_record": natural_changes.may_record(g.actor, household),
            "heads": natural_changes.household_names(
                db.session, [c.related_household_id for c in changes if c.related_household_id]
                + [c.household_id for c in changes]
                + [i for i in (household.merged_into_id, household.split_from_id) if i])}


def merge_choice(household: Household) -> str:
    """A household offered to merge into, told apart from its namesakes: head, 组, size and the head's ID tail."""
    head = household.head
    tail = f"，户主身份证尾号{head.id_number[-4:]}" if head and head.id_number else ""
    return f"{head.name if head else household.id}户（{household.group_name or '未分组'}，{household.size}人{tail}）"


@households.route("/<int:household_id>/changes", methods=["GET", "POST"])
@roles_required(*NATURAL_CHANGE_RECORDERS)
def record_change(household_id: int) -> str | Response | tuple[str, int]:
    """Choose the kind, then fill in only its fields; a refusal answers the page again with each error at its
    field and everything typed kept (an uploaded proof too)."""
    natural_changes.check_recorder(g.actor)
    household = visible_household(db.session, household_id, g.actor)
    check_not_merged(household)  # read-only: the page offers nothing to fill in
    kind = request.values.get("kind", "")
    if kind not in natural_changes.KIND_FIELDS:
        kind = ""
    if request.method == "GET" or not kind:
        return _form(household, kind, {}, request.form)
    data, errors = _read_form(household, kind)
    if errors:
        return _form(household, kind, errors, request.form, data.get("evidence_id")), 422
    try:
        with unit_of_work() as session:
            change = natural_changes.record_change(session, g.actor, household.id, data, engine().now())
            related_id = change.related_household_id
    except InvalidData as exc:
        return _form(household, kind, exc.fields, request.form, data.get("evidence_id")), 422
    except Conflict as exc:
        flash(f"未能登记：{exc}", "error")
        return redirect(url_for("households.detail", household_id=household.id))
    flash(f"已登记{KIND_NAMES[ChangeKind(kind)]}，待标注窗口期内标注", "success")
    if kind == ChangeKind.SPLIT and related_id:
        return redirect(url_for("households.detail", household_id=related_id, _anchor="changes"))
    return redirect(url_for("households.detail", household_id=household.id, _anchor="changes"))


def _read_form(household: Household, kind: str) -> tuple[dict[str, Any], dict[str, str]]:
    """The form as the rule reads a request: the kind's fields only, ids as numbers, the proof stored first (in a
    unit of its own, so a change refused for another field keeps it)."""
    form = request.form
    allowed = natural_changes.COMMON_FIELDS | natural_changes.KIND_FIELDS[ChangeKind(kind)]
    data: dict[str, Any] = {"kind": kind, "on": form.get("on", ""), "note": form.get("note", "")}
    if "member" in allowed:
        data["member"] = {name: form.get(f"member.{name}", "") for name in MEMBER_FORM_FIELDS}
    for name in ID_FIELDS:
        if name in allowed and form.get(name, "").strip():
            data[name] = row_id(form[name]) or form[name]
    if "member_ids" in allowed:
        data["member_ids"] = [row_id(value) or value for value in form.getlist("member_ids")]
    if "head_relation" in allowed and form.get("head_relation"):
        data["head_relation"] = form["head_relation"]
    errors: dict[str, str] = {}
    kept = row_id(form.get("evidence_id", ""))
    if kept:
        data["evidence_id"] = kept
    upload = request.files.get("evidence")
    if upload is not None and upload.filename:
        try:
            with unit_of_work() as session:
                stored = attachments.store_attachment(session, documents_dir(), g.actor, household.place_path,
                                                      "evidence_id", upload.filename, upload.read(), engine().now())
                data["evidence_id"] = stored.id
        except InvalidData as exc:
            errors.update(exc.fields)
    return data, errors


def _form(household: Household, kind: str, errors: dict[str, str], values: Any,
          evidence_id: int | None = None) -> str:
    present = list(household.members)
    targets = db.session.execute(
        select(Household).where(Household.village_code == household.village_code, Household.id != household.id,
                                Household.merged_into_id.is_(None))
        .options(selectinload(Household.members)).order_by(Household.id)).scalars()
    return render_template(
        "households/changes.html", h=household, who=natural_changes.household_names(db.session, [household.id])[
            household.id], kind=kind, kinds=list(ChangeKind), names=KIND_NAMES,
        hints=KIND_HINTS, errors=errors, values=values, present=present,
        head_present=any(m.relation == HEAD for m in present), today=engine().today(),
        targets=[(t.id, merge_choice(t)) for t in targets if t.members], relations=labels(db.session, "relation"),
        ethnicities=labels(db.session, "ethnicity"), educations=labels(db.session, "education"),
        skills=labels(db.session, "labour_skill"), chosen=set(values.getlist("member_ids")) if values else set(),
        evidence_id=evidence_id)


@households.get("/changes")
@roles_required(*NATURAL_CHANGE_RECORDERS)
def pending_changes() -> str:
    """The village's changes waiting for marking, with the window that applies today and one batch action."""
    return _pending_page()


def _pending_page(errors: dict[str, str] | None = None) -> str:
    today = engine().today()
    found = change_marking.pending_page(db.session, g.actor, page_window())
    remember_people([c.recorded_by for c in found.rows])
    return render_template(
        "households/changes_pending.html", page=found, names=KIND_NAMES,
        members=natural_changes.members_named(db.session, found.rows),
        heads=natural_changes.household_names(
            db.session, [i for c in found.rows for i in (c.household_id, c.related_household_id) if i]),
        window=marking_windows.window_for(db.session, g.actor.place_path, today),
        closed=change_marking.window_refusal(db.session, g.actor.place_path, today), errors=errors or {})


@households.post("/changes/mark")
@roles_required(*NATURAL_CHANGE_RECORDERS)
def mark_changes() -> str | Response | tuple[str, int]:
    """标注 the ticked changes today, in one batch (the same rule as ``POST /api/v1/changes/mark``)."""
    ids = [row_id(value) or value for value in request.form.getlist("change_ids")]
    try:
        with unit_of_work() as session:
            marked = change_marking.mark_changes(session, g.actor, {"change_ids": ids}, engine().now())
            count = len(marked)
    except InvalidData as exc:
        return _pending_page(exc.fields), 422
    flash(f"已标注{count}项人口自然变更", "success")
    return redirect(url_for("households.pending_changes"))


def init_app(app: Any) -> None:
    app.jinja_env.globals.update(natural_changes_of=section_for)

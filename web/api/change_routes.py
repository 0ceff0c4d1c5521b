"""``/api/v1`` routes of natural changes (api.md "Natural changes"): record a household's change, read its changes
and who left, upload the change's proof, and mark pending changes inside a marking window."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request

from engine.errors import NotFound
from monitoring import attachments, change_marking, natural_changes, permissions
from monitoring.change_models import HouseholdChange
from monitoring.households import visible_household
from monitoring.models import Household, Member
from web.api import bodies as b
from web.api import household_views as hv
from web.api import paging
from web.api import schemas as s
from web.api.auth import current_actor, token_required
from web.api.blueprint import api
from web.api.errors import ApiError
from web.api.parsing import json_body
from web.api.spec import operation
from web.api.views import iso
from web.boundary import engine, unit_of_work
from web.documents.service import documents_dir
from web.extensions import db


def change_body(change: HouseholdChange, members: dict[int, Member]) -> dict[str, Any]:
    person = members.get(change.member_id) if change.member_id else None
    return {"id": change.id, "household_id": change.household_id, "kind": change.kind,
            "on": change.occurred_on.isoformat(), "member_id": change.member_id,
            "member": {"id": person.id, "name": person.name} if person else None,
            "related_household_id": change.related_household_id,
            "moved_members": [{"id": i, "name": members[i].name} for i in change.moved_member_ids if i in members],
            "note": change.note, "evidence_id": change.evidence_id, "recorded_at": iso(change.recorded_at),
            "recorded_by": change.recorded_by, "status": "marked" if change.marked_on else "pending",
            "marked_on": iso(change.marked_on), "marked_by": change.marked_by}


def _left_body(member: Member) -> dict[str, Any]:
    return {**hv.member(member), "left_on": iso(member.left_on), "left_change_id": member.left_change_id}


def _readable_household(household_id: int) -> Household:
    """The household for those who see its full record (its village and above); a department reads no changes."""
    actor = current_actor()
    household = visible_household(db.session, household_id, actor)
    if not permissions.sees_full_record(actor):
        raise NotFound(f"Household {household_id}")
    return household


def _changes_body(household: Household) -> dict[str, Any]:
    changes = natural_changes.changes_of(db.session, household.id)
    members = natural_changes.members_named(db.session, changes)
    return {"household": hv.household_summary(household), "merged_into_id": household.merged_into_id,
            "merged_on": iso(household.merged_on), "split_from_id": household.split_from_id,
            "members": [hv.member(m) for m in household.members],
            "members_left": [_left_body(m) for m in household.former_members],
            "changes": [change_body(c, members) for c in changes]}


@api.post("/households/<int:household_id>/changes")
@operation("登记人口自然变更", {201: s.CHANGES}, body=b.CHANGE, refusals=(403, 409))
@token_required
def record_change(household_id: int):
    """→ 201 the change, the household as it now stands and, for a split or merge, the other household."""
    body = json_body()
    with unit_of_work() as session:
        change = natural_changes.record_change(session, current_actor(), household_id, body, engine().now())
        change_id = change.id
    change = db.session.get(HouseholdChange, change_id)
    answer = _changes_body(_readable_household(household_id))
    answer["change"] = next(c for c in answer["changes"] if c["id"] == change_id)
    if change.related_household_id:
        answer["related_household"] = hv.household_summary(db.session.get(Household, change.related_household_id))
    return jsonify(answer), 201


@api.get("/households/<int:household_id>/changes")
@operation("农户的自然变更与迁出成员", {200: s.CHANGES})
@token_required
def list_changes(household_id: int):
    return jsonify(_changes_body(_readable_household(household_id)))


@api.post("/households/<int:household_id>/changes/evidence")
@operation("上传变更证明（PDF、JPG、PNG）", {201: s.ATTACHMENT}, upload=b.FILE_UPLOAD, refusals=(403,))
@token_required
def upload_evidence(household_id: int):
    """A change's proof (multipart ``file``: PDF, JPG or PNG) → 201 ``{"id"}`` to send as ``evidence_id``."""
    actor = current_actor()
    natural_changes.check_recorder(actor)
    file = request.files.get("file")
    if file is None:
        raise ApiError(400, "bad_request", "请以 multipart 上传 file", {"file": "必填"})
    with unit_of_work() as session:
        household = visible_household(session, household_id, actor)
        stored = attachments.store_attachment(session, documents_dir(), actor, household.place_path, "file",
                                              file.filename or "upload", file.read(), engine().now())
        answer = {"id": stored.id, "filename": stored.filename, "content_type": stored.content_type,
                  "size": stored.size}
    return jsonify(answer), 201


@api.post("/changes/mark")
@operation("在标注期内标注变更", {200: s.list_of(s.CHANGE)}, body=b.MARK_CHANGES, refusals=(403, 404, 409))
@token_required
def mark_changes():
    """``{"change_ids": […]}`` → 200 the changes marked today; 422 ``marking_window`` outside a window."""
    body = json_body()
    with unit_of_work() as session:
        marked = change_marking.mark_changes(session, current_actor(), body, engine().now())
        members = natural_changes.members_named(session, marked)
        answer = [change_body(c, members) for c in marked]
    return jsonify(answer)


@api.get("/changes/pending")
@operation("待标注的变更（分页）", {200: s.list_of(s.CHANGE)}, paged=True, refusals=(403, 422))
@token_required
def pending_changes():
    """The changes waiting for marking in the caller's scope, oldest first, a page at a time."""
    found = change_marking.pending_page(db.session, current_actor(), paging.window())
    members = natural_changes.members_named(db.session, found.rows)
    return paging.paged(found, lambda c: change_body(c, members))

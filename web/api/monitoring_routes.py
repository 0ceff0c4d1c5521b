"""``/api/v1`` routes of the domain: households, department data, thresholds, code lists, notices."""

from __future__ import annotations

from flask import g, jsonify, request
from sqlalchemy import select

from engine.errors import NotFound
from engine.paging import page
from monitoring import codelists, comparison, department_access, households, notices, permissions, thresholds
from monitoring.models import DepartmentUpload, Role
from monitoring.places import get_place, place_in_scope
from web.admin.department_data import UPLOAD_ORDER
from web.api import bodies as b
from web.api import household_views as hv
from web.api import paging
from web.api import query_params as q
from web.api import schemas as s
from web.api.auth import current_actor, token_required
from web.api.blueprint import api
from web.api.errors import ApiError
from web.api.parsing import field, json_body, query, query_values
from web.api.spec import operation
from web.api.views import iso
from web.boundary import engine, unit_of_work
from web.extensions import db
from web.households import listing


@api.post("/households")
@operation("登记农户", {201: s.HOUSEHOLD}, body=b.HOUSEHOLD, refusals=(403, 404))
@token_required
def create_household():
    body = json_body()
    with unit_of_work() as session:
        household = households.create_household(session, current_actor(), body, engine().now())
        household_id = household.id
    return jsonify(_household_body(household_id)), 201


@api.get("/households")
@operation("查找农户（姓名或身份证号尾号，分页）", {200: s.list_of(s.HOUSEHOLD_SUMMARY)}, query=q.HOUSEHOLD_SEARCH,
           paged=True, refusals=(422,))
@token_required
def list_households():
    found = households.search_page(db.session, current_actor(), listing.search_from(query_values()), paging.window())
    return paging.paged(found, hv.household_summary)


@api.get("/households/<int:household_id>")
@operation("农户详情", {200: s.HOUSEHOLD})
@token_required
def get_household(household_id: int):
    return jsonify(_household_body(household_id))


def _household_body(household_id: int) -> dict:
    actor = current_actor()
    household = households.visible_household(db.session, household_id, actor)
    if not permissions.sees_full_record(actor):
        return hv.linked_household(household, listing.hits_on_household(db.session, actor, household.id))
    return hv.household(db.session, household, households.feedback_of(db.session, household.id))


@api.post("/department-data")
@operation("上传行业部门数据", {201: s.UPLOAD}, upload=b.DEPARTMENT_UPLOAD, refusals=(403,))
@token_required
def upload_department_data():
    file = request.files.get("file")
    dataset = request.form.get("dataset", "")
    if file is None:
        raise ApiError(400, "bad_request", "请以 multipart 上传 file 和 dataset", {"file": "必填"})
    with unit_of_work() as session:
        record = comparison.upload(session, g.user, current_actor(), dataset, file.filename or "upload",
                                   file.read(), engine().now())
        body = {"id": record.id, "dataset": record.dataset, "rows": record.row_count, "county": record.county_code,
                "uploaded_at": iso(record.uploaded_at)}
    return jsonify(body), 201


@api.get("/department-data")
@operation("行业部门数据上传记录（分页）", {200: s.list_of(s.UPLOAD)}, paged=True, refusals=(422,))
@token_required
def list_department_data():
    """A department's own uploads; the uploads of the user's county for its cadres; every upload above."""
    actor = current_actor()
    if not permissions.sees_by_place(g.user.role):
        uploads = department_access.own_uploads(db.session, actor)
    else:
        uploads = select(DepartmentUpload)
        if g.user.role in (Role.COUNTY, Role.TOWNSHIP, Role.VILLAGE):
            uploads = uploads.where(
                DepartmentUpload.county_code == comparison.county_of(db.session, actor.place_path).code)
    found = page(db.session, uploads, UPLOAD_ORDER, paging.window())
    return paging.paged(found, lambda u: {
        "id": u.id, "dataset": u.dataset, "department": u.department, "county": u.county_code, "filename": u.filename,
        "rows": u.row_count, "uploaded_by": u.uploaded_by, "uploaded_at": iso(u.uploaded_at)})


@api.post("/thresholds")
@operation("设定标准（如监测收入标准）", {201: s.THRESHOLD}, body=b.THRESHOLD, refusals=(403, 404))
@token_required
def set_threshold():
    body = json_body()
    kind = field(body, "kind", str)
    rule = permissions.threshold_rule(g.user.role, kind)
    place = place_in_scope(db.session, current_actor(), field(body, "place", str))
    permissions.check_threshold_place(rule, place)
    with unit_of_work() as session:
        row = thresholds.set_threshold(session, kind, place.code, field(body, "year", int), body.get("amount"),
                                       g.user.username, engine().now(), body.get("note", ""))
        result = hv.threshold(row)
    return jsonify(result), 201


@api.get("/thresholds")
@operation("标准的历史", {200: s.list_of(s.THRESHOLD)}, query=(q.THRESHOLD_KIND, q.place_param()), refusals=(404,))
@token_required
def list_thresholds():
    kind = query("kind", thresholds.INCOME_LINE)
    place = get_place(db.session, query("place", g.user.place_code))
    if not permissions.may_read_thresholds(current_actor(), place):
        raise NotFound(f"place {place.code}")
    return jsonify([hv.threshold(t) for t in thresholds.history(db.session, kind, place.code)])


@api.get("/code-lists")
@operation("代码表", {200: s.ANY_OBJECT})
@token_required
def code_lists():
    return jsonify(codelists.all_lists(db.session))


@api.put("/code-lists/<list_key>/<code>")
@operation("新增或修改代码表条目（管理员）", {200: s.CODE_ENTRY}, body=b.CODE_ENTRY, refusals=(403,))
@token_required
def set_code(list_key: str, code: str):
    permissions.require(g.user.role, permissions.CODE_LIST_EDITORS, "只有管理员可以修改代码表")
    body = json_body()
    active = field(body, "active", bool, required=False)
    position = field(body, "position", int, required=False)
    with unit_of_work() as session:
        entry = codelists.set_entry(session, list_key, code, body.get("label", ""), active is not False, position)
        result = {"list": entry.list_key, "code": entry.code, "label": entry.label, "active": entry.active}
    return jsonify(result)


@api.get("/notices")
@operation("公示中的名单（分页）", {200: s.list_of(s.NOTICE)}, paged=True, refusals=(422,))
@token_required
def open_notices():
    found = notices.open_notices(db.session, current_actor(), engine().today(), paging.window())
    on_notice = notices.households_on_notices(db.session, [n.id for n in found.rows])
    return paging.paged(found, lambda n: hv.notice(n, on_notice[n.id]))

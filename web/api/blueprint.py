"""All routes of ``/api/v1`` (api.md). Each handler parses, calls one use case, commits, answers."""

from __future__ import annotations

import functools
from typing import Any

from flask import Blueprint, g, jsonify

from engine import instances, model_drafts, queries, tasks, versions
from engine.deploy import main_bpmn
from engine.errors import NotFound
from monitoring import cases, objections, permissions, task_context
from monitoring.documents import listing as document_lists
from monitoring.documents import store
from web.api import bodies as b
from web.api import errors, paging, views
from web.api import query_params as q
from web.api import schemas as s
from web.api.auth import current_actor, issue_token, refused_login, token_required
from web.api.errors import ApiError
from web.api.parsing import check_query, field, json_body, query, uploaded_model
from web.api.spec import operation
from web.auth.login import log_in
from web.boundary import engine, unit_of_work
from web.documents import service as documents
from web.extensions import db

api = Blueprint("api", __name__, url_prefix="/api/v1")
errors.register(api)
api.before_request(check_query)


def _instance_body(instance_id: int) -> dict[str, Any]:
    """The case if the actor may read it (``instances.may_read``), else 404 as for a case that does not exist."""
    actor = current_actor()
    found = views.read_case(db.session, instance_id)
    if found is None or not instances.may_read(db.session, found.case, actor):
        raise NotFound(f"ProcessInstance {instance_id}")
    return views.instance(db.session, found, actor)


def _after_step(instance_id: int) -> dict[str, Any]:
    """The case after the actor completed its task in it: whole if the actor reads it, else the limited view of a task
    placed at the actor's place in a case of another place (``views.placed_task_case``)."""
    actor = current_actor()
    # read before the unit of work ends (on PostgreSQL after the step's own statement committed it: a step saved since
    # may show too); rows, not the ORM object (the step wrote it with a statement that leaves a loaded one as it was)
    found = views.read_case(db.session, instance_id)
    if instances.may_read(db.session, found.case, actor):
        return views.instance(db.session, found, actor)
    return views.placed_task_case(found, actor)


@api.post("/auth/token")
@operation("登录取得令牌", {200: s.TOKEN}, body=b.TOKEN, refusals=(401, 429), public=True)
def token():
    body = json_body()
    result = log_in(str(body.get("username", "")), str(body.get("password", "")))
    if result.user is None:
        return refused_login(result)
    user = result.user
    return jsonify({"token": issue_token(user),
                    "user": {"username": user.username, "role": user.role, "place": user.place_code}})


@api.get("/process-models")
@operation("流程模型列表（各模型最新版本）", {200: s.list_of(s.PROCESS_MODEL)})
@token_required
def process_models():
    """Every model's latest version; to those who read models in the designer, with its draft (or null)."""
    models = [views.process_model(v) for v in versions.latest_versions(db.session)]
    if g.user.role in permissions.MODEL_READERS:
        drafts = model_drafts.summaries(db.session)
        models = [{**model, "draft": views.draft_summary(drafts.get(model["key"]))} for model in models]
    return jsonify(models)


@api.post("/process-models")
@operation("部署流程模型（BPMN XML 或 multipart 文件）", {201: s.PROCESS_MODEL, 200: s.PROCESS_MODEL},
           upload=b.MODEL_FILES, xml_upload=True, refusals=(403, 422), query=(q.MAIN, q.FILENAME))
@token_required
def deploy_process_model():
    permissions.require(g.user.role, permissions.MODEL_DEPLOYERS, "只有流程设计员或管理员可以部署流程")
    files, main = uploaded_model()
    with unit_of_work() as session:
        deployment = versions.deploy(engine(), session, files, current_actor(), main)
        body = {**views.process_model(deployment.version), "warnings": list(deployment.warnings)}
    return jsonify(body), 201 if deployment.created else 200


@api.get("/process-models/<key>")
@operation("流程模型的一个版本（含 BPMN、表单）", {200: s.PROCESS_MODEL}, query=(q.VERSION,))
@token_required
def process_model(key: str):
    version = versions.get_version(db.session, key, query("version"))
    bpmn = main_bpmn(version.files, version.key)
    return jsonify({**views.process_model(version), "files": version.files, "forms": version.forms,
                    "bpmn": version.files[bpmn] if bpmn else None})


@api.post("/instances")
@operation("发起流程实例", {201: s.INSTANCE}, body=b.START_INSTANCE, refusals=(403, 404, 409))
@token_required
def start_instance():
    body = json_body()
    key = field(body, "process", str)
    data = field(body, "data", dict, required=False) or {}
    household_id = field(body, "household_id", int, required=False)
    place = field(body, "place", str, required=False)
    with unit_of_work() as session:
        instance_id = cases.start(engine(), session, current_actor(), key, data, household_id, place)
    return jsonify(_instance_body(instance_id)), 201


@api.get("/instances")
@operation("可见的流程实例（分页）", {200: s.list_of(s.INSTANCE_SUMMARY)}, query=(q.PROCESS, q.STATUS), paged=True,
           refusals=(422,))
@token_required
def list_instances():
    found = queries.instances_page(db.session, current_actor(), paging.window(), query("process"),
                                   query("status"))
    numbers = queries.version_numbers(db.session, {row.version_id for row in found.rows})
    return paging.paged(found, lambda row: views.instance_summary(row, numbers[row.version_id]))


@api.get("/instances/<int:instance_id>")
@operation("流程实例详情", {200: s.INSTANCE})
@token_required
def get_instance(instance_id: int):
    return jsonify(_instance_body(instance_id))


@api.post("/instances/<int:instance_id>/messages")
@operation("向流程实例发送消息（如公示异议）", {200: s.INSTANCE}, body=b.MESSAGE, refusals=(403, 409))
@token_required
def send_message(instance_id: int):
    body = json_body()
    name = field(body, "name", str)
    payload = field(body, "payload", dict, required=False) or {}
    with unit_of_work() as session:
        objections.send_message(engine(), session, current_actor(), instance_id, name, payload, engine().today())
    return jsonify(_instance_body(instance_id))


@api.post("/instances/<int:instance_id>/cancel")
@operation("撤销流程实例", {200: s.INSTANCE}, body=b.CANCEL, body_required=False, refusals=(403, 409))
@token_required
def cancel_instance(instance_id: int):
    reason = field(json_body(optional=True), "reason", str, required=False) or ""
    with unit_of_work() as session:
        cases.cancel_case(engine(), session, instance_id, current_actor(), reason)
    return jsonify(_instance_body(instance_id))


@api.get("/instances/<int:instance_id>/documents")
@operation("流程实例的文书（分页）", {200: s.list_of(s.DOCUMENT)}, paged=True, refusals=(422,))
@token_required
def instance_documents(instance_id: int):
    """The case's documents by annex and version, a page at a time (``?after=&limit=``; ``Link``, ``X-Total-Count``)."""
    instances.visible_instance(db.session, instance_id, current_actor())
    found = document_lists.instance_documents(db.session, instance_id, paging.window())
    households = store.households_of_documents(db.session, [d.id for d in found.rows])
    return paging.paged(found, lambda d: documents.body(d, households[d.id]))


@api.get("/instances/<int:instance_id>/events")
@operation("流程实例的审计事件（分页，最早的在前）", {200: s.list_of(s.CASE_EVENT)}, paged=True, refusals=(422,))
@token_required
def instance_events(instance_id: int):
    """The case's audit events, oldest first, a page at a time (``?after=&limit=``; ``Link``, ``X-Total-Count``):
    the whole history, of which the instance's body carries the first page."""
    actor = current_actor()
    instances.visible_instance(db.session, instance_id, actor)
    return paging.paged(queries.timeline_page(db.session, instance_id, paging.window()),
                        lambda row: views.event(row, actor))


@api.get("/tasks")
@operation("我的待办（分页）", {200: s.list_of(s.TASK)}, query=(q.ORDER,), paged=True, refusals=(422,))
@token_required
def inbox():
    """One page of the inbox, oldest first (``?order=newest``: newest first); the next page is in ``Link``."""
    now = engine().now()
    found = queries.inbox_page(db.session, current_actor(), paging.window(), query("order"))
    return paging.paged(found, lambda t: views.task(t, now))


@api.get("/tasks/<task_id>")
@operation("任务详情（含表单与预填）", {200: s.TASK_DETAIL})
@token_required
def get_task(task_id: str):
    row = tasks.visible_task(db.session, task_id, current_actor())
    instance = instances.case_of_task(db.session, row, current_actor()).instance  # task_context shows what it may
    form = engine().versions.get(db.session, instance.version_id).forms.get(row.form) if row.form else None
    actor, today = current_actor(), engine().today()
    waiting = functools.cache(lambda: tasks.waiting_data(engine(), db.session, row))
    initial = task_context.starting_values(db.session, actor, instance, row.bpmn_id, row.form, form, today, waiting)
    evidence = task_context.decision_evidence(db.session, actor, instance, row, today)
    plan = task_context.assistance_plan(db.session, actor, instance, row.bpmn_id, waiting)
    return jsonify({**views.task(row, engine().now()), "form": form, "prefill": initial,
                    "evidence": evidence.as_dict() if evidence else {}, **({"plan": views.plan(plan)} if plan else {})})


@api.post("/tasks/<task_id>/claim")
@operation("认领任务", {200: s.TASK}, refusals=(403, 409))
@token_required
def claim(task_id: str):
    with unit_of_work() as session:
        row = tasks.claim_task(engine(), session, task_id, current_actor())
        body = views.task(row)
    return jsonify(body)


@api.post("/tasks/<task_id>/unclaim")
@operation("释放任务", {200: s.TASK}, refusals=(403, 409))
@token_required
def unclaim(task_id: str):
    with unit_of_work() as session:
        row = tasks.unclaim_task(engine(), session, task_id, current_actor())
        body = views.task(row)
    return jsonify(body)


@api.post("/tasks/<task_id>/complete")
@operation("办理任务", {200: s.STEP_RESULT}, body=b.COMPLETE, refusals=(403, 409))
@token_required
def complete(task_id: str):
    data = field(json_body(), "data", dict, required=False) or {}
    with unit_of_work() as session:
        instance_id = tasks.complete_task(engine(), session, task_id, current_actor(), data, sole_write=True)
        body = _after_step(instance_id)
    return jsonify(body)


@api.post("/tasks/complete")
@operation("批量办理（全部成功或全部不变）", {200: s.BATCH_RESULT}, body=b.COMPLETE_BATCH, refusals=(403, 404, 409))
@token_required
def complete_batch():
    body = json_body()
    task_ids = field(body, "task_ids", list)
    if not all(isinstance(t, str) for t in task_ids):
        raise ApiError(400, "bad_request", "task_ids 应为字符串列表", {"task_ids": "应为字符串列表"})
    data = field(body, "data", dict, required=False) or {}
    per_task = field(body, "per_task", dict, required=False)  # task id -> its own answers, checked by the engine
    with unit_of_work() as session:
        instance_ids = tasks.complete_tasks(engine(), session, task_ids, current_actor(), data, per_task)
        body = {"instances": [_after_step(i) for i in instance_ids]}
    return jsonify(body)


@api.get("/documents/<int:document_id>")
@operation("下载文书 PDF（?meta=1 取其记录）", {200: s.DOCUMENT}, query=(q.META,), files=s.PDF, refusals=(409,))
@token_required
def get_document(document_id: int):
    """The PDF; ``?meta=1`` gives its record instead."""
    document = documents.ready(store.visible_document(db.session, document_id, current_actor()).id)
    return jsonify(documents.body(document)) if query("meta") else documents.send(document)


@api.post("/documents")
@operation("按系统中的数据打印文书", {201: s.DOCUMENT, 200: s.DOCUMENT}, body=b.PRINT_DOCUMENT,
           refusals=(403, 404, 409))
@token_required
def print_document():
    """Print an annex now from the data in the system: 201 for a new version, 200 if the data is unchanged."""
    body = json_body()
    document, created = documents.print_now(field(body, "kind", str), field(body, "subject_id", int, required=False),
                                            current_actor())
    return jsonify(documents.body(document)), 201 if created else 200

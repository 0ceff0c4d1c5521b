"""Process design routes of /api/v1 (api.md "Process design"): drafts, validate, publish, versions, diff, restore.

Designers write, an admin reads along, every other role finds nothing here (``monitoring.permissions``); the rules
are ``engine.model_drafts``' and ``engine.versions``'.
"""

from __future__ import annotations

from typing import Any

from flask import g, jsonify

from engine import model_drafts, versions
from monitoring import people, permissions
from web.api import bodies as b
from web.api import query_params as q
from web.api import schemas as s
from web.api import views
from web.api.auth import current_actor, token_required
from web.api.blueprint import api
from web.api.errors import ApiError, error_body, problem_body
from web.api.parsing import field, json_body, query, uploaded_model
from web.api.spec import operation
from web.boundary import engine, unit_of_work
from web.extensions import db


@api.errorhandler(model_drafts.DraftConflict)
def _draft_conflict(exc: model_drafts.DraftConflict):
    """A stale revision: who saved the draft (by name, not login id; "you, in another window" when it was the
    user) when, and its revision now, so the editor can offer to reload."""
    message = str(exc)
    if exc.saved_by is not None:
        saver = people.labels(db.session, [exc.saved_by])[exc.saved_by]
        message = exc.told(saver, same_user=exc.saved_by == g.user.username)
    return jsonify(error_body(exc.code, message, current_revision=exc.current_revision)), 409


def _revision(body: dict[str, Any]) -> int:
    revision = field(body, "revision", int)
    if revision < 0:
        raise ApiError(422, "invalid_data", "修订号无效", {"revision": "应为不小于0的整数"})
    return revision


@api.get("/process-models/<key>/draft")
@operation("流程模型的草稿", {200: s.DRAFT}, refusals=(403,))
@token_required
def get_draft(key: str):
    permissions.require_model_reader(g.user.role)
    return jsonify(views.draft(model_drafts.get(db.session, key)))


@api.put("/process-models/<key>/draft")
@operation("保存草稿", {200: s.DRAFT_SAVED}, body=b.DRAFT, refusals=(403, 409))
@token_required
def save_draft(key: str):
    permissions.require_model_designer(g.user.role)
    body = json_body()
    revision, files = _revision(body), field(body, "files", dict)
    main = field(body, "main", str, required=False)
    with unit_of_work() as session:
        saved, problems = model_drafts.save(engine(), session, current_actor(), key, revision, files, main)
    return jsonify({"revision": saved.revision, "updated_at": views.iso(saved.updated_at),
                    "problems": [problem_body(p) for p in problems]})


@api.delete("/process-models/<key>/draft")
@operation("丢弃草稿", {204: {}}, query=(q.REVISION,), refusals=(403, 409))
@token_required
def discard_draft(key: str):
    permissions.require_model_designer(g.user.role)
    revision = query("revision")
    with unit_of_work() as session:
        model_drafts.discard(engine(), session, current_actor(), key, revision)
    return "", 204


@api.post("/process-models/<key>/publish")
@operation("发布草稿为新版本", {201: s.PROCESS_MODEL}, body=b.PUBLISH, refusals=(403, 409))
@token_required
def publish(key: str):
    permissions.require_model_designer(g.user.role)
    body = json_body()
    revision, comment = _revision(body), field(body, "comment", str, required=False)
    with unit_of_work() as session:
        deployment = model_drafts.publish(engine(), session, current_actor(), key, revision, comment)
        version = deployment.version
        answer = {**views.process_model(version), "deployed_by": version.deployed_by, "comment": version.comment,
                  "warnings": list(deployment.warnings)}
    return jsonify(answer), 201


@api.post("/process-models/<key>/validate")
@operation("检查流程模型（与部署相同的请求体，不保存）", {200: s.problems()}, upload=b.MODEL_FILES, xml_upload=True,
           query=(q.MAIN, q.FILENAME), refusals=(403,))
@token_required
def validate(key: str):
    permissions.require_model_reader(g.user.role)
    files, main = uploaded_model()
    problems = versions.check(engine(), db.session, files, main, key)
    db.session.rollback()  # a check stores nothing
    return jsonify({"problems": [problem_body(p) for p in problems]})


@api.get("/process-models/<key>/versions")
@operation("流程模型的版本历史", {200: s.list_of(s.VERSION_ENTRY)}, refusals=(403,))
@token_required
def model_versions(key: str):
    permissions.require_model_reader(g.user.role)
    return jsonify([views.version_entry(v, running) for v, running in model_drafts.history(db.session, key)])


@api.get("/process-models/<key>/diff")
@operation("两个版本（或草稿）之间的差异", {200: s.ANY_OBJECT}, query=(q.DIFF_FROM, q.DIFF_TO), refusals=(403,))
@token_required
def diff(key: str):
    permissions.require_model_reader(g.user.role)
    return jsonify(model_drafts.compare(db.session, key, query("from"), query("to")))


@api.post("/process-models/<key>/versions/<int:version>/restore")
@operation("以旧版本恢复草稿", {200: s.DRAFT}, body=b.REVISION, refusals=(403, 409))
@token_required
def restore_version(key: str, version: int):
    permissions.require_model_designer(g.user.role)
    revision = _revision(json_body())
    with unit_of_work() as session:
        restored = model_drafts.restore(engine(), session, current_actor(), key, version, revision)
        body = views.draft(restored)
    return jsonify(body)


@api.post("/process-models/<key>/draft/run-tests")
@operation("运行草稿的流程测试", {200: s.TEST_RUN}, refusals=(403,))
@token_required
def run_draft_tests(key: str):
    """The draft's process tests one by one (publishing runs the same and refuses on a failure).

    Each result: ``{"name", "passed", "message", "element", "path": [ids], "path_names": [names], "end",
    "step": k (1-based; 0 as the case started; null at the expectations or when passed),
    "line": the line of that step in the tests file (else of the scenario's start/expect, else the scenario),
    "ready": [{"id", "name"}] (the tasks waiting for a person where it failed),
    "suggestion": null | {"message": Chinese text, "after_step": n (insert after step n; 0 = before the first),
    "step": {"task": id, "data": {field: example}}}}``; the ``problems`` carry the same ``line``.
    """
    permissions.require_model_reader(g.user.role)
    results, problems = model_drafts.run_tests(engine(), db.session, key)
    db.session.rollback()  # running tests stores nothing
    return jsonify({"results": [views.scenario_result(r) for r in results],
                    "problems": [problem_body(p) for p in problems]})

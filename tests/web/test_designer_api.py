"""The designer's API (api.md "Process design"): validate, drafts locked by revision, publish, versions, diff, restore,
the audit of each action, and who may do what — on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import func, select

from engine import model_drafts, versions
from engine.models import AuditEvent, ProcessDraft
from tests.conftest import FIXTURES, START

KEY = "approval"
BPMN = (FIXTURES / "processes" / "approval.bpmn").read_text(encoding="utf-8")
FORMS = {name: (FIXTURES / "forms" / name).read_text(encoding="utf-8") for name in ("visit.json", "review.json")}
MODEL = {"approval.bpmn": BPMN, **FORMS}
VILLAGE = "150223100201"


def renamed(files: dict[str, str], old: str, new: str) -> dict[str, str]:
    """The model with one text of its BPMN replaced (it must occur once)."""
    assert files["approval.bpmn"].count(old) == 1, old
    return {**files, "approval.bpmn": files["approval.bpmn"].replace(old, new)}


def scenario(end: str) -> str:
    """A tests file whose one scenario finds the household ineligible and expects ``end``."""
    return json.dumps({"scenarios": [{
        "name": "入户核查不符合条件", "start": {"data": {}, "at": START.isoformat()},
        "steps": [{"task": "visit", "data": {"eligible": False, "income": 1000}}],
        "expect": {"end": end, "path": ["visit"]},
    }]}, ensure_ascii=False)


def put_draft(client, revision: int, files: dict[str, str], key: str = KEY, **extra):
    return client.client.put(f"/api/v1/process-models/{key}/draft", headers=client.headers,
                             json={"revision": revision, "files": files, **extra})


def delete_draft(client, revision: int, key: str = KEY):
    return client.client.delete(f"/api/v1/process-models/{key}/draft?revision={revision}", headers=client.headers)


def published(designer, files: dict[str, str], comment: str | None = None) -> dict:
    """Save ``files`` over whatever draft there is and publish them: the new version."""
    draft = designer.get(f"/process-models/{KEY}/draft")
    revision = draft.json["revision"] if draft.status_code == 200 else 0
    saved = put_draft(designer, revision, files)
    assert saved.status_code == 200, saved.json
    answer = designer.post(f"/process-models/{KEY}/publish", json={"revision": saved.json["revision"],
                                                                   "comment": comment})
    assert answer.status_code == 201, answer.json
    return answer.json


@pytest.fixture
def designer(api):
    return api("sheji")


@pytest.fixture
def version_1(designer) -> dict:
    return published(designer, MODEL, "首个版本")


def test_validate_answers_each_problem_with_its_element(designer):
    bad = renamed(MODEL, '<bpmn:lane id="lane_township" name="township">',
                  '<bpmn:lane id="lane_township" name="mayor">')
    upload = {"file": [(io.BytesIO(text.encode()), name) for name, text in bad.items()]}

    answer = designer.client.post(f"/api/v1/process-models/{KEY}/validate", data=upload, headers=designer.headers)

    assert answer.status_code == 200, answer.json
    (problem,) = answer.json["problems"]
    assert (problem["element"], problem["file"]) == ("lane_township", "approval.bpmn")
    assert "mayor" in problem["message"]
    good = {"file": [(io.BytesIO(text.encode()), name) for name, text in MODEL.items()]}
    answer = designer.client.post(f"/api/v1/process-models/{KEY}/validate", data=good, headers=designer.headers)
    assert answer.json == {"problems": []}


def test_validate_names_a_model_of_another_process(designer):
    answer = designer.client.post("/api/v1/process-models/other/validate", data=BPMN.encode(),
                                  headers={**designer.headers, "Content-Type": "application/xml"})
    elements = [p["element"] for p in answer.json["problems"]]
    assert "approval" in elements, answer.json


def test_a_saved_draft_reads_back_with_its_problems_kept(designer):
    broken = {**MODEL, "visit.json": "{not json"}

    saved = put_draft(designer, 0, broken)

    assert saved.status_code == 200, saved.json
    assert saved.json["revision"] == 1
    assert [p["file"] for p in saved.json["problems"]] == ["visit.json"]  # a problem, not a crash
    draft = designer.get(f"/process-models/{KEY}/draft").json
    assert draft["saved"] is True and draft["files"] == broken and draft["revision"] == 1
    assert draft["base_version"] is None and draft["updated_by"] == "sheji" and draft["main"] is None


def test_a_second_designer_saving_a_stale_revision_gets_a_conflict_naming_who_saved(designer, api, create_user):
    create_user("sheji2", "designer", "150000000000")
    other = api("sheji2")
    put_draft(designer, 0, MODEL)
    mine, theirs = designer.get(f"/process-models/{KEY}/draft").json, other.get(f"/process-models/{KEY}/draft").json
    assert mine["revision"] == theirs["revision"] == 1

    first = put_draft(other, 1, renamed(MODEL, 'name="乡镇审核"', 'name="苏木乡镇审核"'))
    second = put_draft(designer, 1, renamed(MODEL, 'name="旗县审定"', 'name="旗县审批"'))

    assert first.status_code == 200 and first.json["revision"] == 2
    assert second.status_code == 409
    error = second.json["error"]
    assert error["code"] == "draft_conflict" and error["current_revision"] == 2
    assert "流程设计员（自治区）" in error["message"] and "2026-03-02 09:00" in error["message"]
    assert "苏木乡镇审核" in designer.get(f"/process-models/{KEY}/draft").json["files"]["approval.bpmn"]
    assert delete_draft(designer, 1).status_code == 409  # nor may a stale revision discard it
    assert put_draft(designer, 0, MODEL).status_code == 409  # nor a second creation overwrite it


def test_publish_makes_the_next_immutable_version_and_removes_the_draft(designer, version_1):
    assert version_1["version"] == 1 and version_1["comment"] == "首个版本" and version_1["deployed_by"] == "sheji"
    draft = designer.get(f"/process-models/{KEY}/draft").json
    assert (draft["saved"], draft["revision"], draft["base_version"], draft["main"]) == (False, 0, 1, KEY)
    assert json.loads(draft["files"]["visit.json"]) == json.loads(FORMS["visit.json"])

    version_2 = published(designer, renamed(MODEL, 'name="乡镇审核"', 'name="苏木乡镇审核"'), " 改名 ")

    assert (version_2["version"], version_2["comment"]) == (2, "改名")
    old = designer.get(f"/process-models/{KEY}?version=1").json
    assert old["sha256"] == version_1["sha256"] and old["files"]["approval.bpmn"] == BPMN
    draft = designer.get(f"/process-models/{KEY}/draft").json
    assert (draft["saved"], draft["base_version"]) == (False, 2)
    listed = {m["key"]: m for m in designer.get("/process-models").json}
    assert listed[KEY]["version"] == 2 and listed[KEY]["draft"] is None


def test_publish_is_refused_with_the_problems_and_leaves_the_draft(designer, version_1, session):
    bad = renamed(MODEL, '<bpmn:lane id="lane_county" name="county">', '<bpmn:lane id="lane_county" name="boss">')
    put_draft(designer, 0, bad)

    refused = designer.post(f"/process-models/{KEY}/publish", json={"revision": 1})

    assert refused.status_code == 422
    assert [(d["file"], d["element"]) for d in refused.json["error"]["details"]] == [("approval.bpmn", "lane_county")]
    draft = designer.get(f"/process-models/{KEY}/draft").json
    assert (draft["saved"], draft["revision"], draft["files"]) == (True, 1, bad)
    assert [v["version"] for v in designer.get(f"/process-models/{KEY}/versions").json] == [1]


def test_publish_is_refused_when_a_process_test_fails(designer, version_1):
    put_draft(designer, 0, {**MODEL, "approval.tests.json": scenario("end_approved")})

    refused = designer.post(f"/process-models/{KEY}/publish", json={"revision": 1})

    assert refused.status_code == 422, refused.json
    (detail,) = refused.json["error"]["details"]
    assert detail["file"] == "approval.tests.json" and "入户核查不符合条件" in detail["message"]
    assert detail["element"]
    assert designer.get(f"/process-models/{KEY}/draft").json["revision"] == 1
    put_draft(designer, 1, {**MODEL, "approval.tests.json": scenario("end_ineligible")})
    assert designer.post(f"/process-models/{KEY}/publish", json={"revision": 2}).status_code == 201


def test_the_drafts_process_tests_run_one_by_one_without_storing_anything(designer, version_1, session):
    tests = json.loads(scenario("end_approved"))
    tests["scenarios"].append(json.loads(scenario("end_ineligible"))["scenarios"][0] | {"name": "不符合条件结束"})
    put_draft(designer, 0, {**MODEL, "approval.tests.json": json.dumps(tests, ensure_ascii=False)})
    audited = session.execute(select(func.count()).select_from(AuditEvent)).scalar()

    answer = designer.post(f"/process-models/{KEY}/draft/run-tests")

    assert answer.status_code == 200, answer.json
    failed, passed = answer.json["results"]
    assert (failed["name"], failed["passed"], failed["end"]) == ("入户核查不符合条件", False, "end_ineligible")
    assert failed["element"] and failed["message"]
    assert (passed["passed"], passed["path"], passed["end"]) == (True, ["visit"], "end_ineligible")
    assert answer.json["problems"] == []
    assert session.execute(select(func.count()).select_from(AuditEvent)).scalar() == audited
    assert [v["version"] for v in designer.get(f"/process-models/{KEY}/versions").json] == [1]


def test_a_draft_that_does_not_compile_answers_its_problems_instead_of_results(designer, version_1, api):
    put_draft(designer, 0, {**MODEL, "approval.tests.json": "{not json"})

    answer = api("guanli").post(f"/process-models/{KEY}/draft/run-tests")

    assert answer.json["results"] == []
    assert [p["file"] for p in answer.json["problems"]] == ["approval.tests.json"]
    assert api("cun").post(f"/process-models/{KEY}/draft/run-tests").status_code == 404


def test_publish_of_a_stale_revision_or_of_an_unchanged_draft_is_refused(designer, version_1):
    put_draft(designer, 0, MODEL)

    assert designer.post(f"/process-models/{KEY}/publish", json={"revision": 7}).json["error"]["code"] == \
        "draft_conflict"
    unchanged = designer.post(f"/process-models/{KEY}/publish", json={"revision": 1})
    assert unchanged.status_code == 422 and "revision" in unchanged.json["error"]["fields"]
    assert designer.get(f"/process-models/{KEY}/draft").json["saved"] is True


def test_versions_list_newest_first_with_author_note_and_running_cases(designer, version_1, api):
    started = api("cun").post("/instances", json={"process": KEY, "place": VILLAGE, "data": {}})
    assert started.status_code == 201, started.json
    published(designer, renamed(MODEL, 'name="乡镇审核"', 'name="苏木乡镇审核"'), "改名")

    listed = designer.get(f"/process-models/{KEY}/versions").json

    assert [(v["version"], v["comment"], v["deployed_by"], v["running"]) for v in listed] == [
        (2, "改名", "sheji", 0), (1, "首个版本", "sheji", 1)]
    assert listed[1]["sha256"] == version_1["sha256"] and listed[1]["deployed_at"].startswith("2026-03-02T")


def test_diff_between_versions_and_against_the_draft(designer, version_1):
    published(designer, renamed(MODEL, 'name="乡镇审核"', 'name="苏木乡镇审核"'))
    put_draft(designer, 0, renamed(MODEL, "<bpmn:conditionExpression>eligible == True",
                                   "<bpmn:conditionExpression>eligible == True and income &lt; 6000"))

    between = designer.get(f"/process-models/{KEY}/diff?from=1&to=2").json
    to_draft = designer.get(f"/process-models/{KEY}/diff?from=1&to=draft").json

    assert (between["from"], between["to"], between["added"], between["removed"]) == (1, 2, [], [])
    assert between["changed"] == [{"id": "review", "type": "userTask", "name": "苏木乡镇审核", "file": "approval.bpmn",
                                   "changes": [{"what": "名称", "before": "乡镇审核", "after": "苏木乡镇审核"}]}]
    assert between["forms"] == {"added": [], "removed": [], "changed": []} and between["scenarios_changed"] is False
    assert to_draft["to"] == "draft"
    assert [(c["id"], c["changes"][0]["what"]) for c in to_draft["changed"]] == [("f_eligible", "条件")]
    assert designer.get(f"/process-models/{KEY}/diff?from=1&to=9").status_code == 404
    assert designer.get(f"/process-models/{KEY}/diff?from=1&to=two").status_code == 400
    assert designer.get(f"/process-models/{KEY}/diff?to=2").status_code == 400


def test_restore_makes_an_old_version_the_draft_and_publishing_it_the_next_version(designer, version_1):
    published(designer, renamed(MODEL, 'name="乡镇审核"', 'name="苏木乡镇审核"'))

    restored = designer.post(f"/process-models/{KEY}/versions/1/restore", json={"revision": 0})

    assert restored.status_code == 200, restored.json
    assert (restored.json["revision"], restored.json["base_version"], restored.json["saved"]) == (1, 1, True)
    assert restored.json["files"]["approval.bpmn"] == BPMN
    assert designer.post(f"/process-models/{KEY}/versions/1/restore", json={"revision": 0}).status_code == 409
    version_3 = designer.post(f"/process-models/{KEY}/publish", json={"revision": 1, "comment": "回退到版本1"})
    assert version_3.status_code == 201, version_3.json
    assert version_3.json["version"] == 3
    latest = designer.get(f"/process-models/{KEY}").json
    assert latest["version"] == 3 and latest["files"]["approval.bpmn"] == BPMN


def test_every_designer_action_is_audited(designer, version_1, session):
    put_draft(designer, 0, renamed(MODEL, 'name="乡镇审核"', 'name="苏木乡镇审核"'))
    assert delete_draft(designer, 1).status_code == 204
    designer.post(f"/process-models/{KEY}/versions/1/restore", json={"revision": 0})

    events = [(e.type, e.actor, e.detail) for e in session.execute(
        select(AuditEvent).where(AuditEvent.type.like("model_%")).order_by(AuditEvent.id)).scalars()]

    assert [(kind, actor) for kind, actor, _ in events] == [
        ("model_draft_saved", "sheji"), ("model_published", "sheji"), ("model_draft_saved", "sheji"),
        ("model_draft_discarded", "sheji"), ("model_version_restored", "sheji")]
    assert all(detail["key"] == KEY and detail["user"] == "sheji" for _, _, detail in events)
    assert events[1][2]["version"] == 1 and events[1][2]["revision"] == 1
    assert events[3][2]["revision"] == 1 and events[4][2]["version"] == 1


def test_a_discarded_draft_gives_way_to_the_latest_version(designer, version_1, session):
    put_draft(designer, 0, renamed(MODEL, 'name="乡镇审核"', 'name="苏木乡镇审核"'))

    assert delete_draft(designer, 1).status_code == 204

    assert session.execute(select(ProcessDraft)).first() is None
    assert designer.get(f"/process-models/{KEY}/draft").json["saved"] is False
    assert delete_draft(designer, 1).status_code == 409


def test_other_roles_find_nothing_and_an_admin_reads_without_writing(designer, version_1, api):
    put_draft(designer, 0, MODEL)
    for username in ("cun", "qi"):
        user = api(username)
        for answer in (user.get(f"/process-models/{KEY}/draft"), user.get(f"/process-models/{KEY}/versions"),
                       user.get(f"/process-models/{KEY}/diff?from=1&to=draft"), put_draft(user, 1, MODEL),
                       user.post(f"/process-models/{KEY}/publish", json={"revision": 1}), delete_draft(user, 1)):
            assert answer.status_code == 404, (username, answer.json)
        assert "draft" not in user.get("/process-models").json[0]
    admin = api("guanli")
    assert admin.get(f"/process-models/{KEY}/draft").json["revision"] == 1
    assert admin.get(f"/process-models/{KEY}/versions").status_code == 200
    assert admin.get(f"/process-models/{KEY}/diff?from=1&to=draft").status_code == 200
    assert admin.get("/process-models").json[0]["draft"]["updated_by"] == "sheji"
    for answer in (put_draft(admin, 1, MODEL), admin.post(f"/process-models/{KEY}/publish", json={"revision": 1}),
                   delete_draft(admin, 1), admin.post(f"/process-models/{KEY}/versions/1/restore",
                                                      json={"revision": 1})):
        assert answer.status_code == 403, answer.json
    assert designer.get(f"/process-models/{KEY}/draft").json["revision"] == 1


def test_an_unknown_model_is_not_found(designer):
    assert designer.get("/process-models/nothing/draft").status_code == 404
    assert designer.get("/process-models/nothing/versions").status_code == 404
    assert designer.post("/process-models/nothing/versions/1/restore", json={"revision": 0}).status_code == 404
    assert delete_draft(designer, 1, key="nothing").status_code == 404


def test_deploying_an_old_content_again_from_a_shell_adds_no_version(designer, version_1, engine, session, actors):
    """Only a designer's publish makes an old content the next version: ``db upgrade`` deploying the shipped models
    again must never undo a version published since."""
    published(designer, renamed(MODEL, 'name="乡镇审核"', 'name="苏木乡镇审核"'))

    again = versions.deploy(engine, session, model_drafts.source_files(MODEL), actors["designer"])

    assert (again.created, again.version.version) == (False, 1)
    assert versions.latest_version(session, KEY).version == 2

"""Bad input to the designer's API is refused at its field and changes nothing: too many or too large files, names
that are no plain file names, contents that are not text, a model key that is no process id, a broken body."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine.model_drafts import MAX_FILE_BYTES, MAX_FILES
from engine.models import AuditEvent, ProcessDraft
from tests.web.test_designer_api import KEY, MODEL, put_draft


@pytest.fixture
def designer(api):
    return api("sheji")


@pytest.mark.parametrize(("files", "field"), [
    ({}, "files"),
    ({f"form_{n}.json": "{}" for n in range(MAX_FILES + 1)}, "files"),
    ({**MODEL, "../escape.bpmn": "<x/>"}, "files.../escape.bpmn"),
    ({**MODEL, ".hidden.json": "{}"}, "files..hidden.json"),
    ({**MODEL, "表单.json": "{}"}, "files.表单.json"),
    ({**MODEL, "visit.json": {"type": "object"}}, "files.visit.json"),
    ({**MODEL, "deep.json": [[[[["x"]]]]]}, "files.deep.json"),
    ({**MODEL, "big.json": "x" * (MAX_FILE_BYTES + 1)}, "files.big.json"),
], ids=["none", "too_many", "path", "hidden", "not_ascii", "object", "nested", "too_large"])
def test_files_that_cannot_be_a_draft_are_refused_by_field(designer, session, files, field):
    answer = put_draft(designer, 0, files)

    assert answer.status_code == 422, answer.json
    assert field in answer.json["error"]["fields"]
    assert session.execute(select(func.count()).select_from(ProcessDraft)).scalar() == 0
    assert session.execute(select(func.count()).select_from(AuditEvent)).scalar() == 0


@pytest.mark.parametrize(("body", "status", "field"), [
    ({"files": MODEL}, 400, "revision"),
    ({"revision": "1", "files": MODEL}, 400, "revision"),
    ({"revision": -1, "files": MODEL}, 422, "revision"),
    ({"revision": 2**40, "files": MODEL}, 422, "revision"),
    ({"revision": 0, "files": ["approval.bpmn"]}, 400, "files"),
    ({"revision": 0, "files": MODEL, "main": "not a process"}, 422, "main"),
    ({"revision": 0, "files": MODEL, "main": 7}, 400, "main"),
])
def test_a_body_of_the_wrong_shape_is_refused_by_field(designer, body, status, field):
    answer = designer.client.put(f"/api/v1/process-models/{KEY}/draft", headers=designer.headers, json=body)

    assert answer.status_code == status, answer.json
    assert field in answer.json["error"]["fields"]


def test_a_key_that_is_no_process_id_cannot_get_a_draft(designer):
    answer = put_draft(designer, 0, MODEL, key="1-not-an-id")

    assert answer.status_code == 422
    assert "key" in answer.json["error"]["fields"]
    assert put_draft(designer, 0, MODEL, key="x" * 101).status_code == 422


def test_a_body_nested_past_any_form_or_not_json_is_refused(designer):
    deep = '{"revision": 0, "files": ' + "[" * 100 + "]" * 100 + "}"
    answer = designer.client.put(f"/api/v1/process-models/{KEY}/draft", data=deep,
                                 headers={**designer.headers, "Content-Type": "application/json"})
    assert answer.status_code == 400
    answer = designer.client.put(f"/api/v1/process-models/{KEY}/draft", data="revision=0",
                                 headers={**designer.headers, "Content-Type": "application/x-www-form-urlencoded"})
    assert answer.status_code == 400


def test_a_publish_note_too_long_or_with_control_characters_is_refused(designer):
    put_draft(designer, 0, MODEL)
    for comment in ("说" * 501, "改名\x07"):
        answer = designer.post(f"/process-models/{KEY}/publish", json={"revision": 1, "comment": comment})
        assert answer.status_code == 422, answer.json
        assert "comment" in answer.json["error"]["fields"]
    assert designer.get(f"/process-models/{KEY}/versions").json == []


def test_a_discard_without_its_revision_is_refused(designer):
    put_draft(designer, 0, MODEL)
    for query in ("", "?revision=x"):
        answer = designer.client.delete(f"/api/v1/process-models/{KEY}/draft{query}", headers=designer.headers)
        assert answer.status_code == 400 and "revision" in answer.json["error"]["fields"]
    assert designer.get(f"/process-models/{KEY}/draft").json["saved"] is True


@pytest.mark.parametrize(("method", "path", "field"), [
    ("delete", f"/api/v1/process-models/{KEY}/draft", "revision"),
    ("get", f"/api/v1/process-models/{KEY}/diff?to=1", "from"),
    ("get", f"/api/v1/process-models/{KEY}/diff?from=1", "to"),
    ("get", f"/api/v1/process-models/{KEY}/instances", "version"),
])
def test_a_query_parameter_a_route_needs_is_named_when_missing(designer, method, path, field):
    answer = getattr(designer.client, method)(path, headers=designer.headers)

    assert answer.status_code == 400, answer.json
    assert answer.json["error"]["fields"] == {field: "缺失"}

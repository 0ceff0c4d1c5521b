"""A model's files over the API and the CLI: forms and a scenario file uploaded as multipart parts, a model read
back with its forms and its main BPMN, problems naming the element; the CLI gathers forms from ``--forms``."""

from __future__ import annotations

import json
from io import BytesIO

from click.testing import CliRunner

from tests.conftest import FIXTURES
from web.cli import main as fangpin

APPROVAL = FIXTURES / "processes" / "approval.bpmn"
FORMS = FIXTURES / "forms"
SCENARIOS = {"scenarios": [{"name": "不符合条件", "start": {"at": "2026-03-02T09:00:00+08:00", "data": {}},
                            "steps": [{"task": "visit", "data": {"eligible": False, "income": 0}}],
                            "expect": {"end": "end_ineligible"}}]}


def upload(designer, *files: tuple[str, bytes]):
    return designer.client.post("/api/v1/process-models", headers=designer.headers,
                                data={"file": [(BytesIO(content), name) for name, content in files]})


def test_forms_and_a_scenario_file_uploaded_as_parts_are_stored_and_read_back(api):
    designer = api("sheji")
    visit = dict(json.loads((FORMS / "visit.json").read_text(encoding="utf-8")), title="走访(随模型上传)")
    deployed = upload(designer, ("approval.tests.json", json.dumps(SCENARIOS).encode()), ("approval.bpmn",
                      APPROVAL.read_bytes()), ("visit.json", json.dumps(visit).encode()),
                      ("review.json", (FORMS / "review.json").read_bytes()))
    assert deployed.status_code == 201, deployed.json

    model = designer.get("/process-models/approval").json
    assert model["forms"] == {"visit.json": visit, "review.json": json.loads((FORMS / "review.json").read_text())}
    assert set(model["files"]) == {"approval.bpmn", "approval.tests.json"}
    assert model["bpmn"] == APPROVAL.read_text(encoding="utf-8")  # the BPMN, though the tests file came first


def test_a_bpmn_only_upload_of_a_new_model_is_refused_naming_the_task_and_of_a_known_one_keeps_its_forms(api):
    designer = api("sheji")
    refused = upload(designer, ("approval.bpmn", APPROVAL.read_bytes()))
    assert refused.status_code == 422
    details = refused.json["error"]["details"]
    assert {(d["file"], d["element"]) for d in details} == {("approval.bpmn", "visit"), ("approval.bpmn", "review"),
                                                            ("approval.bpmn", "approve")}
    assert all("未随模型上传" in d["message"] and d["line"] for d in details)

    assert designer.deploy(APPROVAL).status_code == 201
    changed = APPROVAL.read_text(encoding="utf-8").replace('"P5D"', '"P7D"').encode()
    second = upload(designer, ("approval.bpmn", changed))
    assert (second.status_code, second.json["version"]) == (201, 2), second.json
    assert designer.get("/process-models/approval?version=2").json["forms"] == \
        designer.get("/process-models/approval?version=1").json["forms"]


def test_a_broken_form_part_is_refused_naming_the_form_file(api):
    designer = api("sheji")
    refused = upload(designer, ("approval.bpmn", APPROVAL.read_bytes()), ("visit.json", b'{"type": "nonsense"}'),
                     ("review.json", (FORMS / "review.json").read_bytes()))
    assert refused.status_code == 422
    assert [(d["file"], d["element"], d["line"]) for d in refused.json["error"]["details"]] == [
        ("visit.json", None, None)]


def test_the_cli_deploys_with_the_forms_of_its_forms_option_and_names_the_element(tmp_path, monkeypatch):
    env = {"FANGPIN_INSTANCE_DIR": str(tmp_path), "FANGPIN_DATABASE_URL": f"sqlite:///{tmp_path / 'f.db'}",
           "FANGPIN_FORMS_DIR": str(FORMS), "FANGPIN_PROCESSES_DIR": str(tmp_path)}  # no shipped models
    for name in ("FANGPIN_CLOCK", "FANGPIN_DOCUMENTS_DIR", "FANGPIN_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    runner = CliRunner()
    assert runner.invoke(fangpin, ["db", "upgrade"], env=env).exit_code == 0
    model = tmp_path / "approval.bpmn"
    model.write_bytes(APPROVAL.read_bytes())

    refused = runner.invoke(fangpin, ["processes", "deploy", str(model)], env=env)  # no forms/ beside tmp_path
    assert refused.exit_code == 1
    assert "approval.bpmn:" in refused.output and "元素“visit”" in refused.output and "未随模型上传" in refused.output

    deployed = runner.invoke(fangpin, ["processes", "deploy", "--forms", str(FORMS), str(model)], env=env)
    assert deployed.exit_code == 0 and deployed.output.startswith("approval v1"), deployed.output
    beside = runner.invoke(fangpin, ["processes", "deploy", str(APPROVAL)], env=env)  # fixtures/forms beside
    assert beside.exit_code == 0 and "内容未变" in beside.output, beside.output

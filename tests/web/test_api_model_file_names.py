"""One rule for a model's file names (engine.deploy.file_name_problem): deploy, validate and a draft refuse the same
names, so what is deployed can always be saved as a draft again and no path reaches a page, a download or the audit."""

from __future__ import annotations

from io import BytesIO

import pytest

from tests.conftest import FIXTURES

APPROVAL = FIXTURES / "processes" / "approval.bpmn"
FORMS = FIXTURES / "forms"
RULE = "文件名只能含字母、数字、_ . -，不以 . 开头，不超过100个字符"


def parts(bpmn_name: str) -> dict:
    files = [(bpmn_name, APPROVAL.read_bytes()),
             *((n, (FORMS / n).read_bytes()) for n in ("visit.json", "review.json"))]
    return {"file": [(BytesIO(content), name) for name, content in files]}


@pytest.mark.parametrize("name", ["../evil name.bpmn", "/etc/x.bpmn", ".hidden.bpmn", "审批.bpmn", "a" * 101 + ".bpmn"])
def test_deploy_validate_and_draft_refuse_the_same_file_names(api, name):
    designer = api("sheji")
    deployed = designer.client.post("/api/v1/process-models", headers=designer.headers, data=parts(name))
    assert deployed.status_code == 422, deployed.json
    assert deployed.json["error"]["details"] == [{"file": name, "element": None, "line": None, "message": RULE}]
    assert designer.get("/process-models/approval").status_code == 404  # nothing stored

    checked = designer.client.post("/api/v1/process-models/approval/validate", headers=designer.headers,
                                   data=parts(name))
    assert checked.status_code == 200, checked.json
    assert checked.json["problems"] == [{"file": name, "element": None, "line": None, "message": RULE}]

    draft = designer.client.put("/api/v1/process-models/approval/draft", headers=designer.headers,
                                json={"revision": 0, "files": {name: APPROVAL.read_text()}})
    assert draft.status_code == 422
    assert draft.json["error"]["fields"] == {f"files.{name}": RULE}


def test_a_plain_name_deploys(api):
    designer = api("sheji")
    deployed = designer.client.post("/api/v1/process-models", headers=designer.headers,
                                    data=parts("approval-2.v1.bpmn"))
    assert deployed.status_code == 201, deployed.json

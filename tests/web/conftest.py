"""An API client that logs in as a user and speaks JSON."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest

from engine.deploy import SourceFile, with_forms
from tests.conftest import FIXTURES, PASSWORD
from tests.web import page_scanner


class ApiClient:
    def __init__(self, client, username: str | None = None) -> None:
        self.client = client
        self.headers = {}
        if username:
            response = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
            assert response.status_code == 200, response.json
            self.headers = {"Authorization": f"Bearer {response.json['token']}"}

    def get(self, url: str, **kwargs):
        return self.client.get(f"/api/v1{url}", headers=self.headers, **kwargs)

    def post(self, url: str, json=None, **kwargs):
        return self.client.post(f"/api/v1{url}", json=json, headers=self.headers, **kwargs)

    def deploy(self, model: bytes | str | Path, name: str = "upload.bpmn", **fields: str):
        """Deploy a BPMN model through the API as a designer's tool would: with the forms it names, taken from the
        test's ``forms_dir`` (the app's FORMS_DIR). ``model`` is the file or its text; ``fields``, e.g. ``main``."""
        if isinstance(model, Path):
            name, model = model.name, model.read_bytes()
        content = model.encode("utf-8") if isinstance(model, str) else model
        files = with_forms([SourceFile(name, content)], Path(self.client.application.config["FORMS_DIR"]))
        upload = {"file": [(BytesIO(f.content), f.name) for f in files], **fields}
        return self.client.post("/api/v1/process-models", data=upload, headers=self.headers)

    def task(self, instance_id: int, bpmn_id: str) -> dict:
        """The open task of ``instance_id`` at ``bpmn_id`` in this user's inbox."""
        inbox = self.get("/tasks").json
        matches = [t for t in inbox if t["instance_id"] == instance_id and t["bpmn_id"] == bpmn_id]
        if len(matches) != 1:  # say where the case stands instead: its status, what it waits for, its last events
            case = self.get(f"/instances/{instance_id}").json
            standing = {key: case.get(key) for key in ("status", "tasks", "waiting")} if case else None
            pytest.fail(f"no open {bpmn_id} of case {instance_id} in the inbox {inbox}; the case: {standing}; "
                        f"last events: {(case or {}).get('events', [])[-4:]}")
        return matches[0]

    def complete(self, instance_id: int, bpmn_id: str, data: dict, status: int = 200) -> dict:
        task = self.task(instance_id, bpmn_id)
        response = self.post(f"/tasks/{task['id']}/complete", json={"data": data})
        assert response.status_code == status, response.json
        return response.json


@pytest.fixture(autouse=True)
def pages_are_scanned(request):
    """Every HTML page a web test renders is checked for login ids, codes and English (``page_scanner``)."""
    if "app" in request.fixturenames:
        page_scanner.install(request.getfixturevalue("app"))


@pytest.fixture
def api(app, actors):
    client = app.test_client()
    return lambda username=None: ApiClient(client, username)


@pytest.fixture
def deployed(api):
    response = api("sheji").deploy(FIXTURES / "processes" / "approval.bpmn")
    assert response.status_code == 201, response.json
    return response.json

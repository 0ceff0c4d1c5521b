"""An API client that logs in as a user and speaks JSON; the demo built in a test's database (``built_demo``)."""

from __future__ import annotations

import shutil
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

import pytest
from sqlalchemy import make_url

from engine.deploy import SourceFile, with_forms
from monitoring import codelists
from tests.conftest import FIXTURES, PASSWORD, model_file_paths
from tests.web import page_scanner
from web.demo import build_demo
from web.demo_elimination import Eliminations
from web.extensions import db


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

    def deploy(self, model: bytes | str | Path, name: str = "upload.bpmn", beside: tuple[Path, ...] = (),
               **fields: str):
        """Deploy a BPMN model through the API as a designer's tool would: with the forms it names, taken from the
        test's ``forms_dir`` (the app's FORMS_DIR), and the DMN files it calls: beside its file, or ``beside``.
        ``model`` is the file or its text; ``fields``, e.g. ``main``."""
        if isinstance(model, Path):
            beside = (*model_file_paths(model)[1:], *beside)
            name, model = model.name, model.read_bytes()
        content = model.encode("utf-8") if isinstance(model, str) else model
        tables = [SourceFile(path.name, path.read_bytes()) for path in beside]
        files = with_forms([SourceFile(name, content), *tables], Path(self.client.application.config["FORMS_DIR"]))
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


@dataclass(frozen=True)
class BuiltDemo:
    eliminations: Eliminations  # what ``build_demo`` returned
    printed: str  # and what it printed
    database: str  # a copy of the database it built: a SQLite file, or a PostgreSQL database to use as a template
    department_data: Path  # a copy of the files it wrote beside the documents


@pytest.fixture(scope="session")
def demo_builds() -> dict[tuple[str, str], BuiltDemo]:
    """The demos built in this test process, by database kind and day."""
    return {}


@pytest.fixture
def built_demo(request, database_url, clock, demo_builds) -> BuiltDemo:
    """``fangpin demo``'s build (``build_demo``) in this test's database on its clock. The first test of a process to
    ask for it on a kind of database and a day builds it from scratch; the others get a copy of that build (its
    database and files), as a build costs 20-40 s. The modules using it share a worker (xdist_group "demo_builds")."""
    kind = make_url(database_url).get_backend_name()
    key = (kind, clock.now().isoformat())
    built = demo_builds.get(key)
    if built:
        _restore(request, database_url, built)
    app = request.getfixturevalue("app")
    if built:
        return built
    capsys = request.getfixturevalue("capsys")
    capsys.readouterr()
    codelists.seed(db.session)
    db.session.commit()
    eliminations = build_demo()
    printed = capsys.readouterr().out
    folder = request.getfixturevalue("tmp_path_factory").mktemp("demo-build")
    shutil.copytree(Path(app.config["DOCUMENTS_DIR"]).parent / "department-data", folder / "department-data")
    built = BuiltDemo(eliminations, printed, _saved(request, database_url, folder, len(demo_builds)),
                      folder / "department-data")
    demo_builds[key] = built
    return built


def _saved(request, database_url: str, folder: Path, number: int) -> str:
    """A copy of the test's database as the build left it."""
    db.session.remove()
    db.engine.dispose()  # PostgreSQL copies a database no one is connected to
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        copy = folder / "fangpin.db"
        with closing(sqlite3.connect(url.database)) as source, closing(sqlite3.connect(copy)) as target:
            source.backup(target)  # WAL: the file alone may not hold the last commits
        return str(copy)
    name = f"fangpin_demo_{number}"
    with request.getfixturevalue("postgres_server").admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name} TEMPLATE {url.database} STRATEGY FILE_COPY")
    return name


def _restore(request, database_url: str, built: BuiltDemo) -> None:
    """The test's (still unopened) database becomes a copy of the build's; its files are copied beside it."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        shutil.copyfile(built.database, url.database)
    else:
        with request.getfixturevalue("postgres_server").admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE {url.database} WITH (FORCE)")
            conn.exec_driver_sql(f"CREATE DATABASE {url.database} TEMPLATE {built.database} STRATEGY FILE_COPY")
    tmp_path = request.getfixturevalue("tmp_path")
    shutil.copytree(built.department_data, tmp_path / "department-data")

"""Fixtures: an app on a fresh SQLite file or a fresh PostgreSQL database, a frozen clock, factories."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from werkzeug.routing import Rule
from werkzeug.security import generate_password_hash

import monitoring.models  # registers tables
import web.auth.login
from engine.assignment import Actor
from engine.clock import FrozenClock
from engine.models import Base
from monitoring import codelists, places
from tests import postgres
from tests.url_builders import compiled_once
from tests.xdist_groups import pytest_collection_modifyitems, pytest_configure  # noqa: F401  (hooks: pytest finds them here)
from web.app import create_app
from web.extensions import db

FIXTURES = Path(__file__).parent / "fixtures"
CST = timezone(timedelta(hours=8))
START = datetime(2026, 3, 2, 9, 0, tzinfo=CST)  # a Monday
PASSWORD = "secret-pass-1"
# Real scrypt at a test-sized cost: the production cost (n=2**15, about 0.2 s a hash by design) was most of the
# suite's time, as every test's users are hashed and every login checks one.
TEST_PASSWORD_HASH = "scrypt:256:8:1"


@pytest.fixture(scope="session", autouse=True)
def test_sized_password_hashes() -> Iterator[None]:
    """Passwords stored in tests are hashed and checked for real, only cheaper (the hash names its own cost)."""
    cheap = partial(generate_password_hash, method=TEST_PASSWORD_HASH)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(monitoring.models, "generate_password_hash", cheap)
        patch.setattr(web.auth.login, "generate_password_hash", cheap)
        web.auth.login._unknown_user_hash.cache_clear()
        yield
        web.auth.login._unknown_user_hash.cache_clear()


@pytest.fixture(scope="session", autouse=True)
def url_builders_compiled_once() -> Iterator[None]:
    """Every test's app binds the URL builders Werkzeug compiled for the first one (tests/url_builders.py)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Rule, "_compile_builder", compiled_once(Rule._compile_builder))
        yield


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[postgres.ThrowawayPostgres]:
    """One server per test process (each xdist worker starts its own), with the schema in a template database."""
    if not postgres.available():
        pytest.fail("PostgreSQL server binaries are missing; .ci/run installs them")
    server = postgres.ThrowawayPostgres()
    server.admin_url = server.start()
    server.admin = create_engine(server.admin_url, isolation_level="AUTOCOMMIT")
    with server.admin.connect() as conn:
        conn.execute(text("CREATE DATABASE fangpin_template"))
    schema = create_engine(server.url("fangpin_template"))
    Base.metadata.create_all(schema)
    schema.dispose()
    server.databases = postgres.TestDatabases(server, server.admin, "fangpin_template")
    server.databases.install_ddl_log(server.url("fangpin_template"))
    yield server
    server.admin.dispose()
    server.stop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """The schema, built once per test process: each test copies the file, a thousand times cheaper than
    ``create_all``, and still gets a database of its own."""
    path = tmp_path_factory.mktemp("sqlite-template") / "fangpin.db"
    schema = create_engine(f"sqlite:///{path}")
    Base.metadata.create_all(schema)
    schema.dispose()
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> Iterator[str]:
    """A database of this test's own, with every table and no row. A PostgreSQL one is emptied after the test and
    given to the next (``postgres.TestDatabases``): a copy of the template is some 13 MB, and a copy per test cost
    a quarter of the suite's CPU."""
    if request.param == "sqlite":
        path = tmp_path / "fangpin.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    databases = request.getfixturevalue("postgres_server").databases
    name = databases.take()
    yield databases.server.url(name)
    databases.give_back(name)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
def forms_dir() -> Path:
    """Where deployed process models find their forms; process tests of ``processes/`` use ``forms/``."""
    return FIXTURES / "forms"


@pytest.fixture
def app(database_url, clock, tmp_path, forms_dir, monkeypatch):
    # the configuration read before the overrides keeps its instance folder (a secret_key file) in the test's own
    # folder, not in the repository's instance/, which workers running side by side would share
    monkeypatch.setenv("FANGPIN_INSTANCE_DIR", str(tmp_path / "instance"))
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret",
        "FORMS_DIR": str(forms_dir),
        "DOCUMENTS_DIR": str(tmp_path / "documents"),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": False},
        # tokens expire by the engine's clock; the scenarios travel months with one login
        "TOKEN_MAX_AGE": 3 * 365 * 24 * 3600,
    }, clock=clock)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def engine(app):
    return app.extensions["fangpin_engine"]


@pytest.fixture
def session(app):
    return db.session


@pytest.fixture
def tree(session) -> dict[str, places.Place]:
    """Region → county → two townships → a village under each (and a second village in the first)."""
    spec = [
        ("150000000000", "自治区", None, "region"),
        ("150223000000", "达茂旗", "150000000000", "county"),
        ("150223100000", "百灵庙镇", "150223000000", "township"),
        ("150223200000", "查干哈达苏木", "150223000000", "township"),
        ("150223100201", "艾力嘎查", "150223100000", "village"),
        ("150223100202", "新宝力格嘎查", "150223100000", "village"),
        ("150223200201", "巴音敖包嘎查", "150223200000", "village"),
    ]
    result = {code: places.add_place(session, code, name, parent, level) for code, name, parent, level in spec}
    codelists.seed(session)
    session.commit()
    return result


@pytest.fixture
def create_user(session, tree):
    def create(username: str, role: str, place_code: str, department: str | None = None) -> Actor:
        user = places.add_user(session, username, role, place_code, PASSWORD, department)
        session.commit()
        return places.actor_for(session, user)

    return create


@pytest.fixture
def actors(create_user) -> dict[str, Actor]:
    return {
        "village": create_user("cun", "village", "150223100201"),
        "village2": create_user("cun2", "village", "150223100202"),
        "village_other": create_user("cun3", "village", "150223200201"),
        "township": create_user("zhen", "township", "150223100000"),
        "township_other": create_user("sumu", "township", "150223200000"),
        "county": create_user("qi", "county", "150223000000"),
        "designer": create_user("sheji", "designer", "150000000000"),
        "admin": create_user("guanli", "admin", "150000000000"),
    }


def fixture_files(*names: str):
    """The fixture models' files, with the forms they name and their process tests, as a shell deploys them."""
    from engine.deploy import SourceFile

    return model_files(*(SourceFile(name, (FIXTURES / "processes" / name).read_bytes()) for name in names))


def model_file_paths(bpmn: Path) -> list[Path]:
    """A model's BPMN file and the files it needs beside it (the DMN files its business rule tasks call), as
    ``fangpin db upgrade`` and ``fangpin processes deploy`` deploy it."""
    from web.shipped_processes import with_needed

    return with_needed([bpmn])


def shipped_files(stem: str) -> list:
    """A shipped model's files as ``fangpin db upgrade`` deploys it: its BPMN, the DMN it calls, its forms and tests."""
    from engine.deploy import SourceFile, with_forms

    root = Path(__file__).resolve().parents[1]
    paths = model_file_paths(root / "processes" / f"{stem}.bpmn")
    return with_forms([SourceFile(p.name, p.read_bytes()) for p in paths], root / "forms", root / "processes")


def model_files(*files):
    """``files`` (``SourceFile``s, e.g. a variant of a fixture) with the fixture forms they name and process tests."""
    from engine.deploy import with_forms

    return with_forms(list(files), FIXTURES / "forms", FIXTURES / "processes")

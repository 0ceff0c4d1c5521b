"""The shared fixtures keep what the suite relies on while they save time: a database of each test's own with the
whole schema and no row, and passwords hashed and checked for real (only at a test-sized cost)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, func, inspect, select, text
from sqlalchemy.orm import Session
from werkzeug.routing import Rule

from engine.models import Base
from monitoring import codelists, places
from monitoring.models import User
from tests.conftest import PASSWORD, TEST_PASSWORD_HASH
from web.app import create_app

ROOT = Path(__file__).resolve().parents[1]


def test_each_test_gets_a_database_with_every_table_and_no_row(database_url):
    engine = create_engine(database_url)
    try:
        assert set(inspect(engine).get_table_names()) >= set(Base.metadata.tables)
        with engine.connect() as connection:
            counts = {name: connection.execute(select(func.count()).select_from(table)).scalar()
                      for name, table in Base.metadata.tables.items()}
        assert set(counts.values()) == {0}, counts
    finally:
        engine.dispose()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_postgresql_server_holds_only_the_running_tests_database(database_url, postgres_server):
    """Earlier tests' databases were dropped when they ended (the tests above made some in this process)."""
    with postgres_server.admin.connect() as connection:
        names = connection.execute(text("SELECT datname FROM pg_database WHERE datname LIKE 'fangpin_test_%'"))
        assert names.scalars().all() == [database_url.rsplit("/", 1)[1]]


def _filled(url: str) -> Engine:
    """Rows in tables joined by foreign keys (places, users, code lists), each with ids from a sequence."""
    engine = create_engine(url)
    with Session(engine) as session:
        places.add_place(session, "150000000000", "自治区", None, "region")
        places.add_place(session, "150223000000", "达茂旗", "150000000000", "county")
        places.add_user(session, "qi", "county", "150223000000", PASSWORD)
        codelists.seed(session)
        session.commit()
    return engine


def test_a_postgresql_database_comes_back_empty_with_its_sequences_restarted_and_no_connection_left(postgres_server):
    """A database given back is reused: every row gone, ids from 1 again, a connection the test left open (in a
    transaction holding a row lock) ended, as if the template had just been copied."""
    databases = postgres_server.databases
    name = databases.take()
    url = postgres_server.url(name)
    engine = _filled(url)
    with engine.connect() as connection:
        first_user_id = connection.execute(select(func.min(User.id))).scalar()
    left_open = engine.connect()
    left_open.execute(text("SELECT * FROM users FOR UPDATE"))  # a lock the emptying would wait for
    databases.give_back(name)
    engine.dispose()

    again = databases.take()
    try:
        assert again == name  # reused, not copied
        reused = create_engine(postgres_server.url(again))
        with reused.connect() as connection:
            counts = {connection.execute(select(func.count()).select_from(table)).scalar()
                      for table in Base.metadata.tables.values()}
            others = connection.execute(text("SELECT count(*) FROM pg_stat_activity WHERE datname = :name "
                                             "AND pid <> pg_backend_pid()"), {"name": again}).scalar()
        reused.dispose()
        assert counts == {0}
        assert others == 0
        refilled = _filled(postgres_server.url(again))
        with refilled.connect() as connection:
            assert connection.execute(select(func.min(User.id))).scalar() == first_user_id
        refilled.dispose()
    finally:
        databases.give_back(again)


def test_a_postgresql_database_whose_schema_a_test_changed_is_dropped_not_reused(postgres_server):
    """An index, a dropped table or a migration's tables would reach the next test: such a database is dropped, and
    the next test gets a fresh copy of the template."""
    databases = postgres_server.databases
    name = databases.take()
    engine = create_engine(postgres_server.url(name))
    with engine.begin() as connection:
        connection.execute(text("CREATE INDEX ix_probe ON users (name)"))
    engine.dispose()
    databases.give_back(name)
    with postgres_server.admin.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM pg_database WHERE datname = :name"),
                                  {"name": name}).scalar() == 0
    fresh = databases.take()
    try:
        engine = create_engine(postgres_server.url(fresh))
        assert "ix_probe" not in {index["name"] for index in inspect(engine).get_indexes("users")}
        engine.dispose()
    finally:
        databases.give_back(fresh)


def test_the_app_keeps_its_instance_folder_in_the_tests_own(app, tmp_path):
    """Nothing of a test's app lands in the repository's instance/, which tests running side by side would share."""
    assert (tmp_path / "instance" / "secret_key").is_file()


def test_passwords_are_hashed_with_scrypt_and_checked_for_real(session, create_user):
    create_user("cun", "village", "150223100201")
    user = session.execute(select(User).where(User.username == "cun")).scalar_one()
    assert user.password_hash.startswith(f"{TEST_PASSWORD_HASH}$")
    assert PASSWORD not in user.password_hash
    assert user.check_password(PASSWORD)
    assert not user.check_password(PASSWORD + "x")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_every_apps_url_rules_bind_the_builders_werkzeug_compiles_for_them_compiled_once(app):
    """Each test's app is built for real, only its URL builders are not compiled again (tests/url_builders.py)."""
    other = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    compile_builder = Rule._compile_builder.__wrapped__
    rules = list(zip(app.url_map.iter_rules(), other.url_map.iter_rules(), strict=True))
    assert len(rules) > 100
    for first, second in rules:
        assert first.rule == second.rule
        for bound, append_unknown in ((first._build, False), (first._build_unknown, True)):
            assert bound.__func__.__code__ == compile_builder(first, append_unknown).__code__, first.rule
        if not first.defaults:
            assert first._build.__func__ is second._build.__func__, first.rule
            assert first._build_unknown.__func__ is second._build_unknown.__func__, first.rule
    with other.app_context():
        from web.extensions import db

        db.engine.dispose()


SHARED_MODULE = """
import os

import pytest


@pytest.fixture(scope="module")
def built():
    with open(os.environ["BUILT_LOG"], "a") as log:
        log.write(os.environ["PYTEST_XDIST_WORKER"] + "\\n")


def test_one(built): pass
def test_two(built): pass
def test_three(built): pass
def test_four(built): pass
"""


def test_tests_sharing_a_module_fixture_run_on_one_worker_which_builds_it_once(tmp_path):
    """``make test``'s ``-n --dist loadgroup`` with the suite's grouping hook: a module fixture (a demo server) is built
    once, not once per worker or per test. It silently stopped when xdist's group no longer reached the scheduler
    (a hook run after xdist's, pytest 9.2's node ids: pytest-xdist#1386), and a demo was built for almost every test."""
    (tmp_path / "conftest.py").write_text("from tests.xdist_groups import pytest_collection_modifyitems  # noqa\n")
    (tmp_path / "test_a_shared.py").write_text(SHARED_MODULE)
    (tmp_path / "test_b_alone.py").write_text("".join(f"def test_{n}(): pass\n" for n in range(4)))
    log = tmp_path / "built.log"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [os.environ.get("PYTHONPATH"), str(ROOT)])),
           "BUILT_LOG": str(log), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}  # xdist alone: the others cost seconds
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "xdist", "-n", "2", "--dist", "loadgroup",
                          "-p", "no:cacheprovider"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert len(log.read_text().splitlines()) == 1, log.read_text()


ORDER_CONFTEST = """
import os

import pytest

from tests.xdist_groups import pytest_collection_modifyitems, pytest_configure  # noqa: F401


@pytest.fixture(scope="session")
def demos():  # the e2e tests' demo builds
    pass


@pytest.fixture(autouse=True)
def logged(request):
    with open(os.environ["ORDER_LOG"], "a") as log:
        log.write(request.node.name + "\\n")
"""


def _module(fixture_needs: str, tests: int, prefix: str) -> str:
    return (f"import pytest\n\n\n@pytest.fixture(scope='module')\ndef shared({fixture_needs}):\n    pass\n\n\n"
            + "".join(f"def test_{prefix}{n}(shared): pass\n" for n in range(tests)))


def test_xdist_hands_out_the_largest_groups_first_and_the_demo_groups_after_a_quarter_of_the_single_tests(tmp_path):
    """The groups serving a demo wait for its build (~2 minutes on CI); handed out first, as xdist's size order did,
    they kept workers idle on the build's lock. After a quarter of the single tests, the build is done."""
    (tmp_path / "conftest.py").write_text(ORDER_CONFTEST)
    (tmp_path / "test_a_demo.py").write_text(_module("demos", 2, "demo"))
    (tmp_path / "test_b_big.py").write_text(_module("", 3, "big"))
    (tmp_path / "test_c_small.py").write_text(_module("", 2, "small"))
    (tmp_path / "test_d_single.py").write_text("".join(f"def test_single{n}(): pass\n" for n in range(8)))
    log = tmp_path / "order.log"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [os.environ.get("PYTHONPATH"), str(ROOT)])),
           "ORDER_LOG": str(log), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "xdist", "-n", "1", "--dist", "loadgroup",
                          "-p", "no:cacheprovider"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert log.read_text().split() == ["test_big0", "test_big1", "test_big2", "test_small0", "test_small1",
                                       "test_single0", "test_single1", "test_demo0", "test_demo1",
                                       *(f"test_single{n}" for n in range(2, 8))]

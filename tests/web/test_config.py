"""Configuration is read in one place: relative paths are taken from the working folder, the clock is chosen there."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from engine.clock import FrozenClock
from tests.e2e.server import cli
from web import config
from web.app import create_app
from web.cli import main
from web.extensions import db

CST = timezone(timedelta(hours=8))


@pytest.fixture
def workdir(tmp_path, monkeypatch) -> Path:
    """A working folder of its own and an environment without any Fangpin variable."""
    for name in ("FANGPIN_INSTANCE_DIR", "FANGPIN_DATABASE_URL", "FANGPIN_DOCUMENTS_DIR", "FANGPIN_FORMS_DIR",
                 "FANGPIN_PROCESSES_DIR", "FANGPIN_CLOCK", "FANGPIN_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_relative_instance_folder_holds_the_database_in_the_working_folder(workdir, monkeypatch):
    """``make demo`` sets FANGPIN_INSTANCE_DIR=instance/demo; Flask-SQLAlchemy must not move it elsewhere."""
    monkeypatch.setenv("FANGPIN_INSTANCE_DIR", "instance/demo")
    app = create_app()
    with app.app_context():
        with db.engine.connect() as connection:
            connection.execute(text("CREATE TABLE probe (id INTEGER)"))
        db.engine.dispose()
    assert (workdir / "instance" / "demo" / "fangpin.db").is_file()
    assert app.config["DOCUMENTS_DIR"] == str(workdir / "instance" / "demo" / "documents")


def test_relative_paths_in_every_variable_become_absolute(workdir, monkeypatch):
    monkeypatch.setenv("FANGPIN_DATABASE_URL", "sqlite:///data/fangpin.db")
    monkeypatch.setenv("FANGPIN_DOCUMENTS_DIR", "archive/pdf")
    monkeypatch.setenv("FANGPIN_FORMS_DIR", "my-forms")
    monkeypatch.setenv("FANGPIN_PROCESSES_DIR", "my-processes")
    settings = config.from_environment()
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{workdir / 'data' / 'fangpin.db'}"
    assert settings["DOCUMENTS_DIR"] == str(workdir / "archive" / "pdf")
    assert settings["FORMS_DIR"] == str(workdir / "my-forms")
    assert settings["PROCESSES_DIR"] == str(workdir / "my-processes")


def test_a_server_database_url_is_kept_as_written(workdir, monkeypatch):
    url = "postgresql+psycopg://fangpin:p%40ss@db.example:5432/fangpin"
    monkeypatch.setenv("FANGPIN_DATABASE_URL", url)
    assert config.from_environment()["SQLALCHEMY_DATABASE_URI"] == url


def test_an_unreadable_database_url_names_the_variable(workdir, monkeypatch):
    monkeypatch.setenv("FANGPIN_DATABASE_URL", "not a url")
    with pytest.raises(config.ConfigError, match="FANGPIN_DATABASE_URL"):
        config.from_environment()


def test_without_fangpin_clock_the_server_reads_the_real_clock(workdir):
    engine = create_app().extensions["fangpin_engine"]
    before = datetime.now(UTC)
    now = engine.now()
    assert before <= now <= datetime.now(UTC)


def test_fangpin_clock_starts_the_servers_clock_at_that_time_and_runs_on(workdir, monkeypatch):
    start = datetime(2026, 12, 1, 9, 0, tzinfo=CST)
    monkeypatch.setenv("FANGPIN_CLOCK", start.isoformat())
    real_before = datetime.now(UTC)
    engine = create_app().extensions["fangpin_engine"]
    first = engine.now()
    second = engine.now()
    assert start <= first <= second <= start + (datetime.now(UTC) - real_before)
    assert engine.today().isoformat() == "2026-12-01"


def test_an_explicit_clock_wins_over_fangpin_clock(workdir, monkeypatch):
    """``fangpin timers run --now`` travels in time even on a server configured with FANGPIN_CLOCK."""
    monkeypatch.setenv("FANGPIN_CLOCK", "2026-12-01T09:00:00+08:00")
    at = datetime(2027, 1, 4, 9, 0, tzinfo=CST)
    assert create_app(clock=FrozenClock(at)).extensions["fangpin_engine"].now() == at


@pytest.mark.parametrize(("value", "reason"), [("1 December", "ISO 8601"), ("2026-12-01T09:00:00", "时区")])
def test_a_bad_fangpin_clock_stops_every_command_with_one_line_naming_it(workdir, monkeypatch, value, reason):
    result = CliRunner().invoke(main, ["processes", "list"], env={"FANGPIN_CLOCK": value})
    assert result.exit_code == 1
    assert "FANGPIN_CLOCK" in result.output and reason in result.output
    assert "Traceback" not in result.output


def test_the_commands_read_fangpin_clock(workdir):
    """A model deployed by ``fangpin db upgrade`` on a training server carries the training server's time."""
    start = datetime(2026, 12, 1, 9, 0, tzinfo=CST)
    env = {**os.environ, "FANGPIN_INSTANCE_DIR": str(workdir / "instance"), "FANGPIN_CLOCK": start.isoformat()}
    for name in ("FANGPIN_DATABASE_URL", "FANGPIN_FORMS_DIR", "FANGPIN_PROCESSES_DIR"):
        env.pop(name, None)
    real_before = datetime.now(UTC)
    cli(env, "db", "upgrade")
    real_elapsed = datetime.now(UTC) - real_before
    rows = cli(env, "processes", "list").stdout.splitlines()
    assert {row.split("\t")[0] for row in rows} >= {"identification", "risk_elimination", "assistance"}
    for row in rows:
        deployed_at = datetime.fromisoformat(row.split("\t")[2])
        assert start <= deployed_at <= start + real_elapsed

"""The browser modules' demo is built once per clock in a test run and each module serves a copy of its own: what one
module's tests change is not in another's copy, and a copy holds the demo's files too: department data, and documents
rendered once by the build (each copy's server would render them all again while the tests click)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.e2e.demos import DemoBuilds


def households(instance: Path) -> int:
    with sqlite3.connect(instance / "fangpin.db") as connection:
        return connection.execute("SELECT count(*) FROM households").fetchone()[0]


def pending_documents(instance: Path) -> int:
    with sqlite3.connect(instance / "fangpin.db") as connection:
        return connection.execute("SELECT count(*) FROM documents WHERE status = 'pending'").fetchone()[0]


def files(folder: Path) -> list[str]:
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file())


def test_two_copies_of_one_build_are_the_same_demo_and_change_apart(demos, tmp_path):
    first, second = demos.copy(tmp_path / "first"), demos.copy(tmp_path / "second")
    first_instance = Path(first.env["FANGPIN_INSTANCE_DIR"])
    second_instance = Path(second.env["FANGPIN_INSTANCE_DIR"])
    assert first_instance != second_instance and first.summary == second.summary != ""
    assert files(first_instance) == files(second_instance)
    assert files(first_instance / "documents") and files(first_instance / "department-data")
    assert pending_documents(first_instance) == 0  # rendered once by the build, not by each copy's server
    count = households(first_instance)
    assert count > 0

    with sqlite3.connect(first_instance / "fangpin.db") as connection:
        connection.execute("DELETE FROM households")
    assert (households(first_instance), households(second_instance)) == (0, count)
    assert households(Path(demos.copy(tmp_path / "third").env["FANGPIN_INSTANCE_DIR"])) == count


def test_a_failed_build_fails_the_modules_after_it_at_once_with_its_reason(tmp_path):
    builds = DemoBuilds(tmp_path / "demos")
    with pytest.raises(AssertionError, match="FANGPIN_CLOCK"):
        builds.copy(tmp_path / "first", "not a time")
    with pytest.raises(pytest.fail.Exception, match=r"building the demo failed: .*FANGPIN_CLOCK"):
        builds.copy(tmp_path / "second", "not a time")


def test_a_build_started_in_the_background_is_the_one_copies_wait_for(tmp_path):
    """``start`` builds in a process of its own (here one that fails at once): a copy asked for afterwards takes that
    build's outcome instead of building again."""
    builds = DemoBuilds(tmp_path / "demos")
    assert builds.start("not a time").wait(timeout=120) != 0
    with pytest.raises(pytest.fail.Exception, match=r"building the demo failed: .*FANGPIN_CLOCK"):
        builds.copy(tmp_path / "first", "not a time")
    builds.stop()


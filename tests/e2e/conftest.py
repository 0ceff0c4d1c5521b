"""An instance folder of its own for each end-to-end test; one Chromium for all the browser tests of a process."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser

from tests.conftest import FIXTURES
from tests.e2e.browser import chromium
from tests.e2e.demos import DemoBuilds


@pytest.fixture
def env(tmp_path):
    """Environment of the ``fangpin`` commands: the test fixtures' forms, a fresh instance folder, and no shipped
    processes (the fixture models include ones made to fail; each test deploys what it runs)."""
    shipped = tmp_path / "processes"
    shipped.mkdir()
    return {**os.environ, "FANGPIN_INSTANCE_DIR": str(tmp_path / "instance"),
            "FANGPIN_FORMS_DIR": str(FIXTURES / "forms"), "FANGPIN_PROCESSES_DIR": str(shipped),
            "FANGPIN_SECRET_KEY": "e2e-secret"}


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Chromium, started once per test process (each xdist worker its own): a start costs seconds, and every
    test still opens windows of its own (``browser.new_page``, ``open_window``), with their own cookies."""
    with chromium() as instance:
        yield instance


def _run_builds(config: pytest.Config) -> DemoBuilds:
    """The demos built in this test run: xdist's workers share their run's folder (one above each worker's own)."""
    if BUILDS not in config.stash:
        own = config._tmp_path_factory.getbasetemp()
        config.stash[BUILDS] = DemoBuilds((own.parent if os.environ.get("PYTEST_XDIST_WORKER") else own) / "demos")
    return config.stash[BUILDS]


BUILDS = pytest.StashKey[DemoBuilds]()


@pytest.fixture(scope="session")
def demos(pytestconfig) -> DemoBuilds:
    return _run_builds(pytestconfig)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start building the demos the collected tests will serve (one process of the run starts them: xdist's first
    worker). A module serving a demo built on another day names that day ``CLOCK``; a wrong guess costs only time:
    ``demos.copy`` builds what was not started and uses what was."""
    if os.environ.get("PYTEST_XDIST_WORKER", "gw0") != "gw0":
        return
    clocks = {getattr(item.module, "CLOCK", None) for item in session.items if "demos" in item.fixturenames}
    for clock in sorted(clocks, key=str):
        _run_builds(session.config).start(clock)


def pytest_unconfigure(config: pytest.Config) -> None:
    if BUILDS in config.stash:
        config.stash[BUILDS].stop()

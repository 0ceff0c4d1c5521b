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


@pytest.fixture(scope="session")
def demos(tmp_path_factory) -> DemoBuilds:
    """The demos built in this test run: xdist's workers share their run's folder (one above each worker's own)."""
    own = tmp_path_factory.getbasetemp()
    return DemoBuilds((own.parent if os.environ.get("PYTEST_XDIST_WORKER") else own) / "demos")

"""An instance folder of its own for each end-to-end test."""

from __future__ import annotations

import os

import pytest

from tests.conftest import FIXTURES


@pytest.fixture
def env(tmp_path):
    """Environment of the ``fangpin`` commands: the test fixtures' forms, a fresh instance folder, and no shipped
    processes (the fixture models include ones made to fail; each test deploys what it runs)."""
    shipped = tmp_path / "processes"
    shipped.mkdir()
    return {**os.environ, "FANGPIN_INSTANCE_DIR": str(tmp_path / "instance"),
            "FANGPIN_FORMS_DIR": str(FIXTURES / "forms"), "FANGPIN_PROCESSES_DIR": str(shipped),
            "FANGPIN_SECRET_KEY": "e2e-secret"}

"""Which tests ``pytest -n --dist loadgroup`` keeps on one worker (its own module: a test of it loads nothing else)."""

from __future__ import annotations

import pytest


@pytest.hookimpl(tryfirst=True)  # before xdist's own, which turns the mark into the group the scheduler reads
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests that share a module-scoped fixture stay on one worker: the fixture (a demo server, a batch of hostile
    scripts) is then built once, not once on each worker or for each test."""
    for item in items:
        shared = [name for name, defs in item._fixtureinfo.name2fixturedefs.items()
                  if name in item.fixturenames and defs[-1].scope == "module"]
        if shared:
            item.add_marker(pytest.mark.xdist_group(item.module.__name__))

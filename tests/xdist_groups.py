"""Which tests ``pytest -n --dist loadgroup`` keeps on one worker (its own module: a test of it loads nothing else),
and in which order xdist hands them out."""

from __future__ import annotations

import os

import pytest

# The share of the single tests handed out before the groups that serve a demo: the demo's build (started once the
# tests are collected, tests/e2e/conftest.py) runs beside them instead of workers waiting for it.
DEMO_GROUPS_AFTER = 0.25


@pytest.hookimpl(tryfirst=True)  # before xdist's own, which turns the mark into the group the scheduler reads
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests that share a module-scoped fixture stay on one worker: the fixture (a demo server, a batch of hostile
    scripts) is then built once, not once on each worker or for each test."""
    for item in items:
        shared = [name for name, defs in item._fixtureinfo.name2fixturedefs.items()
                  if name in item.fixturenames and defs[-1].scope == "module"]
        if shared:
            item.add_marker(pytest.mark.xdist_group(item.module.__name__))
    if os.environ.get("PYTEST_XDIST_WORKER"):
        items[:] = handed_out_order(items)


def pytest_configure(config: pytest.Config) -> None:
    """xdist hands scopes out in the order ``handed_out_order`` gives (its own reorder sorts by size alone)."""
    if hasattr(config.option, "loadscopereorder"):
        config.option.loadscopereorder = False


def handed_out_order(items: list[pytest.Item]) -> list[pytest.Item]:
    """Groups first, the largest first (a long group started last would run alone at the end), then the single tests;
    but the groups serving a demo after the first ``DEMO_GROUPS_AFTER`` of the single tests. Tests keep their order
    within a group."""
    scopes: dict[str, list[pytest.Item]] = {}
    for item in items:
        scopes.setdefault(_group(item) or item.nodeid, []).append(item)
    grouped, demo, single = [], [], []
    for members in scopes.values():
        if any("demos" in item.fixturenames for item in members):
            demo.append(members)
        elif _group(members[0]):
            grouped.append(members)
        else:
            single.append(members)
    grouped.sort(key=len, reverse=True)
    demo.sort(key=len, reverse=True)
    cut = int(len(single) * DEMO_GROUPS_AFTER)
    return [item for members in [*grouped, *single[:cut], *demo, *single[cut:]] for item in members]


def _group(item: pytest.Item) -> str:
    """The item's group as xdist names it (its marks' names, sorted, joined by '_'); '' for none."""
    names = {str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
             for mark in item.iter_markers("xdist_group")}
    return "_".join(sorted(names))

"""人口自然变更 on a 375 px phone, in Chromium against ``fangpin serve`` on the demo (10 December 2026, inside the
fourth quarter's marking window): the village cadre opens the pending changes, a household's section, records a move
out with the kind chosen first, and marks the quarter's changes in one batch; no page scrolls sideways."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser import PHONE, open_window
from tests.e2e.server import running_server

PASSWORD = "fangpin2026"
CLOCK = "2026-12-10T09:00:00+08:00"


@pytest.fixture(scope="module")
def demo(demos, tmp_path_factory, browser):
    """A copy of the demo on its clock, served, and the worker's one Chromium (a second Playwright in the same
    process cannot start)."""
    demo = demos.copy(tmp_path_factory.mktemp("changes"), CLOCK)
    assert "待标注 5 项" in demo.summary
    with running_server(demo.env) as root:
        yield root, browser


def fits(page: Page, folder, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{name}: the page is {width} px wide on a {PHONE['width']} px phone"


def test_a_cadre_records_and_marks_natural_changes_on_a_phone(demo, tmp_path):
    root, browser = demo
    page = open_window(browser, root, "village_150223100201", PASSWORD, phone=True)
    page.goto("/households/changes")
    expect(page.get_by_text("可以标注")).to_be_visible()
    fits(page, tmp_path, "pending")
    page.get_by_role("link", name="巴图户").first.click()
    page.wait_for_url("**/households/*")
    section = page.locator("#changes")
    assert section.get_by_text("已离开的成员").is_visible() and section.get_by_text("待标注").first.is_visible()
    fits(page, tmp_path, "household")
    section.get_by_role("link", name="登记人口自然变更").click()
    page.get_by_role("link", name="分户", exact=True).click()
    fits(page, tmp_path, "split-chooser")
    page.get_by_role("link", name="合户", exact=True).click()
    fits(page, tmp_path, "merge-form")
    page.get_by_role("link", name="迁出", exact=True).click()
    fits(page, tmp_path, "move-out-form")
    page.get_by_label("变更日期").fill("2026-12-09")
    page.get_by_label("成员").select_option(label="图雅（之女）")
    page.get_by_role("button", name="登记迁出").click()
    page.wait_for_url("**/households/*#changes")
    expect(page.get_by_text("已登记迁出")).to_be_visible()
    page.goto("/households/changes")
    page.get_by_role("button", name="标注勾选的变更").click()
    expect(page.get_by_text("已标注6项人口自然变更")).to_be_visible()
    expect(page.get_by_text("没有待标注的人口自然变更")).to_be_visible()
    fits(page, tmp_path, "marked")

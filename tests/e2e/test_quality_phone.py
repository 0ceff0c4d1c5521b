"""数据质量 on a 375 px phone, in Chromium against ``fangpin serve`` on the demo: a village cadre runs the checks over
the village, reads the counts and the findings as cards, and opens a household's findings on its page; no page
scrolls sideways. The screenshots land in test-artifacts/screenshots/ (quality-*.png) to be looked at."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.e2e.browser import ARTIFACTS, PHONE, open_window, screenshot
from tests.e2e.server import running_server

PASSWORD = "fangpin2026"
CLOCK = "2026-12-10T09:00:00+08:00"  # the natural changes' demo: built once for both


@pytest.fixture(scope="module")
def demo(demos, tmp_path_factory, browser):
    demo = demos.copy(tmp_path_factory.mktemp("quality"), CLOCK)
    with running_server(demo.env) as root:
        yield root, browser


def fits(page: Page, name: str) -> None:
    screenshot(page, name)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{name}: the page is {width} px wide on a {PHONE['width']} px phone"


def test_a_village_cadre_runs_the_checks_and_reads_its_findings_on_a_phone(demo):
    root, browser = demo
    page = open_window(browser, root, "village_150223100201", PASSWORD, phone=True)
    page.get_by_role("link", name="数据质量").click()
    page.wait_for_url("**/quality/")
    page.get_by_role("button", name="立即检查").click()
    expect(page.get_by_text("检查完成：新发现")).to_be_visible()
    cards = page.locator("table.findings tbody tr")
    expect(cards.first).to_be_visible()
    assert cards.first.evaluate("row => getComputedStyle(row).display") == "block"  # a card, not a table row
    fits(page, "quality-phone")
    cards.first.locator("td").first.get_by_role("link").click()
    page.wait_for_url("**/households/*")
    section = page.locator("#quality")
    expect(section.get_by_text("待整改")).to_be_visible()
    section.screenshot(path=str(screenshot(page, "quality-household-phone").with_name("quality-household-section.png")))
    fits(page, "quality-household-phone")


def test_the_county_prints_its_findings_on_a4(demo):
    """The county's page printed: no navigation, filters or buttons; every page A4."""
    root, browser = demo
    page = open_window(browser, root, "county_150223", PASSWORD)
    page.goto("/quality/?status=all")
    expect(page.get_by_text("全部的问题")).to_be_visible()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    printed = ARTIFACTS / "quality-a4.pdf"
    page.pdf(path=str(printed), format="A4", margin={"top": "15mm", "bottom": "15mm", "left": "12mm", "right": "12mm"})
    reader = PdfReader(printed)
    text = reader.pages[0].extract_text()
    assert "数据质量" in text and "立即检查" not in text and "筛选" not in text and "待办" not in text
    assert {tuple(round(float(side) / 72 * 25.4) for side in (p.mediabox.width, p.mediabox.height))
            for p in reader.pages} == {(210, 297)}


def test_the_village_cadre_finds_its_correction_task_and_what_it_asks_on_a_phone(demo):
    """The run hands the village 整改问题数据; its page counts what is left per check and leads to the list."""
    root, browser = demo
    page = open_window(browser, root, "village_150223100201", PASSWORD, phone=True)
    page.goto("/quality/")
    page.get_by_role("button", name="立即检查").click()
    expect(page.get_by_text("检查完成：新发现")).to_be_visible()
    page.goto("/tasks/?process=quality_correction")
    page.get_by_role("link", name="整改问题数据", exact=True).first.click()
    page.wait_for_url("**/tasks/*")
    section = page.get_by_role("region", name="艾力嘎查 · 待整改的问题数据")
    expect(section.get_by_text("逐户核实")).to_be_visible()
    fits(page, "quality-task-phone")
    section.get_by_role("link", name="打开本村问题清单").click()
    page.wait_for_url("**/quality/?place=150223100201")

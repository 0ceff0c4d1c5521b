"""Decisions that explain themselves on a 375 px phone, in Chromium against ``fangpin serve`` on the demo: a village
cadre opens the household the township did not include, reads on its page which rule and which figures the system
decided on, prints the 反馈告知书 to hand over, and reads the same on the case page; no page scrolls sideways.
Screenshots: test-artifacts/screenshots/decisions-*.png."""

from __future__ import annotations

import io
import re
import sqlite3
from pathlib import Path

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.e2e.browser import open_window
from tests.e2e.server import running_server
from tests.e2e.test_quality_phone import CLOCK, PASSWORD, fits


@pytest.fixture(scope="module")
def demo(demos, tmp_path_factory, browser):
    demo = demos.copy(tmp_path_factory.mktemp("decisions"), CLOCK)
    with sqlite3.connect(Path(demo.env["FANGPIN_INSTANCE_DIR"]) / "fangpin.db") as connection:
        [(household_id,)] = connection.execute("SELECT household_id FROM household_feedback").fetchall()
    with running_server(demo.env) as root:
        yield root, browser, household_id


def test_the_village_reads_why_a_household_was_not_included_and_prints_the_letter(demo):
    root, browser, household_id = demo
    page = open_window(browser, root, "village_150223100201", PASSWORD, phone=True)
    page.goto(f"/households/{household_id}")
    decided = page.locator("details.decided").first
    decided.locator("summary").click()
    expect(decided.get_by_text("测算建议监测类型")).to_be_visible()
    expect(decided.get_by_text(re.compile(r"家庭人均纯收入 [\d,.]+ 元 [<=>] \d{4}年监测收入标准"))).to_be_visible()
    expect(decided.get_by_text(re.compile(r"依据：决策表第 \d 行"))).to_be_visible()
    fits(page, "decisions-household-phone")

    letter = page.get_by_role("link", name="打印反馈告知书")
    answer = page.request.get(letter.get_attribute("href"))
    assert answer.ok and answer.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(answer.body())).pages)
    assert "防止返贫监测对象识别结果告知书" in text and "家庭有稳定务工收入" in text and "决策表第" in text

    page.locator("article.case h3 a").first.click()
    page.wait_for_url("**/cases/*")
    section = page.locator("#decided")
    expect(section.get_by_role("heading", name=re.compile("系统判定依据"))).to_be_visible()
    expect(section.locator(".decision-outcome").first).to_contain_text("建议认定为")
    fits(page, "decisions-case-phone")

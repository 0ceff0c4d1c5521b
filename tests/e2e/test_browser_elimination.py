"""The way out of monitoring in real browser windows on a phone (375 px), on the demo, against ``fangpin serve``.

The demo and the server live on 10 December 2026 (FANGPIN_CLOCK), inside the fourth quarter's marking window, so the
demo leaves one elimination at 系统标注. 卫健's user carries out its measure from its inbox and finds it done on the
measure's page; the county marks the household eliminated and its page says 风险消除 with the method and the month.
Screenshots of each page land in the test's folder.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser import PHONE, open_window
from tests.e2e.server import running_server

PASSWORD = "fangpin2026"  # the demo's password (web/demo.py)
TODAY = "2026-12-10"
CLOCK = f"{TODAY}T09:00:00+08:00"


@pytest.fixture(scope="module")
def built(demos, tmp_path_factory) -> tuple[dict[str, str], str]:
    """A copy of the demo built on the training clock: its environment and the build's summary."""
    demo = demos.copy(tmp_path_factory.mktemp("elimination"), CLOCK)
    assert re.search(r"系统标注\s+\S+（农户 #\d+）（今天在标注窗口期内）", demo.summary), demo.summary
    return demo.env, demo.summary


@pytest.fixture(scope="module")
def demo(built):
    """The demo served on loopback; yields the root URL."""
    with running_server(built[0]) as root:
        yield root


def shot(page: Page, folder: Path, name: str) -> None:
    """A full-page screenshot; the page fits the phone's width (no sideways scrolling)."""
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{name}: the page is {width} px wide on a {PHONE['width']} px phone"


def logout_fits_one_line(page: Page) -> None:
    """退出 stays one word beside a long place, role and name (it broke into 退/出)."""
    box = page.get_by_role("button", name="退出").bounding_box()
    line = page.get_by_role("button", name="退出").evaluate("e => parseFloat(getComputedStyle(e).lineHeight)")
    assert box["height"] < 1.5 * line, f"退出 is {box['height']} px high, lines of {line} px"


def test_a_department_carries_out_its_measure_from_its_inbox(demo, browser, tmp_path):
    page = open_window(browser, demo, "department_health", PASSWORD, phone=True)
    shot(page, tmp_path, "department-inbox")
    logout_fits_one_line(page)
    # the newest plan's measure: no household the elimination demo names
    row = page.get_by_role("row").filter(has_text="落实帮扶措施").last
    assert "健康帮扶·" in row.inner_text()  # the row names its measure (卫健 has several, some of one household)
    head = row.get_by_role("link").first.inner_text()
    row.get_by_role("link", name="办理").click()
    page.wait_for_url("**/tasks/*")
    assert f"落实帮扶措施 · {head}" in page.locator("h1").inner_text()
    measure = page.locator("#plan").get_by_role("link", name="健康帮扶").get_attribute("href")
    shot(page, tmp_path, "department-task")

    page.locator('[id="f-status"]').select_option(label="已完成")
    page.locator('[id="f-done_on"]').fill(TODAY)
    page.locator('[id="f-result"]').fill("已签约家庭医生，完成四次随访，大病医疗费用已报销")
    page.get_by_role("button", name="提交").click()
    expect(page.locator("body")).to_contain_text(f"已提交：{head} · 落实帮扶措施")

    page.goto(measure)
    shot(page, tmp_path, "department-measure")
    text = page.locator("main").inner_text()
    assert "已完成" in text and "2026年12月10日" in text and "完成四次随访" in text
    page.get_by_role("link", name="帮扶措施", exact=True).click()
    page.get_by_role("link", name="已完成", exact=True).click()
    shot(page, tmp_path, "department-measures-done")
    assert page.get_by_role("link", name=re.compile("健康帮扶")).count() >= 1


def open_step(page: Page, step: str) -> str:
    """The first task of ``step`` from the inbox's chip; its evidence card's text."""
    page.goto("/tasks/")
    page.get_by_role("link", name=re.compile(rf"^{step} \d+$")).click()
    page.get_by_role("row").filter(has_text=step).first.get_by_role("link", name="办理").click()
    page.wait_for_url("**/tasks/*")
    return page.locator(".evidence").inner_text()


def test_each_elimination_step_shows_what_its_official_decides_on(demo, browser, tmp_path):
    village = open_window(browser, demo, "village_150223100201", PASSWORD, phone=True)
    found = open_step(village, "入户核查核实")
    assert "核查参考（帮扶消除，按系统记录计算）" in found
    assert all(words in found for words in ("风险类型", "帮扶措施", "2026年收入标准", "历次测算",
                                            "大额刚性支出问题稳定解决"))
    shot(village, tmp_path, "village-task-verification")

    county = open_window(browser, demo, "county_150223", PASSWORD, phone=True)
    found = open_step(county, "县级审定公示")
    assert all(words in found for words in ("乡镇验收审核", "验收人员", "户主签字", "验收通过",
                                            "入户核查核实（帮扶消除）"))
    shot(county, tmp_path, "county-task-review")
    found = open_step(county, "系统标注")
    assert "书面批复文号" in found and "2026年12月1日至2026年12月31日 的窗口期内标注" in found
    shot(county, tmp_path, "county-task-marking-evidence")


def test_a_refused_start_lands_at_its_form_with_the_reasons_on_screen(built, demo, browser, tmp_path):
    household = re.search(r"无已完成的帮扶措施\s+\S+（农户 #(\d+)）", built[1]).group(1)
    page = open_window(browser, demo, "village_150223100201", PASSWORD, phone=True)
    page.goto(f"/households/{household}")
    form = page.locator("#eliminate")
    form.get_by_label("消除方式").select_option(label="帮扶消除")
    form.get_by_role("button", name="发起风险消除").click()
    page.wait_for_load_state()
    alert = form.get_by_role("alert")
    assert "帮扶消除须至少有一项已完成的帮扶措施" in alert.inner_text()
    box = alert.bounding_box()
    assert page.url.endswith("#eliminate") and 0 <= box["y"] < PHONE["height"], (page.url, box)
    page.screenshot(path=str(tmp_path / "village-refused-start-screen.png"))  # what the phone shows: the reasons
    shot(page, tmp_path, "village-refused-start")


def test_the_county_marks_an_elimination_and_the_household_page_says_so(demo, browser, tmp_path):
    page = open_window(browser, demo, "county_150223", PASSWORD, phone=True)
    logout_fits_one_line(page)
    page.get_by_role("link", name=re.compile(r"^系统标注 \d+$")).click()  # the step's chip
    shot(page, tmp_path, "county-inbox-marking")
    page.get_by_role("row").filter(has_text="系统标注").get_by_role("link", name="办理").click()
    page.wait_for_url("**/tasks/*")
    head = page.locator("h1").inner_text().split(" · ")[-1]
    household = page.locator("main").get_by_role("link", name=head, exact=True).first.get_attribute("href")
    assert page.locator('[id="f-marked_on"]').input_value() == TODAY
    assert "入户核查核实（帮扶消除）" in page.locator(".evidence").inner_text()  # what is marked, and on what
    shot(page, tmp_path, "county-task-marking")

    page.get_by_role("group", name=re.compile("附件7")).get_by_label("是").check()
    page.get_by_role("button", name="提交").click()
    assert "系统标注" in page.locator(".flash").first.inner_text()

    page.goto(household)
    shot(page, tmp_path, "county-household-eliminated")
    status = page.locator("dt", has_text="风险消除").locator("xpath=following-sibling::dd[1]")
    assert status.inner_text() == "帮扶消除 · 2026年12月"
    assert "风险消除（帮扶消除）" in page.locator("main").inner_text()

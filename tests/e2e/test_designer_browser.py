"""The process designer in Chromium against ``fangpin serve`` (issue 13): a designer opens identification, adds a
user task with a form through the palette, the properties panel and the form editor beside the diagram, sees the
problem of the task left unconnected marked on it, fixes it by dropping the task on the flow after 走访排查,
extends the process tests, publishes version 2, sees the new task in the diff, and migrates a case waiting at
走访排查 onto version 2 — after which the village's inbox gets the new task. Screenshots at 375 and 1280 px."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from monitoring.id_number import check_digit
from tests.e2e.browser import open_window, screenshot
from tests.e2e.server import cli, running_server
from tests.e2e.test_browser import VISIT, api
from tests.e2e.test_designer_editor import DMN

pytestmark = pytest.mark.xdist_group("designer_site")  # one site for the module: setting it up takes most of its time
PASSWORD = "fangpin2026"
REGION, COUNTY, TOWNSHIP, VILLAGE = "150000000000", "150223000000", "150223100000", "150223100201"
DESIGNER, OTHER_DESIGNER, CADRE, ADMIN = "designer_15", "designer_1502", "village_150223100201", "admin_15"
NEW_TASK = "double_check"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A fresh instance with the shipped models, one village's places and a designer and a cadre, served on loopback."""
    import os

    env = {**os.environ, "FANGPIN_INSTANCE_DIR": str(tmp_path_factory.mktemp("designer") / "instance"),
           "FANGPIN_SECRET_KEY": "designer-secret"}
    env.pop("FANGPIN_FORMS_DIR", None)
    env.pop("FANGPIN_PROCESSES_DIR", None)
    cli(env, "db", "upgrade")
    places = ((REGION, "内蒙古自治区", None, "region"), (COUNTY, "达茂旗", REGION, "county"),
              (TOWNSHIP, "百灵庙镇", COUNTY, "township"), (VILLAGE, "艾力嘎查", TOWNSHIP, "village"))
    for code, name, parent, level in places:
        cli(env, "places", "add", code, name, "--level", level, *(("--parent", parent) if parent else ()))
    users = ((DESIGNER, "designer", REGION, "宝音"), (OTHER_DESIGNER, "designer", REGION, "那仁"),
             (CADRE, "village", VILLAGE, "高娃"), (ADMIN, "admin", REGION, "其木格"))
    for username, role, place, name in users:
        cli(env, "users", "add", username, "--role", role, "--place", place, "--password", PASSWORD, "--name", name)
    with running_server(env) as root:
        yield root


def case_at_visit(root: str, first17: str = "15022319650505011") -> int:
    """A household's identification case, found by the cadre's screening: it waits at 走访排查 (visit)."""
    household = api(root, CADRE, "POST", "/households", {
        "village": VILLAGE, "household_type": "ordinary", "group": "3组",
        "members": [{"name": "测试户", "id_number": first17 + check_digit(first17), "relation": "head"}]})
    case = api(root, CADRE, "POST", "/instances", {"process": "identification", "household_id": household["id"],
                                                    "data": {"channel": "cadre_screening"}})
    assert [t["bpmn_id"] for t in case["tasks"] if t["state"] == "ready"] == ["visit"], case["tasks"]
    return case["id"]


def console_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


MIDDLE_OF = """(id) => {
  // the middle of a straight flow: the middle of its drawing's box
  const box = document.querySelector(`.djs-connection[data-element-id="${id}"] .djs-visual`).getBoundingClientRect();
  return {x: box.x + box.width / 2, y: box.y + box.height / 2};
}"""

def open_group(panel, title: str) -> None:
    header = panel.locator(".bio-properties-panel-group-header", has_text=title)
    if "open" not in (header.get_attribute("class") or ""):
        header.click()


def zoom_in_at(page, element: str) -> None:
    """Ctrl + wheel over the element, as a designer zooms in to work on a part of a wide diagram."""
    center = page.evaluate(MIDDLE_OF.replace(".djs-connection", ".djs-element"), element)
    page.mouse.move(center["x"], center["y"])
    page.keyboard.down("Control")
    for _ in range(8):
        page.mouse.wheel(0, -120)
    page.keyboard.up("Control")
    page.wait_for_function("document.querySelector('.djs-shape[data-element-id=visit] .djs-visual')"
                           ".getBoundingClientRect().width > 45")


def add_task_on_the_flow_after_visit(page) -> None:
    """From the palette onto the flow after 走访排查 (bpmn-js splits the flow), left unnamed, made a user task with
    the context pad's 更改类型 and given our id in the properties panel."""
    zoom_in_at(page, "f_visit_save")
    page.locator(".djs-palette .entry[data-action='create.task']").click()
    spot = page.evaluate(MIDDLE_OF, "f_visit_save")
    page.mouse.move(spot["x"] - 30, spot["y"] + 30)
    page.mouse.move(spot["x"], spot["y"], steps=8)
    page.mouse.click(spot["x"], spot["y"])
    page.keyboard.press("Escape")  # no name for now
    page.locator(".djs-context-pad .entry[data-action='replace']").click()
    page.locator(".djs-popup [data-id='replace-with-user-task']").click()
    panel = page.locator("#properties")
    open_group(panel, "常规")
    panel.get_by_label("标识", exact=True).fill(NEW_TASK)
    panel.get_by_label("标识", exact=True).press("Tab")
    page.wait_for_selector(f".djs-shape[data-element-id={NEW_TASK}]")


def give_it_a_form(page) -> None:
    """新建表单 in the properties panel, then a text field inserted in the form editor, previewed by the server."""
    panel = page.locator("#properties")
    open_group(panel, "办理")
    panel.get_by_role("button", name="新建表单").click()
    editor = page.locator("[data-role=form-editor]")
    editor.get_by_text(f"identification_{NEW_TASK}.json").wait_for()
    editor.get_by_role("button", name="文本").click()
    editor.locator(".preview-form input[name=field_1]").wait_for()
    assert editor.locator(".preview-form label", has_text="文本字段").count() == 1


def extend_the_scenarios(page) -> None:
    """Every scenario's 走访排查 is now followed by 复核走访: the tests say so, or publishing refuses."""
    page.get_by_role("tab", name="流程测试").click()
    box = page.locator("[data-role=tests-text]")
    scenarios = json.loads(box.input_value())
    for scenario in scenarios["scenarios"]:
        steps = []
        for step in scenario["steps"]:
            if step.get("task") == NEW_TASK:  # put in by 加入此步: given our data below
                continue
            steps.append(step)
            if step.get("task") == "visit":
                steps.append({"task": NEW_TASK, "data": {"field_1": "已复核"}})
        scenario["steps"] = steps
    box.fill(json.dumps(scenarios, ensure_ascii=False, indent=2))


def follow_a_failing_scenario_to_its_step(page) -> None:
    """运行测试 with the scenarios as they were: a failure leads to its step's line in the tests text, and 加入此步
    puts the step for the task the case now waits for in its place."""
    page.get_by_role("button", name="运行测试").first.click()
    failed = page.locator("[data-role=test-results] li.bad[data-line]").first
    failed.wait_for(timeout=60_000)
    line = int(failed.get_attribute("data-line"))
    failed.locator("b").click()
    box = page.locator("[data-role=tests-text]")
    caret = box.evaluate("(t) => t.value.slice(0, t.selectionStart).split('\\n').length")
    assert caret == line
    assert page.locator("[data-panel=tests] .gutter .bad-line").inner_text() == str(line)
    name = failed.locator("b").inner_text().split("：", 1)[1]
    failed.get_by_role("button", name="加入此步").click()
    scenario = next(s for s in json.loads(box.input_value())["scenarios"] if s["name"] == name)
    tasks = [step.get("task") for step in scenario["steps"]]
    assert tasks[tasks.index("visit") + 1] == NEW_TASK, tasks  # right after 走访排查


def test_a_designer_changes_identification_publishes_and_migrates_a_running_case(site, browser):
    case_id = case_at_visit(site)
    page = open_window(browser, site, DESIGNER, PASSWORD)
    errors = console_errors(page)
    page.goto("/designer/")
    page.get_by_role("link", name="编辑").first.wait_for()
    screenshot(page, "designer-list-desktop")
    page.goto("/designer/identification")
    page.wait_for_selector("[data-element-id=visit]")
    page.wait_for_function("document.querySelector('[data-role=draft-state]').textContent.includes('基于第 1 版')")
    screenshot(page, "designer-editor-desktop")
    lane = page.locator("#canvas .djs-shape[data-element-id=lane_village] .djs-visual text")
    assert lane.first.text_content() == "嘎查村干部"  # drawn by the role's name; the XML keeps the key (below)

    add_task_on_the_flow_after_visit(page)
    marked = page.locator(f".djs-shape.fp-problem[data-element-id={NEW_TASK}]")
    marked.wait_for()  # bpmnlint in the browser: a task without a name
    problems = page.locator(f"[data-role=problems] li[data-element={NEW_TASK}]")
    assert "缺少名称" in problems.first.inner_text()
    page.get_by_role("button", name="保存草稿").click()
    page.get_by_text("草稿已保存（修订 1）").wait_for()
    assert "修正后才能发布" in page.locator("[data-role=message]").inner_text()
    # the server's check refuses an unnamed user task too, at the task (its file's line)
    server_problem = problems.filter(has_text="identification.bpmn").filter(has_text="缺少名称")
    server_problem.first.wait_for()
    assert "（修订 1）" in page.get_by_role("button", name="保存草稿").inner_text()
    saved = api(site, DESIGNER, "GET", "/process-models/identification/draft")["files"]["identification.bpmn"]
    assert '<bpmn:lane id="lane_village" name="village">' in saved
    screenshot(page, "designer-problem-desktop")
    page.reload()  # reopening the saved draft: its problems are listed again without pressing 检查
    page.wait_for_function("document.querySelector('[data-role=draft-state]').textContent.startsWith('草稿修订 1')")
    server_problem.first.wait_for()

    problems.first.click()  # selects the task on the diagram
    panel = page.locator("#properties")
    panel.get_by_label("名称", exact=True).fill("复核走访")
    panel.get_by_label("名称", exact=True).press("Tab")
    problems.filter(has_text="缺少名称").filter(has_not_text="identification.bpmn").wait_for(state="detached")
    give_it_a_form(page)
    follow_a_failing_scenario_to_its_step(page)
    extend_the_scenarios(page)
    page.get_by_role("button", name="运行测试").first.click()  # saves the draft, then runs the scenarios
    page.get_by_text("流程测试全部通过。").wait_for(timeout=60_000)
    assert page.locator("[data-role=test-results] li.ok").count() == 3
    page.get_by_role("tab", name="流程图").click()
    marked.wait_for(state="detached")
    assert problems.count() == 0
    page.get_by_role("button", name="检查").click()  # every deploy check and the tests, on the page's files
    page.get_by_text("检查通过，可以发布。").wait_for(timeout=60_000)

    page.get_by_role("button", name="发布").click()
    page.get_by_label("版本说明").fill("走访排查后增加复核走访")
    page.locator("dialog").get_by_role("button", name="发布").click()
    page.get_by_text("已发布第 2 版。").wait_for(timeout=60_000)

    page.get_by_role("tab", name="版本").click()
    page.locator("[data-role=versions] tr", has_text="第 2 版").wait_for()
    assert "走访排查后增加复核走访" in page.locator("[data-role=versions]").inner_text()
    page.get_by_role("button", name="对比").click()
    added = page.locator(".diff-added li", has_text=NEW_TASK)
    added.wait_for()
    assert "复核走访" in added.inner_text()
    assert "终点：登记走访结果 → 复核走访" in page.locator(".diff-changed").inner_text()  # names, not ids
    drawn = page.locator(f"#diff-canvas .djs-shape.fp-diff-added[data-element-id={NEW_TASK}]")
    drawn.wait_for(state="attached")  # on version 2's own diagram
    screenshot(page, "designer-diff-desktop")
    page.get_by_role("button", name="在流程图上查看").click()
    drawn.wait_for()
    assert page.locator("#diff-canvas .djs-palette").is_hidden()  # a version is read, not edited
    screenshot(page, "designer-diff-diagram-desktop")

    page.get_by_role("tab", name="迁移").click()
    page.get_by_role("button", name="列出案件").click()
    row = page.locator(f"[data-role=instances] tr[data-id='{case_id}']")
    row.wait_for()
    assert "艾力嘎查" in row.inner_text() and "走访排查" in row.inner_text()
    assert row.get_by_role("link").get_attribute("href") == f"/cases/{case_id}"  # the case by its household
    assert row.get_by_role("link").inner_text() != f"#{case_id}"
    page.get_by_role("button", name="预检").click()
    row.get_by_text("可以迁移").wait_for()
    row.get_by_role("checkbox").check()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="迁移所选").click()
    page.get_by_text("已迁移 1 个案件").wait_for(timeout=30_000)
    screenshot(page, "designer-migrate-desktop")

    page.get_by_role("tab", name="版本").click()
    page.locator("[data-role=versions] tr", has_text="第 1 版").get_by_role("button", name="恢复为草稿").click()
    page.get_by_text("已把第 1 版恢复为草稿（修订 1）").wait_for()
    page.wait_for_selector("[data-element-id=visit]")
    assert page.locator(f"#canvas [data-element-id={NEW_TASK}]").count() == 0  # the diagram is version 1's again
    page.get_by_role("tab", name="流程图").click()
    page.locator("#canvas .djs-shape[data-element-id=visit]").click()
    page.locator(".djs-context-pad .entry[data-action='delete']").click()
    assert page.locator("#canvas .djs-shape[data-element-id=visit]").count() == 0  # an unsaved edit
    page.get_by_role("tab", name="版本").click()
    page.once("dialog", lambda dialog: dialog.dismiss())  # comparing with the draft asks before it saves
    page.locator("[data-role=diff-to]").select_option("draft")
    page.get_by_role("button", name="对比").click()
    page.get_by_text("未对比：当前的修改尚未保存。").wait_for()
    assert "草稿修订 1" in page.locator("[data-role=draft-state]").inner_text()  # nothing saved silently
    assert errors == []

    visit = next(t for t in api(site, CADRE, "GET", "/tasks") if t["instance_id"] == case_id)
    prefill = api(site, CADRE, "GET", f"/tasks/{visit['id']}")["prefill"]
    api(site, CADRE, "POST", f"/tasks/{visit['id']}/complete", {"data": {**prefill, **VISIT}})
    inbox = [t for t in api(site, CADRE, "GET", "/tasks") if t["instance_id"] == case_id]
    assert [t["bpmn_id"] for t in inbox] == [NEW_TASK], inbox


def test_the_designer_pages_fit_a_phone(site, browser):
    phone = open_window(browser, site, DESIGNER, PASSWORD, phone=True)
    errors = console_errors(phone)
    phone.goto("/designer/")
    screenshot(phone, "designer-list-phone")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    phone.goto("/designer/identification")
    phone.wait_for_selector("[data-element-id=visit]")
    phone.wait_for_function("!document.querySelector('[data-role=draft-state]').textContent.includes('正在载入')")
    screenshot(phone, "designer-editor-phone")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375  # the canvas scrolls in its box
    assert phone.locator(".djs-palette").get_attribute("class").split() == ["djs-palette"]  # folded, not open
    assert phone.locator(".djs-palette .djs-palette-entries").is_hidden()
    badge = phone.locator(".bjsl-button").bounding_box()
    assert badge["x"] >= 0 and badge["x"] + badge["width"] <= 375  # the lint badge whole
    top = phone.evaluate("(s) => document.querySelector(s).getBoundingClientRect().top + scrollY", ".problems")
    side = phone.evaluate("(s) => document.querySelector(s).getBoundingClientRect().top + scrollY", ".side")
    assert top < side and top < 1500  # the problems right under the canvas, not under the form
    phone.locator("#canvas .djs-shape[data-element-id=visit]").click()
    phone.locator(".djs-context-pad").wait_for()
    check = phone.get_by_role("button", name="检查")
    # while the page's own requests run (the check of a reopened draft) its buttons take no clicks: wait them out
    phone.wait_for_function("() => !document.querySelector('.designer').classList.contains('busy')")
    phone.evaluate("(y) => window.scrollTo(0, y)", phone.evaluate(
        "() => document.querySelector('.canvas-box').getBoundingClientRect().top + scrollY - 40"))
    box = check.bounding_box()
    hit = phone.evaluate("([x, y]) => document.elementFromPoint(x, y).closest('button')?.textContent",
                         [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2])
    assert hit == "检查"  # the sticky toolbar stays above the canvas and its context pad
    screenshot(phone, "designer-editor-phone-scrolled")
    assert errors == []


def test_two_designers_editing_at_once_get_a_conflict_not_an_overwrite(site, browser):
    first, second = (open_window(browser, site, name, PASSWORD) for name in (DESIGNER, OTHER_DESIGNER))
    errors = console_errors(first) + console_errors(second)
    for page in (first, second):
        page.goto("/designer/identification")
        page.wait_for_selector("[data-element-id=visit]")
        page.get_by_role("tab", name="流程测试").click()
        page.locator("[data-role=tests-text]").press("End")
        page.keyboard.type(" ")  # an edit each: a space after the scenarios
    first.get_by_role("button", name="保存草稿").click()
    first.get_by_text("草稿已保存").wait_for()
    second.get_by_role("button", name="保存草稿").click()
    conflict = second.locator("[data-role=conflict]")
    conflict.wait_for()
    assert re.search(r"草稿已被 宝音（流程设计员） 于 .* 保存为修订 \d+", conflict.inner_text())
    screenshot(second, "designer-conflict-desktop")
    with second.expect_event("dialog") as asked:
        second.close(run_before_unload=True)  # unsaved changes: the browser asks before leaving
    assert asked.value.type == "beforeunload"
    asked.value.dismiss()  # stay
    second.get_by_role("button", name="重新载入").click()
    second.wait_for_function("/^草稿修订 \\d+，宝音（流程设计员） 保存于/"
                             ".test(document.querySelector('[data-role=draft-state]').textContent)")
    expect(conflict).to_be_hidden()  # the reload hides it once the draft is read (it may still show a moment)
    assert errors == []


def test_a_new_model_starts_from_the_skeleton_and_its_decision_tables_open_in_tabs(site, browser):
    page = open_window(browser, site, DESIGNER, PASSWORD)
    errors = console_errors(page)
    page.goto("/designer/")
    page.get_by_role("link", name="新建流程").click()
    page.get_by_label("流程标识").fill("pilot")
    page.get_by_label("流程名称").fill("试点流程")
    page.get_by_role("button", name="创建草稿").click()
    page.wait_for_url("**/designer/pilot")
    page.wait_for_selector("[data-element-id=first_task]")
    assert page.locator("[data-role=draft-state]").inner_text().startswith("草稿修订 1，宝音（流程设计员）")
    assert page.locator("h1").inner_text().startswith("试点流程")  # the name given, not a stand-in
    page.get_by_role("tab", name="决策表").click()
    page.get_by_role("button", name="新建决策表").click()  # a table of one input and one output, in the draft
    page.locator("[data-role=dmn-tabs] button", has_text="pilot_decision_1.dmn").wait_for()
    page.locator("#dmn .tjs-table").wait_for()
    page.get_by_role("button", name="保存草稿").click()
    page.get_by_text("草稿已保存（修订 2）").wait_for()
    table = api(site, DESIGNER, "GET", "/process-models/pilot/draft")["files"]["pilot_decision_1.dmn"]
    assert table.count("<input ") == 1 and table.count("<output ") == 1 and 'id="decision_1"' in table
    draft = api(site, DESIGNER, "GET", "/process-models/pilot/draft")  # a decision table beside it, as uploaded
    api(site, DESIGNER, "PUT", "/process-models/pilot/draft",
        {"revision": draft["revision"], "files": {**draft["files"], "levels.dmn": DMN}})
    page.reload()
    page.get_by_role("tab", name="决策表").click()
    page.locator("[data-role=dmn-tabs] button", has_text="levels.dmn").click()
    page.locator("#dmn .tjs-table", has_text="人均纯收入").wait_for()
    assert errors == []


def test_an_admin_reads_the_editor_and_nothing_can_change_it(site, browser):
    page = open_window(browser, site, ADMIN, PASSWORD)
    errors = console_errors(page)
    page.goto("/designer/identification")
    page.wait_for_selector("#canvas .djs-shape[data-element-id=visit]")
    assert page.locator("h1 .badge").inner_text() == "只读"
    assert page.locator(".djs-palette").is_hidden()
    shape = page.locator("#canvas .djs-shape[data-element-id=visit]")
    other = page.locator("#canvas .djs-shape[data-element-id=save_visit]")

    def apart() -> tuple[float, float]:  # where 走访排查 stands from 登记走访结果 (the canvas itself may pan)
        a, b = shape.bounding_box(), other.bounding_box()
        return round(a["x"] - b["x"]), round(a["y"] - b["y"])

    before = shape.bounding_box()
    distance = apart()
    shape.click()
    assert page.locator(".djs-context-pad").is_hidden()  # no delete, connect or change type
    page.mouse.move(before["x"] + 20, before["y"] + 20)
    page.mouse.down()
    page.mouse.move(before["x"] + 140, before["y"] + 90, steps=8)
    page.mouse.up()
    assert apart() == distance  # a drag moves no shape
    shape.dblclick()
    assert page.locator(".djs-direct-editing-parent").is_hidden()  # no label editing
    name = page.locator("#properties").get_by_label("名称", exact=True)
    assert name.is_disabled()
    assert page.locator("#properties button", has_text="新建表单").is_disabled()
    screenshot(page, "designer-admin-read-only-desktop")
    assert "有未保存的修改" not in page.locator("[data-role=draft-state]").inner_text()
    assert errors == []


def test_the_migration_list_pages_on_with_the_apis_cursor(site, browser):
    """More running cases than one page (50): 更多案件 fetches the next page with the cursor the API gave."""
    cases = [case_at_visit(site, f"15022319700101{n:03d}") for n in range(52)]
    page = open_window(browser, site, DESIGNER, PASSWORD)
    errors = console_errors(page)
    page.goto("/designer/identification")
    page.wait_for_selector("#canvas [data-element-id=visit]")
    page.get_by_role("tab", name="迁移").click()
    version = api(site, DESIGNER, "GET", "/process-models/identification/versions")[0]["version"]
    page.locator("[data-role=migrate-from]").select_option(str(version))
    page.get_by_role("button", name="列出案件").click()
    rows = page.locator("[data-role=instances] tr")
    page.wait_for_function("document.querySelectorAll('[data-role=instances] tr').length === 50")
    page.get_by_role("button", name="更多案件").click()
    page.wait_for_function(f"document.querySelectorAll('[data-role=instances] tr').length >= {len(cases)}")
    shown = {int(rows.nth(i).get_attribute("data-id")) for i in range(rows.count())}
    assert set(cases) <= shown and len(shown) == rows.count()  # every case once
    assert page.get_by_role("button", name="更多案件").is_hidden()
    assert errors == []

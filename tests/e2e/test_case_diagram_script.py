"""case-diagram.js in Chromium: whenever the diagram cannot be drawn, the box says so instead of staying empty."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

SCRIPT = Path(__file__).resolve().parents[2] / "web" / "static" / "js" / "case-diagram.js"
FAILED = "流程图无法显示，请参阅上方的当前步骤和下方的办理记录。"
# The markup templates/cases/detail.html gives the script: the box, its failure text, and the marks.
BOX = f"""<div id="case-diagram" class="diagram" data-xml="/cases/1/diagram.bpmn" data-failed="{FAILED}"></div>
<script type="application/json" id="case-diagram-data">{{"completed": [], "active": [], "waiting": [], "lanes": {{}}}}
</script>"""


def test_when_the_viewer_file_did_not_load_the_box_says_so(browser):
    page = browser.new_page()
    page.set_content(BOX)
    page.add_script_tag(path=str(SCRIPT))
    expect(page.locator("#case-diagram")).to_have_text(FAILED)
    expect(page.locator("#case-diagram")).to_have_class("diagram failed")


def test_when_the_diagram_cannot_be_fetched_the_box_says_so(browser):
    page = browser.new_page()
    page.set_content(BOX)
    page.add_script_tag(content="window.BpmnJS = function () {};")  # a viewer that is never reached
    page.add_script_tag(path=str(SCRIPT))
    expect(page.locator("#case-diagram")).to_have_text(FAILED)

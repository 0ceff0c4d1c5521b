"""The case page draws the diagram with bpmn-js when it is installed, and says so in words when it is not."""

from __future__ import annotations

import pytest

from tests.web.pages.test_cases import case_at_visit
from tests.web.test_identification import forms_dir, world  # noqa: F401  (fixtures: the real process deployed)

pytestmark = pytest.mark.usefixtures("world")

VIEWER = "vendor/bpmn-js/bpmn-navigated-viewer.production.min.js"
MISSING = "流程图组件未安装"


def static_folder(app, tmp_path, with_viewer: bool):
    """A static folder of the test's own, with or without the built bpmn-js files."""
    folder = tmp_path / "static"
    (folder / "vendor" / "bpmn-js").mkdir(parents=True)
    if with_viewer:
        (folder / VIEWER).write_text("window.BpmnJS = function () {};")
    app.static_folder = str(folder)


def test_without_bpmn_js_the_page_says_the_diagram_cannot_be_drawn(app, api, pages, tmp_path):
    static_folder(app, tmp_path, with_viewer=False)
    page = pages("cun").get(f"/cases/{case_at_visit(api)}").text
    assert MISSING in page and "请联系系统管理员安装流程图组件" in page
    assert 'id="case-diagram"' not in page and VIEWER not in page
    assert "走访排查" in page  # the current step is still there in words


def test_with_bpmn_js_the_page_loads_the_viewer_into_the_diagram_box(app, api, pages, tmp_path):
    static_folder(app, tmp_path, with_viewer=True)
    page = pages("cun").get(f"/cases/{case_at_visit(api)}").text
    assert 'id="case-diagram"' in page and f"/static/{VIEWER}" in page
    assert MISSING not in page

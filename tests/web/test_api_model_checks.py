"""Through the API, a draft save answers deploy's checks as problems (never a 500) and publish refuses them: a looping
or outside ``$ref`` in a form, a form nested past the limit, a task no flow reaches (F3, F4, F5 of the attack)."""

from __future__ import annotations

import json

import pytest

from engine.json_text import MAX_JSON_DEPTH
from tests.web.test_designer_api import MODEL, put_draft, renamed, scenario

LOOP = json.dumps({"type": "object", "$defs": {"a": {"$ref": "#/$defs/a"}},
                   "properties": {"eligible": {"$ref": "#/$defs/a"}, "income": {"type": "number"}}})
DEEP = '{"type": "object", "x": ' + "[" * 50_000 + "]" * 50_000 + "}"
TOO_DEEP = f"表单不是有效的JSON: 嵌套层数过多（最多 {MAX_JSON_DEPTH} 层）"
ORPHAN = '    <bpmn:userTask id="orphan" />\n    <bpmn:userTask id="visit" name="入户核查">'


@pytest.mark.parametrize(("files", "expected"), [
    ({**MODEL, "visit.json": LOOP, "approval.tests.json": scenario("end_ineligible")},
     [("visit.json", None, "表单中的 $ref 形成循环（#/$defs/a → #/$defs/a），这样的表单无法填写")]),
    ({**MODEL, "visit.json": DEEP}, [("visit.json", None, TOO_DEEP)]),
    (renamed(MODEL, '    <bpmn:userTask id="visit" name="入户核查">', ORPHAN),
     [("approval.bpmn", "orphan", "用户任务“orphan”缺少名称: 待办列表中将只显示其标识"),
      ("approval.bpmn", "orphan", "用户任务“orphan”没有连线连接"),
      ("approval.bpmn", "orphan", "用户任务“orphan”不在任何泳道中: 请把它放进一个泳道，以确定由哪个角色办理")]),
])
def test_a_save_lists_the_problem_and_publish_refuses_it(api, files, expected):
    designer = api("sheji")
    saved = put_draft(designer, 0, files)
    assert saved.status_code == 200, saved.json
    assert [(p["file"], p["element"], p["message"]) for p in saved.json["problems"]] == expected
    refused = designer.post("/process-models/approval/publish", json={"revision": saved.json["revision"]})
    assert refused.status_code == 422, refused.json
    assert [(p["file"], p["element"], p["message"]) for p in refused.json["error"]["details"]] == expected
    assert designer.get("/process-models/approval/versions").json == []

"""A form file is checked once, by ``engine.deploy.form_problems``, for deploy and the designer's preview: JSON read
with a bounded depth, valid JSON Schema said in plain Chinese, and ``$ref``s that stay in the file and end — so a
published form can always check a submission, and a broken one already stored is a clear refusal, never a 500."""

from __future__ import annotations

import json

import pytest

from engine.deploy import form_problems
from engine.errors import InvalidData
from engine.forms import FormValidator
from engine.json_text import MAX_JSON_DEPTH, JsonTextError, load_json_limited
from engine.versions import deploy
from tests.engine.test_deploy import DESIGNER, counts, refuse, with_form

LOOP = {"type": "object", "$defs": {"a": {"$ref": "#/$defs/a"}},
        "properties": {"eligible": {"$ref": "#/$defs/a"}, "income": {"type": "number"}}}
TREE = {"type": "object", "$defs": {"node": {"type": "object", "properties": {"child": {"$ref": "#/$defs/node"}}}},
        "properties": {"root": {"$ref": "#/$defs/node"}}}


def problems_of(schema: dict | str) -> list[tuple[str, int | None, str]]:
    text = schema if isinstance(schema, str) else json.dumps(schema)
    return [(p.file, p.line, p.message) for p in form_problems("visit.json", text)]


@pytest.mark.parametrize(("schema", "message"), [
    (LOOP, "表单中的 $ref 形成循环（#/$defs/a → #/$defs/a），这样的表单无法填写"),
    (TREE, "表单中的 $ref 形成循环（#/$defs/node → #/$defs/node），这样的表单无法填写"),
    ({"type": "object", "properties": {"e": {"$ref": "http://127.0.0.1:9/x.json"}}},
     "$ref“http://127.0.0.1:9/x.json”指向本文件之外: 表单只能引用本文件中的定义（以 # 开头，例如 #/$defs/名称）"),
    ({"type": "object", "properties": {"e": {"$ref": "#/$defs/missing"}}}, "$ref“#/$defs/missing”指向的定义不存在"),
    ({"type": "object", "properties": {"e": {"$ref": "#nowhere"}}}, "$ref“#nowhere”指向的锚点不存在"),
    ({"type": "object", "properties": {"e": {"$dynamicRef": "#meta"}}},
     "表单不支持 $dynamicRef，请用 $ref 引用本文件 $defs 中的定义"),
    ({"type": "objekt"},
     "表单不是有效的JSON Schema: type 的值“objekt”不是有效的类型，"
     "应为 string、number、integer、boolean、object、array 之一"),
    ({"type": "object", "properties": {"a": {"minimum": "x"}}},
     "表单不是有效的JSON Schema: properties/a/minimum 的值“x”应为数字"),
    ({"type": "array"}, '表单的根应是对象类型（"type": "object"）'),
])
def test_a_form_whose_refs_cannot_end_or_whose_schema_is_wrong_gets_one_plain_problem(schema, message):
    assert problems_of(schema) == [("visit.json", None, message)]


def test_refs_inside_the_file_that_end_are_accepted():
    shared = {"type": "object", "$defs": {"money": {"type": "number", "minimum": 0}},
              "properties": {"income": {"$ref": "#/$defs/money"}, "spent": {"$ref": "#/$defs/money"},
                             "note": {"$ref": "#text"}, "other": {"$anchor": "text", "type": "string"}}}
    assert problems_of(shared) == []


def test_json_syntax_names_line_and_column_and_deep_nesting_is_a_problem_not_a_recursion_error():
    assert problems_of('{"type": "object",\n "title": }') == [
        ("visit.json", 2, "表单不是有效的JSON: 第 2 行第 11 列无法读取：缺少值")]
    deep = '{"type": "object", "x": ' + "[" * 50_000 + "]" * 50_000 + "}"
    assert problems_of(deep) == [("visit.json", None, f"表单不是有效的JSON: 嵌套层数过多（最多 {MAX_JSON_DEPTH} 层）")]


def test_load_json_limited_counts_depth_outside_strings_and_refuses_nan():
    assert load_json_limited('{"a": "' + "[" * 100 + '"}') == {"a": "[" * 100}
    assert load_json_limited("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH) is not None
    with pytest.raises(JsonTextError, match="嵌套层数过多"):
        load_json_limited("[" * 100_000)
    with pytest.raises(JsonTextError, match="NaN"):
        load_json_limited('{"a": NaN}')


@pytest.mark.parametrize("schema", [LOOP, {"type": "object", "properties": {"e": {"$ref": "http://127.0.0.1:9/x"}}}])
def test_deploy_refuses_such_a_form_naming_the_form_file_and_stores_nothing(engine, session, schema):
    problems = refuse(engine, session, with_form("visit.json", json.dumps(schema)))
    assert [(p.file, p.element) for p in problems] == [("visit.json", None)]
    assert "$ref" in problems[0].message
    assert counts(session) == (0, 0)


def test_a_deeply_nested_form_is_refused_at_deploy_not_a_recursion_error(engine, session):
    text = '{"type": "object", "x": ' + "[" * 50_000 + "]" * 50_000 + "}"
    problems = refuse(engine, session, with_form("visit.json", text))
    assert [(p.file, p.message) for p in problems] == [
        ("visit.json", f"表单不是有效的JSON: 嵌套层数过多（最多 {MAX_JSON_DEPTH} 层）")]


def test_a_looping_form_stored_before_the_check_refuses_a_submission_clearly():
    forms = FormValidator()
    with pytest.raises(InvalidData) as refused:
        forms.validate(forms.compile(LOOP), {"eligible": True, "income": 1})
    assert refused.value.fields == {"_form": "表单定义有误"}
    assert "请联系流程设计员" in str(refused.value)


def test_a_form_with_shared_definitions_deploys(engine, session):
    visit = {"type": "object", "$defs": {"money": {"type": "number", "minimum": 0}},
             "properties": {"eligible": {"type": "boolean"}, "income": {"$ref": "#/$defs/money"}},
             "required": ["eligible", "income"]}
    result = deploy(engine, session, with_form("visit.json", json.dumps(visit)), DESIGNER)
    assert result.version.forms["visit.json"] == visit


@pytest.mark.parametrize(("schema", "where"), [
    ({"type": "object", "properties": {"eligible": True}}, "eligible"),
    ({"type": "object", "properties": {"rows": {"type": "array", "items": False}}}, "rows[]"),
    ({"type": "object", "properties": {"who": {"type": "object", "properties": {"name": True}}}}, "who.name"),
])
def test_a_field_the_task_page_cannot_draw_is_refused_at_deploy(engine, session, schema, where):
    # valid JSON Schema, but the inbox draws each field from an object: the task page would fail to open
    problems = refuse(engine, session, with_form("visit.json", json.dumps(schema)))
    assert [(p.file, p.element) for p in problems] == [("visit.json", None)]
    assert f"字段“{where}”应是写明类型的对象" in problems[0].message
    assert counts(session) == (0, 0)

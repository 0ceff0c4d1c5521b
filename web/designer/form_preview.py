"""A form file as the designer types it, read for the live preview: the schema, or why it cannot be drawn.

The preview draws with the inbox's own renderer (``web.inbox.schema_form.build_fields``), so a task page
looks the way the preview showed it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator, SchemaError

MAX_FORM_CHARS = 200_000  # a form of every field the inbox has fits many times over
_TOO_DEEP = "嵌套层数过多"
# the json module's messages, in the words the preview shows them (their position is told apart)
_JSON_MESSAGES = {
    "Expecting property name enclosed in double quotes": "应为双引号括起的字段名（最后一项后不能有逗号）",
    "Expecting ',' delimiter": "缺少逗号",
    "Expecting ':' delimiter": "缺少冒号",
    "Expecting value": "缺少值",
    "Extra data": "结尾之后还有多余的内容",
    "Unterminated string starting at": "字符串缺少结尾的双引号",
    "Invalid control character at": "字符串中有换行或控制字符",
    "Invalid \\escape": "无效的转义字符",
}


@dataclass(frozen=True)
class ReadForm:
    schema: dict[str, Any] | None
    problem: str | None = None  # in Chinese, with the line when the text itself cannot be read
    where: str | None = None  # the schema's own words the problem is at (a path, a keyword), shown as code


def read_form(text: str) -> ReadForm:
    """``text`` as an object schema the inbox can draw; a problem says what is wrong and where."""
    if len(text) > MAX_FORM_CHARS:
        return ReadForm(None, f"表单过大（{len(text)} 字符，最多 {MAX_FORM_CHARS}）")
    try:
        schema = json.loads(text)
    except json.JSONDecodeError as exc:
        why = _JSON_MESSAGES.get(exc.msg, "格式错误")
        return ReadForm(None, f"第 {exc.lineno} 行第 {exc.colno} 列无法读取：{why}")
    except RecursionError:
        return ReadForm(None, _TOO_DEEP)
    if not isinstance(schema, dict):
        return ReadForm(None, "表单应是一个对象（以 { 开头）")
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        path = "/".join(str(part) for part in exc.absolute_path) or "/"
        return ReadForm(None, "表单定义不符合规范，出错的位置和规则：", f"{path} ({exc.validator})")
    except RecursionError:
        return ReadForm(None, _TOO_DEEP)
    if schema.get("type", "object") != "object":
        return ReadForm(None, "表单的根应是对象类型：", '"type": "object"')
    return ReadForm(schema)

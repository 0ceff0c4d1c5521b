"""Checking a form file (a JSON Schema a user task names) as a designer typed it: one rule for deploy and the preview.

A form is drawn as fields and checks what a user submits, so beyond "valid Draft 2020-12" it must be an object
schema whose ``$ref``s stay inside the file and end: a reference elsewhere cannot be resolved (nothing here fetches),
and a reference loop makes every validation recurse until ``RecursionError``, so the task could never be completed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import unquote

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match
from referencing.exceptions import Unresolvable

from engine.errors import DeployProblem
from engine.json_text import JsonTextError, load_json_limited

MAX_FORM_CHARS = 200_000  # a form of every field the inbox has fits many times over
_META = Draft202012Validator(Draft202012Validator.META_SCHEMA)
_TYPES = ("string", "number", "integer", "boolean", "object", "array", "null")
_TYPE_WORDS = {"string": "字符串", "number": "数字", "integer": "整数", "boolean": "true 或 false",
               "object": "对象（{…}）", "array": "数组（[…]）", "null": "null"}
_DATA_KEYWORDS = frozenset({"const", "enum", "default", "examples"})  # their values are data, not schemas
_UNSUPPORTED_REFS = ("$dynamicRef", "$recursiveRef")


def form_problems(name: str, text: str) -> list[DeployProblem]:
    """What keeps ``text`` from being the form ``name``, in Chinese, at ``name`` (with the line for JSON syntax)."""
    return parse_form(name, text)[1]


def parse_form(name: str, text: str) -> tuple[dict[str, Any] | None, list[DeployProblem]]:
    """The form's schema and no problems, or ``None`` and why not."""
    if len(text) > MAX_FORM_CHARS:
        return None, [DeployProblem(name, None, f"表单过大（{len(text)} 字符，最多 {MAX_FORM_CHARS}）")]
    try:
        schema = load_json_limited(text)
    except JsonTextError as exc:
        return None, [DeployProblem(name, exc.line, f"表单不是有效的JSON: {exc.message}")]
    if not isinstance(schema, dict):
        return None, [DeployProblem(name, None, "表单应是一个对象（以 { 开头）")]
    error = best_match(_META.iter_errors(schema))
    if error is not None:
        return None, [DeployProblem(name, None, f"表单不是有效的JSON Schema: {_schema_error(error)}")]
    if schema.get("type", "object") != "object":
        return None, [DeployProblem(name, None, '表单的根应是对象类型（"type": "object"）')]
    found = [*_field_problems(schema), *_reference_problems(schema)]
    problems = [DeployProblem(name, None, message) for message in found]
    if not problems:
        problems = [DeployProblem(name, None, message) for message in _trial_problems(schema)]
    return (None, problems) if problems else (schema, [])


def _schema_error(error: ValidationError) -> str:
    """The meta-schema's complaint in a designer's words: where (the keys leading to it) and what is expected."""
    path = [str(part) for part in error.absolute_path]
    where = "/".join(path) or "表单的根"
    value = _shown(error.instance)
    if "type" in path[-2:] and isinstance(error.instance, str):
        return f"{where} 的值“{value}”不是有效的类型，应为 {'、'.join(_TYPES[:-1])} 之一"
    if error.validator == "type":
        expected = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        return f"{where} 的值“{value}”应为{'或'.join(_TYPE_WORDS.get(t, t) for t in expected)}"
    if error.validator == "enum":
        return f"{where} 的值“{value}”无效，应为 {'、'.join(map(_shown, error.validator_value))} 之一"
    if error.validator == "minimum":
        return f"{where} 的值“{value}”不能小于 {error.validator_value}"
    return f"{where} 的值“{value}”不符合 JSON Schema 的规则（{error.validator}）"


def _shown(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:39] + "…"


def _field_problems(schema: dict[str, Any]) -> list[str]:
    """Fields the task page cannot draw: it draws each field (and each list's rows) from an object that says its
    type, so a field given as ``true``/``false`` (valid JSON Schema) would leave the task page unable to open."""
    problems: list[str] = []
    stack: list[tuple[str, Any]] = [("", schema)]
    while stack:
        path, node = stack.pop()
        fields = node.get("properties", {}) if isinstance(node, dict) else {}
        rows = [(f"{path}[]", node["items"])] if isinstance(node, dict) and "items" in node else []
        for where, field in [*((f"{path}.{key}" if path else key, value) for key, value in
                               (fields.items() if isinstance(fields, dict) else ())), *rows]:
            if isinstance(field, dict):
                stack.append((where, field))
            else:
                problems.append(f"字段“{where}”应是写明类型的对象（例如 {{\"type\": \"string\"}}），"
                                f"不能是 {_shown(field)}：待办页面无法显示这样的字段")
    return problems


def _reference_problems(schema: dict[str, Any]) -> list[str]:
    """References that leave the file, name nothing in it, or go round in a loop."""
    problems: list[str] = []
    targets: dict[int, list[tuple[str, Any]]] = {}  # id of a subschema → the references found inside it

    def references(node: Any) -> list[tuple[str, Any]]:
        if id(node) not in targets:
            found = []
            for key, value in _keywords(node):
                if key in _UNSUPPORTED_REFS:
                    problems.append(f"表单不支持 {key}，请用 $ref 引用本文件 $defs 中的定义")
                elif key == "$id" and node is not schema:
                    problems.append(f"表单中只有根可以有 $id（“{_shown(value)}”）")
                elif key == "$ref":
                    target = _resolve(schema, value)
                    if isinstance(target, str):
                        problems.append(target)
                    else:
                        found.append((value, target))
            targets[id(node)] = found
        return targets[id(node)]

    references(schema)
    try:
        loop = _first_loop(references, schema)
    except RecursionError:
        problems.append("表单中的 $ref 一个引用另一个，层层相连过长")
        loop = []
    if loop:
        problems.append(f"表单中的 $ref 形成循环（{' → '.join(loop)}），这样的表单无法填写")
    return list(dict.fromkeys(problems))


def _keywords(node: Any) -> Iterator[tuple[str, Any]]:
    """Every (key, value) of ``node``'s schema objects, not looking into data keywords (``enum``, ``default``…)."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, list):
            stack.extend(current)
        elif isinstance(current, dict):
            for key, value in current.items():
                if isinstance(value, str):
                    yield key, value
                elif key not in _DATA_KEYWORDS:
                    stack.append(value)


def _resolve(schema: dict[str, Any], ref: str) -> Any:
    """The subschema ``ref`` names in ``schema``, or (a ``str``) why it names none."""
    if not ref.startswith("#"):
        return f"$ref“{_shown(ref)}”指向本文件之外: 表单只能引用本文件中的定义（以 # 开头，例如 #/$defs/名称）"
    fragment = unquote(ref[1:])
    if fragment and not fragment.startswith("/"):
        anchors = [node for key, value in _keywords(schema) if key == "$anchor" and value == fragment
                   for node in [_anchored(schema, fragment)] if node is not None]
        return anchors[0] if anchors else f"$ref“{_shown(ref)}”指向的锚点不存在"
    node: Any = schema
    for part in fragment.split("/")[1:]:
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return f"$ref“{_shown(ref)}”指向的定义不存在"
    return node


def _anchored(schema: dict[str, Any], anchor: str) -> Any:
    stack: list[Any] = [schema]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            if current.get("$anchor") == anchor:
                return current
            stack.extend(v for k, v in current.items() if k not in _DATA_KEYWORDS)
        elif isinstance(current, list):
            stack.extend(current)
    return None


def _first_loop(references: Callable[[Any], list[tuple[str, Any]]], schema: dict[str, Any]) -> list[str]:
    """The references of a loop (a subschema whose references lead back to itself), or ``[]``."""
    finished: set[int] = set()

    def visit(ref: str, target: Any, trail: list[tuple[int, str]]) -> list[str]:
        on_trail = [i for i, (seen, _) in enumerate(trail) if seen == id(target)]
        if on_trail:
            return [name for _, name in trail[on_trail[0]:]] + [ref]
        if id(target) not in finished:
            for inner_ref, inner in references(target):
                if loop := visit(inner_ref, inner, [*trail, (id(target), ref)]):
                    return loop
            finished.add(id(target))
        return []

    for ref, target in references(schema):
        if loop := visit(ref, target, []):
            return loop
    return []


def _trial_problems(schema: dict[str, Any]) -> list[str]:
    """Validating an empty submission must end: what the checks above did not foresee is caught here."""
    try:
        for _ in Draft202012Validator(schema).iter_errors({}):
            pass
    except (RecursionError, Unresolvable) as exc:
        return [f"表单无法用于检查填写的内容（{type(exc).__name__}），请检查其中的 $ref"]
    return []

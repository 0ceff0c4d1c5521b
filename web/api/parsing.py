"""Reading requests: a malformed request is a 400 naming the field, before any use case runs.

Every JSON body is read here, strictly: Python's json accepts ``NaN`` and ``Infinity`` (and turns ``1e999``
into infinity), which no column can store, and recurses once per nesting level until it overflows the stack.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

from flask import current_app, g, request

from engine.deploy import SourceFile
from engine.forms import schema_reasons
from engine.limits import fits_integer
from web.api.errors import ApiError
from web.api.spec import Operation, Param, declaration

MAX_DEPTH = 64  # far beyond any form (members.0.health.0 is four levels), far below the recursion limit


class _NonFinite:
    """Stands in for a ``NaN``/``Infinity`` literal until its path is known, so the 400 can name the field."""


# NUL and lone surrogates reach a string only through ``\\u`` escapes (raw control bytes are not JSON).
_SUSPECT_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})")


def _malformed(reason: str, fields: dict[str, str] | None = None) -> ApiError:
    return ApiError(400, "bad_request", f"请求体不是有效的 JSON：{reason}", fields)


def parse_json(raw: bytes) -> Any:
    """The JSON value of ``raw``; a 400 for bad UTF-8, bad syntax, non-finite numbers or deep nesting, a 422
    naming each string that holds NUL or a lone surrogate.

    The walk that names fields runs only when a cheap test says something is wrong: most bodies cost a
    ``json.loads`` and one pass over their containers.
    """
    non_finite: list[str] = []

    def constant(literal: str) -> _NonFinite:
        non_finite.append(literal)
        return _NonFinite()

    def number(literal: str) -> float | _NonFinite:
        value = float(literal)
        return constant(literal) if math.isinf(value) else value

    try:
        value = json.loads(raw.decode("utf-8"), parse_constant=constant, parse_float=number)
    except UnicodeDecodeError:
        raise _malformed("应为 UTF-8 编码") from None
    except RecursionError:
        raise _malformed(f"嵌套超过{MAX_DEPTH}层") from None
    except ValueError:  # syntax, or an integer longer than Python converts
        raise _malformed("格式错误") from None
    if non_finite or _SUSPECT_ESCAPE.search(raw) or _deeper_than(value, MAX_DEPTH):
        _check_values(value)
    return value


def _deeper_than(value: Any, limit: int) -> bool:
    """Level by level over containers only, without recursion or paths."""
    level, depth = [value], 0
    while level:
        depth += 1
        containers = [item for item in level if isinstance(item, dict | list)]
        if containers and depth > limit:
            return True
        level = [child for item in containers for child in (item.values() if isinstance(item, dict) else item)]
    return False


def _unstorable(text: str) -> bool:
    """NUL (PostgreSQL refuses it in text) or a lone surrogate from a ``\\ud800`` escape (not encodable)."""
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _check_values(value: Any) -> None:
    """Walk without recursion: refuse nesting deeper than MAX_DEPTH, name every non-finite number and every
    string (or key) no database can store."""
    stack: list[tuple[str, int, Any]] = [("", 1, value)]
    non_finite: dict[str, str] = {}
    unstorable: dict[str, str] = {}
    while stack:
        path, depth, item = stack.pop()
        where = path or "_body"
        if isinstance(item, _NonFinite):
            non_finite[where] = "数字应为有限值，不接受 NaN 或 Infinity"
        elif isinstance(item, str) and _unstorable(item):
            unstorable[where] = "不能包含空字符 (NUL) 或无效的 Unicode 字符"
        elif isinstance(item, dict | list):
            if depth > MAX_DEPTH:
                raise _malformed(f"嵌套超过{MAX_DEPTH}层", {where: f"嵌套超过{MAX_DEPTH}层"})
            if isinstance(item, dict) and any(_unstorable(key) for key in item):
                unstorable[where] = "字段名不能包含空字符 (NUL) 或无效的 Unicode 字符"
                continue
            pairs = item.items() if isinstance(item, dict) else enumerate(item)
            stack.extend((f"{path}.{key}" if path else str(key), depth + 1, child) for key, child in pairs)
    if non_finite:  # not JSON at all
        raise _malformed("数字应为有限值", non_finite)
    if unstorable:  # JSON, but no database column can hold it
        raise ApiError(422, "invalid_data", "含有无法保存的字符", unstorable)


def json_body(optional: bool = False) -> dict[str, Any]:
    """The request's JSON object; ``optional``: an empty body reads as ``{}``."""
    raw = request.get_data(cache=True)
    if optional and not raw.strip():
        return {}
    if not request.is_json:
        raise ApiError(400, "bad_request", "请求体应为 JSON 对象 (Content-Type: application/json)")
    body = parse_json(raw)
    if not isinstance(body, dict):
        raise ApiError(400, "bad_request", "请求体应为 JSON 对象")
    _check_declared_schema(body)
    return body


def _check_declared_schema(body: dict[str, Any]) -> None:
    """The body against the schema its route declares (``web.api.spec``, the one the OpenAPI document shows): a 400
    naming each field of the wrong type or missing; the domain's rules on the values come after, in the use case."""
    declared = declaration(current_app.view_functions.get(request.endpoint or ""))
    if declared is None or declared.body_validator is None:
        return
    fields = schema_reasons(declared.body_validator, body)
    if fields:
        named = "；".join(f"{name} {reason}" for name, reason in fields.items())
        raise ApiError(400, "bad_request", f"请求体字段有误：{named}", fields)


def field(body: dict[str, Any], name: str, kind: type, required: bool = True) -> Any:
    """``body[name]`` if it has type ``kind`` (a bool is not an int); None when optional and absent.

    An integer must fit the Integer columns it is meant for (ids, years, positions): 422 otherwise.
    """
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise ApiError(400, "bad_request", f"字段 {name} 缺失或类型错误", {name: "缺失或类型错误"})
    if kind is int and not fits_integer(value):
        raise ApiError(422, "invalid_data", f"字段 {name} 超出范围", {name: "数值超出范围"})
    return value


class UndeclaredQuery(LookupError):
    """A handler read a query parameter its route does not declare: the document would not show it, nor would
    ``read_query`` have checked it."""


_INTEGER_TEXT = re.compile(r"-?[0-9]+")


def read_query(declared: Operation, args: Mapping[str, str]) -> dict[str, Any]:
    """The route's declared query parameters that ``args`` gives, typed (an integer's text as an int); a 400 naming
    each one that is missing, of the wrong type, out of its bounds or not one of its values. An empty value reads as
    absent, as before (``?format=`` is JSON); parameters the route does not declare are ignored."""
    values = {param.name: _typed(param, args[param.name]) for param in declared.parameters if args.get(param.name)}
    missing = {param.name: "缺失" for param in declared.parameters if param.required and param.name not in values}
    fields = {**(schema_reasons(declared.query_validator, values) if values else {}),
              **missing}  # of an empty query the schema could only say what ``missing`` says
    if fields:
        meaning = {param.name: param.description for param in declared.parameters}
        named = "；".join(f"{name}（{meaning.get(name, name)}）{reason}" for name, reason in fields.items())
        raise ApiError(400, "bad_request", f"查询参数有误：{named}", fields)
    return values


def _typed(param: Param, text: str) -> Any:
    """The int an integer's text stands for (when the parameter takes one), else the text, for the schema to judge."""
    if param.integer and _INTEGER_TEXT.fullmatch(text):
        try:
            return int(text)
        except ValueError:  # more digits than Python converts: no row has such a number either
            return text
    return text


def check_query() -> None:
    """Before each route of ``/api/v1`` runs: its declared query parameters, checked once (``query()`` reads them)."""
    declared = declaration(current_app.view_functions.get(request.endpoint or ""))
    if declared is not None:
        g.api_query = (frozenset(p.name for p in declared.parameters), read_query(declared, request.args))


def query(name: str, default: Any = None) -> Any:
    """The checked value of the route's declared query parameter ``name``; ``default`` when the request left it out."""
    declared, values = g.api_query
    if name not in declared:
        raise UndeclaredQuery(f"{request.endpoint} reads ?{name}, which its @operation does not declare")
    return values.get(name, default)


def query_values() -> Mapping[str, Any]:
    """Every declared query parameter the request gives, checked (for functions shared with the pages that read a
    mapping of them)."""
    return g.api_query[1]


def uploaded_model() -> tuple[list[SourceFile], str | None]:
    """The files of a deploy-shaped body (one BPMN XML document, or multipart ``file`` parts: BPMN, DMN, forms, a
    tests file) and the ``main`` process named by the query or a form field; 400 for any other body."""
    if request.files:
        files = [SourceFile(f.filename or "upload.bpmn", f.read()) for f in request.files.getlist("file")]
    elif request.mimetype in ("application/xml", "text/xml"):
        files = [SourceFile(query("filename", "upload.bpmn"), request.get_data())]
    else:
        raise ApiError(400, "bad_request", "请上传 BPMN XML (application/xml) 或 multipart 的 file 部分")
    main = (query("main") or request.form.get("main") or "").strip() or None
    return files, main

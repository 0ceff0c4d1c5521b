"""Reading request bodies: a malformed request is a 400 naming the field, before any use case runs."""

from __future__ import annotations

from typing import Any

from flask import request

from web.api.errors import ApiError


def json_body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "bad_request", "请求体应为 JSON 对象")
    return body


def field(body: dict[str, Any], name: str, kind: type, required: bool = True) -> Any:
    """``body[name]`` if it has type ``kind`` (a bool is not an int); None when optional and absent."""
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise ApiError(400, "bad_request", f"字段 {name} 缺失或类型错误", {name: "缺失或类型错误"})
    return value

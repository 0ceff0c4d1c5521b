"""Mapping engine and request errors to api.md's error body."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from engine.errors import (
    Conflict,
    DeployError,
    DeployProblem,
    EngineError,
    Forbidden,
    InvalidData,
    NotDeployed,
    NotFound,
)

_STATUS = {NotFound: 404, Forbidden: 403, Conflict: 409, InvalidData: 422, DeployError: 422}


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, fields


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, **{k: v for k, v in extra.items() if v is not None}}}


def problem_body(problem: DeployProblem) -> dict[str, Any]:
    """One problem of a process model as the API shows it: the file, the element an editor marks, the line."""
    return {"file": problem.file, "element": problem.element, "line": problem.line, "message": problem.message}


def told_reason(exc: EngineError) -> str | None:
    """What the user is told about a refusal; None for what is not found, which never says whether it exists."""
    if isinstance(exc, NotFound) and not isinstance(exc, NotDeployed):
        return None
    return str(exc)


# What an HTTP error raised by the framework (no such address, a method it does not take, a body too large…) tells
# the caller; werkzeug's own descriptions are English, and no route of ours raises one with a text of its own.
HTTP_MESSAGES = {
    400: "请求无效：内容不完整或格式不对",
    401: "未登录或登录已过期",
    403: "无权进行此操作",
    404: "未找到或无权查看",
    406: "无法按请求的格式答复",
    408: "请求超时，请重试",
    409: "操作冲突，请刷新后再试",
    411: "请求须注明内容长度 (Content-Length)",
    414: "请求地址过长",
    415: "不支持此内容类型",
    422: "提交的数据有误",
    429: "请求过于频繁，请稍后再试",
    431: "请求头过大",
    500: "系统错误",
    501: "不支持此请求",
    503: "服务暂不可用，请稍后再试",
}


def http_message(exc: HTTPException) -> str:
    """The Chinese message of an HTTP error, saying what was wrong where the error knows it (the methods an address
    takes, the largest body accepted)."""
    status = exc.code or 500
    if isinstance(exc, MethodNotAllowed):
        allowed = "、".join(sorted(set(exc.valid_methods or ()) - {"HEAD", "OPTIONS"}))
        return "此地址不接受该请求方式" + (f"（可用：{allowed}）" if allowed else "")
    if status == 413:
        limit = current_app.config.get("MAX_CONTENT_LENGTH")
        return "提交的内容过大" + (f"，上限为 {_size(limit)}" if limit else "")
    if status in HTTP_MESSAGES:
        return HTTP_MESSAGES[status]
    return f"请求无法处理 (HTTP {status})" if status < 500 else HTTP_MESSAGES[500]


def _size(octets: int) -> str:
    for unit, factor in (("MB", 1024 * 1024), ("KB", 1024)):
        if octets >= factor:
            return f"{octets // factor} {unit}"
    return f"{octets} 字节"


def http_error(exc: HTTPException) -> tuple[dict[str, Any], int, dict[str, str]]:
    """api.md's error body of an HTTP error, in Chinese, with the headers it needs (``Allow`` of a 405)."""
    headers = {name: value for name, value in exc.get_headers() if name.lower() != "content-type"}
    return error_body(exc.name.lower().replace(" ", "_"), http_message(exc)), exc.code or 500, headers


def register(blueprint: Blueprint) -> None:
    @blueprint.errorhandler(ApiError)
    def _api_error(exc: ApiError):
        return jsonify(error_body(exc.code, exc.message, fields=exc.fields)), exc.status

    @blueprint.errorhandler(EngineError)
    def _engine_error(exc: EngineError):
        status = next((s for cls, s in _STATUS.items() if isinstance(exc, cls)), 500)
        reason = told_reason(exc)
        message = "未找到或无权查看" if reason is None else reason
        extra: dict[str, Any] = {}
        if isinstance(exc, InvalidData):
            extra["fields"] = exc.fields
        if isinstance(exc, DeployError):
            extra["details"] = [problem_body(p) for p in exc.problems]
        return jsonify(error_body(exc.code, message, **extra)), status

    @blueprint.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        return http_error(exc)

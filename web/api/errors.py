"""Mapping engine and request errors to api.md's error body."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify
from werkzeug.exceptions import HTTPException

from engine.errors import Conflict, DeployError, EngineError, Forbidden, InvalidData, NotDeployed, NotFound

_STATUS = {NotFound: 404, Forbidden: 403, Conflict: 409, InvalidData: 422, DeployError: 422}


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, fields


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, **{k: v for k, v in extra.items() if v is not None}}}


def told_reason(exc: EngineError) -> str | None:
    """What the user is told about a refusal; None for what is not found, which never says whether it exists."""
    if isinstance(exc, NotFound) and not isinstance(exc, NotDeployed):
        return None
    return str(exc)


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
            extra["details"] = [{"file": p.file, "line": p.line, "message": p.message} for p in exc.problems]
        return jsonify(error_body(exc.code, message, **extra)), status

    @blueprint.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        return jsonify(error_body(exc.name.lower().replace(" ", "_"), exc.description or exc.name)), exc.code

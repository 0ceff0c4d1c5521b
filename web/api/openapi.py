"""``GET /api/v1/openapi.json``: the OpenAPI 3.1 document of every route of the ``api`` blueprint, generated from
Flask's URL map and each route's declaration (``web.api.spec``). Public, like the contract it is: it names routes and
shapes, never data."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, current_app, jsonify
from werkzeug.routing import IntegerConverter, Rule

from web.api import schemas
from web.api.blueprint import api
from web.api.errors import HTTP_MESSAGES
from web.api.spec import Operation, Param, Schema, declaration, operation

OPENAPI_VERSION = "3.1.0"
IGNORED_METHODS = {"HEAD", "OPTIONS"}
_PATH_ARGUMENT = re.compile(r"<(?:(?P<converter>[^:<>]+):)?(?P<name>\w+)>")

# Each route module's section of the document.
TAGS = {
    "web.api.blueprint": "流程与任务",
    "web.api.openapi": "接口文档",
    "web.api.designer_routes": "流程设计",
    "web.api.migration_routes": "流程设计",
    "web.api.monitoring_routes": "农户与监测",
    "web.api.status_routes": "农户与监测",
    "web.api.change_routes": "人口自然变更",
    "web.api.measure_routes": "帮扶措施",
    "web.api.marking_window_routes": "风险消除",
    "web.api.campaign_routes": "年度动态管理",
    "web.api.campaign_report_routes": "年度动态管理",
    "web.api.event_routes": "重大事项",
    "web.api.report_routes": "统计报表",
}

STATUS_WORDS = {200: "成功", 201: "已创建", 204: "已删除", 413: "提交的内容过大", **HTTP_MESSAGES}
PAGE_HEADERS = {
    "Link": {"description": '下一页：<…?after=游标>; rel="next"（最后一页没有）', "schema": {"type": "string"}},
    "X-Total-Count": {"description": "符合条件的总条数", "schema": {"type": "string", "pattern": "^[0-9]+$"}},
}


class UndeclaredRoute(LookupError):
    """A route of ``/api/v1`` without ``@operation``: the document would silently leave it out."""


def api_rules(app: Flask) -> list[Rule]:
    return sorted((r for r in app.url_map.iter_rules() if r.endpoint.startswith(f"{api.name}.")),
                  key=lambda r: (r.rule, r.endpoint))


def document(app: Flask) -> dict[str, Any]:
    """The whole document; ``UndeclaredRoute`` names every route that has no declaration."""
    missing = [f"{sorted(r.methods - IGNORED_METHODS)} {r.rule}" for r in api_rules(app)
               if declaration(app.view_functions[r.endpoint]) is None]
    if missing:
        raise UndeclaredRoute("routes without @operation: " + ", ".join(missing))
    paths: dict[str, dict[str, Any]] = {}
    for rule in api_rules(app):
        declared = declaration(app.view_functions[rule.endpoint])
        path, parameters = _path(app, rule)
        for method in sorted(rule.methods - IGNORED_METHODS):
            module = app.view_functions[rule.endpoint].__module__
            paths.setdefault(path, {})[method.lower()] = _operation(rule.endpoint, module, declared, parameters)
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": "防贫 Fangpin API", "version": "1",
                 "description": "防止返贫动态监测和帮扶工作流系统的 JSON 接口。先以 POST /api/v1/auth/token 取得令牌，"
                                "其余请求带 Authorization: Bearer <令牌>。错误一律为 "
                                '{"error":{"code","message","fields"}}；无权查看的资源与不存在的一样答 404。'},
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "tags": [{"name": name} for name in dict.fromkeys(TAGS.values())],
        "paths": paths,
        "components": {"schemas": dict(schemas.COMPONENTS),
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                                      "description": "POST /api/v1/auth/token 取得的令牌"}}},
        "security": [{"bearer": []}],
    }


def _path(app: Flask, rule: Rule) -> tuple[str, list[dict[str, Any]]]:
    """The rule's path in OpenAPI's ``{name}`` form and its path parameters, typed by their Flask converters."""
    parameters = []
    for match in _PATH_ARGUMENT.finditer(rule.rule):
        converter = app.url_map.converters[match["converter"] or "default"](app.url_map)
        parameters.append({"name": match["name"], "in": "path", "required": True,
                           "schema": _converter_schema(converter)})
    return _PATH_ARGUMENT.sub(lambda m: "{" + m["name"] + "}", rule.rule), parameters


def _converter_schema(converter: Any) -> Schema:
    if isinstance(converter, IntegerConverter):
        bounds = {"minimum": converter.min if converter.min is not None else 0}
        return {"type": "integer", **bounds, **({"maximum": converter.max} if converter.max is not None else {})}
    return {"type": "string", "pattern": "^[^/]+$"}


def _operation(endpoint: str, module: str, declared: Operation, path_parameters: list[dict[str, Any]]
               ) -> dict[str, Any]:
    found: dict[str, Any] = {
        "operationId": endpoint.removeprefix(f"{api.name}."), "summary": declared.summary,
        "tags": [TAGS.get(module, module.rsplit(".", 1)[-1])],
        "parameters": [*path_parameters, *(_query_parameter(p) for p in declared.parameters)],
        "responses": _responses(declared, bool(path_parameters)),
    }
    if declared.public:
        found["security"] = []
    body = _request_body(declared)
    if body:
        found["requestBody"] = body
    return found


def _query_parameter(param: Param) -> dict[str, Any]:
    """An optional parameter's empty value reads as leaving it out (``read_query``), which ``allowEmptyValue`` says."""
    found = {"name": param.name, "in": "query", "required": param.required, "description": param.description,
             "schema": dict(param.schema)}
    return found if param.required else {**found, "allowEmptyValue": True}


def _request_body(declared: Operation) -> dict[str, Any] | None:
    content: dict[str, Any] = {}
    if declared.body is not None:
        content["application/json"] = {"schema": dict(declared.body)}
    if declared.upload is not None:
        content["multipart/form-data"] = {"schema": dict(declared.upload)}
    if declared.xml_upload:
        content["application/xml"] = {"schema": {"type": "string", "description": "一个 BPMN XML 文档"}}
    return {"required": declared.body_required, "content": content} if content else None


def _responses(declared: Operation, has_path_parameters: bool) -> dict[str, Any]:
    """Its answers, then every error it can give: 400 (a malformed request, a NUL anywhere), 401 without a token, 404
    for a path naming nothing visible, 413 and 422 (text no database stores) for a body, and its own rules' refusals."""
    answers: dict[str, Any] = {}
    for status, schema in declared.answers.items():
        content = {"application/json": {"schema": dict(schema)}} if schema else {}
        if declared.files and status == min(declared.answers):
            content.update({media: {"schema": {"type": "string", "contentMediaType": media}}
                            for media in declared.files.media_types})
        answer: dict[str, Any] = {"description": STATUS_WORDS.get(status, str(status))}
        if content:
            answer["content"] = content
        if declared.paged:
            answer["headers"] = PAGE_HEADERS
        answers[str(status)] = answer
    has_body = declared.body is not None or declared.upload is not None or declared.xml_upload
    errors = {400, *declared.refusals}
    errors |= {401} if not declared.public else set()
    errors |= {404} if has_path_parameters else set()
    errors |= {413, 422} if has_body else set()
    for status in sorted(errors):
        answers[str(status)] = {"description": STATUS_WORDS.get(status, str(status)),
                                "content": {"application/json": {"schema": schemas.ERROR}}}
    return answers


@api.get("/openapi.json")
@operation("本接口的 OpenAPI 3.1 文档（由代码生成）", {200: {"type": "object"}}, public=True)
def openapi_document():
    """Built once per application: routes and declarations do not change while it runs."""
    cached = current_app.extensions.get("fangpin_openapi")
    if cached is None:
        cached = current_app.extensions["fangpin_openapi"] = document(current_app)
    return jsonify(cached)

"""``GET /api/v1/openapi.json`` (api.md "Installing"): a valid OpenAPI 3.1 document generated from the routes, each
route's body checked by the very schema the document shows, and live answers matching the declared shapes."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from web.api.openapi import IGNORED_METHODS, UndeclaredRoute, api_rules, document
from web.app import create_app


def _openapi_path(rule: str) -> str:
    """``/api/v1/tasks/<task_id>`` → ``/api/v1/tasks/{task_id}``, as Flask's converters are written."""
    parts = [part.split(":")[-1].strip("<>") for part in rule.split("/")]
    return "/".join("{" + p + "}" if "<" in s else p for p, s in zip(parts, rule.split("/"), strict=True))


def _schema_checker(spec: dict, schema: dict) -> Draft202012Validator:
    """A checker of ``schema`` that resolves the document's ``#/components/schemas/…`` references (carried along at
    the same place in the schema's own root)."""
    return Draft202012Validator({**schema, "components": spec["components"]})


def test_the_document_is_public_valid_openapi_3_1_and_lists_every_route_with_its_methods(app, api):
    answer = api().get("/openapi.json")  # no token: the contract is public

    assert answer.status_code == 200
    spec = answer.json
    assert spec["openapi"].startswith("3.1")
    validate(spec)
    for rule in api_rules(app):
        methods = {m.lower() for m in rule.methods - IGNORED_METHODS}
        assert methods <= set(spec["paths"][_openapi_path(rule.rule)]), rule.rule
    assert len(list(api_rules(app))) > 60


def test_path_parameters_are_typed_by_their_converters_and_paged_lists_declare_their_headers(api):
    spec = api().get("/openapi.json").json

    instance = spec["paths"]["/api/v1/instances/{instance_id}"]["get"]
    assert instance["parameters"][0] == {"name": "instance_id", "in": "path", "required": True,
                                         "schema": {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}}
    task = spec["paths"]["/api/v1/tasks/{task_id}"]["get"]
    assert task["parameters"][0]["schema"]["type"] == "string"
    inbox = spec["paths"]["/api/v1/tasks"]["get"]
    assert {p["name"] for p in inbox["parameters"]} == {"after", "limit", "order"}
    assert set(inbox["responses"]["200"]["headers"]) == {"Link", "X-Total-Count"}
    assert inbox["responses"]["401"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    token = spec["paths"]["/api/v1/auth/token"]["post"]
    assert token["security"] == [] and token["responses"]["401"]["description"] == "未登录或登录已过期"
    assert spec["security"] == [{"bearer": []}]
    deploy = spec["paths"]["/api/v1/process-models"]["post"]["requestBody"]["content"]
    assert set(deploy) == {"multipart/form-data", "application/xml"}


def test_a_route_without_a_declaration_fails_the_document(tmp_path, monkeypatch):
    monkeypatch.setenv("FANGPIN_INSTANCE_DIR", str(tmp_path / "instance"))
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'f.db'}",
                      "SECRET_KEY": "test-secret"})
    app.add_url_rule("/api/v1/undeclared", endpoint="api.undeclared", view_func=lambda: "")

    with pytest.raises(UndeclaredRoute, match="/api/v1/undeclared"):
        document(app)


def test_a_body_of_the_wrong_shape_is_a_400_naming_each_field_by_the_declared_schema(api, deployed):
    county = api("cun")
    spec = county.get("/openapi.json").json
    declared = spec["paths"]["/api/v1/instances"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert declared["required"] == ["process"]
    assert declared["properties"]["household_id"] == {"type": ["integer", "null"]}

    missing = county.post("/instances", json={"data": {}})
    wrong = county.post("/instances", json={"process": "approval", "place": "150223100201", "household_id": "7",
                                            "data": []})

    assert missing.status_code == 400 and missing.json["error"]["fields"] == {"process": "必填"}
    assert "process" in missing.json["error"]["message"]
    assert wrong.status_code == 400
    assert wrong.json["error"]["fields"] == {"household_id": "应为整数或空值", "data": "应为对象或空值"}
    assert county.get("/instances").json == []  # nothing started


def test_nested_items_are_named_by_their_path(api):
    answer = api("cun").post("/tasks/complete", json={"task_ids": ["a", 2], "data": {}})

    assert answer.status_code == 400 and answer.json["error"]["fields"] == {"task_ids.1": "应为文本"}


def test_an_optional_body_may_be_empty_but_not_of_the_wrong_shape(api, deployed):
    county = api("qi")
    case = api("cun").post("/instances", json={"process": "approval", "place": "150223100201", "data": {}}).json

    wrong = county.post(f"/instances/{case['id']}/cancel", json={"reason": 5})

    assert wrong.status_code == 400 and wrong.json["error"]["fields"] == {"reason": "应为文本或空值"}
    assert county.get(f"/instances/{case['id']}").json["status"] == "running"


def test_live_answers_match_the_declared_response_schemas(api, deployed):
    county, village = api("qi"), api("cun")
    spec = county.get("/openapi.json").json
    case = village.post("/instances", json={"process": "approval", "place": "150223100201", "data": {}})
    assert case.status_code == 201
    inbox = village.get("/tasks")
    instance = county.get(f"/instances/{case.json['id']}")
    models = county.get("/process-models")

    for path, method, status, answer in (("/api/v1/instances", "post", "201", case),
                                         ("/api/v1/tasks", "get", "200", inbox),
                                         ("/api/v1/instances/{instance_id}", "get", "200", instance),
                                         ("/api/v1/process-models", "get", "200", models)):
        schema = spec["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]
        errors = list(_schema_checker(spec, schema).iter_errors(answer.json))
        assert not errors, (path, [e.message for e in errors])
    assert inbox.json and inbox.headers["X-Total-Count"] == str(len(inbox.json))


"""Query parameters are checked by their declarations (``web.api.spec.Param``, issue 14): one place reads and checks a
route's declared parameters before its handler runs, answering a 400 naming each bad one in Chinese as a body's fields
are named; handlers read only the checked values, and a handler reading a parameter its route does not declare is
caught here, from the source, before any request."""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from engine.limits import INTEGER_MAX, INTEGER_MIN
from web.api.openapi import api_rules
from web.api.parsing import UndeclaredQuery, query
from web.api.spec import declaration, operation

API_DIR = Path(inspect.getfile(query)).parent


def _refused(answer, *names: str) -> dict[str, str]:
    assert answer.status_code == 400, answer.json
    fields = answer.json["error"]["fields"]
    assert set(fields) == set(names), fields
    assert all(name in answer.json["error"]["message"] for name in names)
    return fields


def test_a_query_value_off_its_declaration_is_a_400_naming_it(api, deployed):
    village = api("cun")

    assert _refused(village.get("/tasks?limit=abc"), "limit") == {"limit": "应为整数"}
    assert _refused(village.get("/tasks?limit=0"), "limit") == {"limit": "不能小于1"}
    assert _refused(village.get("/tasks?limit=201"), "limit") == {"limit": "不能大于200"}
    assert _refused(village.get("/tasks?limit=1.5&order=sideways"), "limit", "order")["order"].startswith("应为")
    _refused(village.get("/instances?status=finished"), "status")
    _refused(village.get("/measures?status=bogus"), "status")
    _refused(village.get(f"/process-models/approval?version={INTEGER_MAX + 1}"), "version")
    _refused(village.get("/reports/bulletin?format=docx"), "format")


def test_required_parameters_are_named_when_missing_and_unions_accept_either_kind(api, deployed):
    designer = api("sheji")

    missing = designer.get("/process-models/approval/diff?to=draft")
    assert _refused(missing, "from") == {"from": "缺失"}
    assert "对比的起始版本" in missing.json["error"]["message"]
    _refused(designer.get("/process-models/approval/diff?from=1&to=latest"), "to")
    assert designer.get("/process-models/approval/diff?from=1&to=1").status_code == 200
    assert designer.get("/process-models/approval/diff?from=1&to=draft").status_code == 200


def test_a_refused_query_changes_nothing(api, deployed):
    designer = api("sheji")
    files = designer.get("/process-models/approval/draft").json["files"]
    saved = designer.client.put("/api/v1/process-models/approval/draft", headers=designer.headers,
                                json={"revision": 0, "files": files})
    assert saved.status_code == 200, saved.json

    refused = designer.client.delete("/api/v1/process-models/approval/draft?revision=first", headers=designer.headers)

    _refused(refused, "revision")
    assert designer.get("/process-models/approval/draft").json["revision"] == saved.json["revision"]


def test_an_empty_value_reads_as_left_out_and_the_next_page_keeps_the_declared_ones(api, deployed):
    village = api("cun")
    for _ in range(3):
        assert village.post("/instances", json={"process": "approval", "place": "150223100201", "data": {}}
                            ).status_code == 201

    first = village.get("/tasks?limit=2&order=newest&format=ignored&after=")

    assert first.status_code == 200 and len(first.json) == 2
    link = first.headers["Link"]
    assert "order=newest" in link and "limit=2" in link and "format" not in link  # undeclared: not carried on
    rest = village.get(link[link.index("/tasks"):link.index(">")])
    assert [t["id"] for t in rest.json] == [village.get("/tasks?order=newest&limit=").json[2]["id"]]


def test_a_handler_reading_an_undeclared_parameter_fails_loudly(app):
    @operation("probe", {200: {}})
    def probe():
        return {"found": query("undeclared")}

    app.add_url_rule("/api/v1/probe-query", endpoint="api.probe_query", view_func=probe)
    app.config["PROPAGATE_EXCEPTIONS"] = True

    with pytest.raises(UndeclaredQuery, match="undeclared"):
        app.test_client().get("/api/v1/probe-query?undeclared=1")


def _integer_schemas(schema: Any) -> Iterator[dict[str, Any]]:
    for branch in schema.get("anyOf", [schema]):
        if branch.get("type") == "integer":
            yield branch


def test_every_integer_parameter_is_bounded_inside_what_a_column_holds(app):
    for rule in api_rules(app):
        for param in declaration(app.view_functions[rule.endpoint]).parameters:
            for schema in _integer_schemas(param.schema):
                assert INTEGER_MIN <= schema["minimum"] <= schema["maximum"] <= INTEGER_MAX, (rule.rule, param.name)


# --- build time: what each handler reads, from its source -------------------------------------------------------------

def _called(function: Callable[..., Any], node: ast.AST) -> Any:
    """The object a call's name stands for in ``function``'s module (``query``, ``paging.window``), or None."""
    names: list[str] = []
    while isinstance(node, ast.Attribute):
        names.insert(0, node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    found = function.__globals__.get(node.id)
    for name in names:  # through modules only (``request.form.get`` is a proxy outside a request)
        found = getattr(found, name, None) if isinstance(found, ModuleType) else None
    return found


def _reads(function: Callable[..., Any], seen: set[Any]) -> set[str]:
    """The query parameters ``function`` reads through ``query("name")``, and through the functions of ``web.api``
    it calls (``paging.window()`` reads ``after`` and ``limit``)."""
    function = inspect.unwrap(function)
    if function in seen:
        return set()
    seen.add(function)
    names: set[str] = set()
    for node in ast.walk(ast.parse(textwrap.dedent(inspect.getsource(function)))):
        if not isinstance(node, ast.Call):
            continue
        target = _called(function, node.func)
        if target is query:
            assert isinstance(node.args[0], ast.Constant), f"{function.__qualname__} reads a query name it computes"
            names.add(node.args[0].value)
        elif inspect.isfunction(target) and target.__module__.startswith("web.api."):
            names |= _reads(target, seen)
    return names


def test_every_parameter_a_handler_reads_is_declared_on_its_route(app):
    checked = 0
    for rule in api_rules(app):
        view = app.view_functions[rule.endpoint]
        declared = {param.name for param in declaration(view).parameters}
        read = _reads(view, set())
        assert read <= declared, f"{rule.rule} reads {sorted(read - declared)} without declaring them"
        checked += bool(read)
    assert checked > 20  # the walk does find the reads (paged lists, formats, versions)


def _modules() -> Iterator[tuple[str, str]]:
    for path in sorted(API_DIR.glob("*.py")):
        yield path.name, path.read_text(encoding="utf-8")


def test_no_handler_reads_the_raw_query_string(app):
    """Only ``read_query`` sees ``request.args``: a value read around it would not be checked by its declaration."""
    readers = [name for name, source in _modules() if "request.args" in source]

    assert readers == ["parsing.py"]
    assert inspect.getsource(inspect.getmodule(query)).count("request.args") == 1

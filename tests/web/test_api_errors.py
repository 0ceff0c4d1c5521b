"""Every HTTP error answers in Chinese (R1 #13): the API in api.md's body ``{"error": {"code", "message"}}`` whatever
raised it (the router's 404 and 405, werkzeug's 413 for a body too large, a body that is no JSON), the pages with
their Chinese error page. Werkzeug's English descriptions never reach anyone."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from tests.conftest import CST, FIXTURES
from tests.engine.steps import VILLAGE
from tests.web.pages.conftest import PageClient

CHINESE = re.compile(r"[\u4e00-\u9fff]")
ENGLISH_SENTENCE = re.compile(r"[A-Za-z]{3,} [A-Za-z]{3,}")  # "The requested URL", "exceeds the capacity"


def assert_chinese_error(response, status: int, code: str, *words: str) -> None:
    assert response.status_code == status, response.data[:300]
    assert set(response.json) == {"error"} and set(response.json["error"]) == {"code", "message"}
    message = response.json["error"]["message"]
    assert response.json["error"]["code"] == code
    assert CHINESE.search(message) and not ENGLISH_SENTENCE.search(message), message
    for word in words:
        assert word in message, message


@pytest.mark.parametrize("url", ["/no-such-thing", "/campaigns/abc", "/tasks/x/y/z"])
def test_an_unknown_address_is_a_chinese_404(api, url):
    assert_chinese_error(api("qi").get(url), 404, "not_found", "未找到")
    assert_chinese_error(api().get(url), 404, "not_found", "未找到")  # found no route before any login is asked


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_id_no_row_can_have_is_a_404_whatever_the_method(api, method):
    """``/households/{id}/measures`` takes GET and POST: an id past the Integer columns matches neither (not a 405)."""
    county = api("qi")

    for household_id in ("2147483648", "9999999999", "533640614917"):
        response = getattr(county.client, method)(f"/api/v1/households/{household_id}/measures", headers=county.headers)
        assert_chinese_error(response, 404, "not_found", "未找到")
    assert county.get("/households/2147483647/measures").status_code == 404  # the largest id a row can have: none


def test_a_method_an_address_does_not_take_is_a_chinese_405_naming_those_it_does(api):
    response = api("qi").client.delete("/api/v1/tasks", headers=api("qi").headers)

    assert_chinese_error(response, 405, "method_not_allowed", "不接受", "GET")
    assert "GET" in response.headers["Allow"]


def test_a_body_larger_than_the_limit_is_a_chinese_413_naming_the_limit(app, api):
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    county = api("qi")

    response = county.post("/instances", data=b"{" + b" " * (65 * 1024) + b"}",
                           content_type="application/json")

    assert_chinese_error(response, 413, "request_entity_too_large", "过大", "64 KB")


def test_a_body_that_is_no_json_is_a_chinese_400(api):
    response = api("qi").post("/instances", data=b'{"process": ', content_type="application/json")

    assert response.status_code == 400 and response.json["error"]["code"] == "bad_request"
    assert "不是有效的 JSON" in response.json["error"]["message"]


def test_no_token_is_a_chinese_401(api):
    assert_chinese_error(api().get("/tasks"), 401, "unauthorized", "未登录")


def test_a_task_withdrawn_at_its_deadline_as_it_is_submitted_is_a_409_saying_so(api, clock):
    designer = api("sheji")
    assert designer.deploy(FIXTURES / "processes" / "deadline.bpmn").status_code == 201
    clock.set(datetime(2026, 2, 12, 9, 0, tzinfo=CST))
    village = api("cun")
    case = village.post("/instances", json={"process": "deadline", "place": VILLAGE,
                                            "data": {"applied_on": "2026-02-12"}}).json
    task = village.task(case["id"], "verify")
    clock.set(datetime(2026, 2, 27, 8, 0, tzinfo=CST))  # its deadline passed at midnight; no sweep since

    response = village.post(f"/tasks/{task['id']}/complete", json={"data": {"verified": True}})

    assert_chinese_error(response, 409, "task_withdrawn", "办理期限", "5个工作日期满", "流程已将其撤销")


@pytest.mark.parametrize(("method", "url", "status", "title"), [
    ("get", "/no-such-page", 404, "未找到"),
    ("delete", "/tasks/", 405, "请求方式错误"),
    ("post", "/tasks/x", 413, "内容过大"),
])
def test_the_pages_answer_http_errors_with_a_chinese_page(app, actors, method, url, status, title):
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    county = PageClient(app, "qi")
    body = {"data": b"x" * (65 * 1024)} if status == 413 else {}

    response = getattr(county.client, method)(url, **body)

    assert response.status_code == status
    shown = re.sub(r"<[^>]+>", " ", response.text)
    assert title in shown and not ENGLISH_SENTENCE.search(shown), shown

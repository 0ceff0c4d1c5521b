"""流程设计 pages: the list of models, who may open them (404 to other roles, admins read only), a new model's first
draft, the editor page's data, and the live form preview drawn by the inbox's renderer."""

from __future__ import annotations

import json
import re

import pytest

from engine import versions
from monitoring.id_number import check_digit
from tests.conftest import FIXTURES, shipped_files
from web.designer.form_preview import MAX_FORM_CHARS

ROOT = FIXTURES.parents[1]  # the repository: its shipped processes/ and forms/
DATA = re.compile(r'<script type="application/json" id="designer-data">(.*?)</script>', re.S)
VISIT_FORM = {"title": "走访", "type": "object", "required": ["visitors"], "properties": {
    "visitors": {"type": "string", "title": "走访人员", "maxLength": 50},
    "income": {"type": "number", "title": "家庭年收入", "minimum": 0},
    "visited_on": {"type": "string", "format": "date", "title": "走访日期"},
    "agreed": {"type": "boolean", "title": "同意授权"},
}}


def preview(client, schema_text: str, token: str | None = None):
    headers = {"X-CSRFToken": client.token if token is None else token}
    with client.app.app_context():
        return client.client.post("/designer/identification/form-preview", json={"schema": schema_text},
                                  headers=headers)


@pytest.fixture
def shipped(engine, session, actors):
    """The shipped identification model with its forms and process tests, as ``db upgrade`` deploys it."""
    versions.deploy(engine, session, shipped_files("identification"), actors["designer"])
    session.commit()


@pytest.fixture
def designer(pages, shipped):
    client = pages("sheji")
    client.get("/designer/")  # the CSRF token of a page
    return client


def test_the_list_shows_each_model_its_latest_version_its_draft_and_its_running_cases(designer, api):
    page = designer.get("/designer/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "识别监测对象" in text and "第 1 版" in text and "新建流程" in text
    row = text[text.index("识别监测对象"):]
    assert re.search(r'data-label="草稿"><span class="muted">无', row)
    draft = api("sheji").get("/process-models/identification/draft").json
    saved = api("sheji").client.put("/api/v1/process-models/identification/draft", headers=api("sheji").headers,
                                    json={"revision": 0, "files": draft["files"]})
    assert saved.status_code == 200, saved.json
    first17 = "15022319800101123"
    household = api("cun").post("/households", json={
        "village": "150223100201", "household_type": "ordinary", "group": "3组",
        "members": [{"name": "巴特尔", "id_number": first17 + check_digit(first17), "relation": "head"}]}).json
    started = api("cun").post("/instances", json={"process": "identification", "household_id": household["id"],
                                                   "data": {"channel": "cadre_screening"}})
    assert started.status_code == 201, started.json
    text = designer.get("/designer/").get_data(as_text=True)
    row = text[text.index("识别监测对象"):].split("</tr>")[0]
    assert "草稿 修订 1" in row and re.search(r'data-label="运行中" class="num">1<', row)
    listed = api("sheji").get("/process-models/identification/instances?version=1").json
    assert [case["place_name"] for case in listed] == ["艾力嘎查"]  # the migration's list names the place


@pytest.mark.parametrize("username", ["cun", "zhen", "qi"])
def test_other_roles_find_no_designer_pages(pages, shipped, username):
    client = pages(username)
    client.get("/tasks/")
    for url in ("/designer/", "/designer/identification", "/designer/new"):
        assert client.get(url).status_code == 404, url
    assert preview(client, json.dumps(VISIT_FORM)).status_code == 404


def test_an_admin_reads_the_models_without_a_button_that_writes(pages, shipped):
    admin = pages("guanli")
    listing = admin.get("/designer/").get_data(as_text=True)
    assert "识别监测对象" in listing and "新建流程" not in listing and "查看" in listing
    editor = admin.get("/designer/identification")
    assert editor.status_code == 200
    text = editor.get_data(as_text=True)
    assert "保存草稿" not in text
    assert not any(f'data-{part}' in text for part in ('action="save"', 'action="publish"', 'panel="migrate"'))
    assert json.loads(DATA.search(text).group(1))["may_write"] is False
    assert admin.get("/designer/new").status_code == 403


def test_an_unknown_model_is_not_found(designer):
    assert designer.get("/designer/no_such_model").status_code == 404


def test_the_editor_page_carries_its_data_and_no_credential(designer):
    page = designer.get("/designer/identification")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    data = json.loads(DATA.search(page.get_data(as_text=True)).group(1))
    assert data["may_write"] is True and data["api"] == "/api/v1/process-models/identification"
    assert {"key": "village", "name": "嘎查村干部"} in data["roles"]
    assert not {"admin", "designer"} & {role["key"] for role in data["roles"]}  # a lane names a case role
    assert "add_working_days" in data["functions"]
    assert "token" not in data and "Bearer" not in page.get_data(as_text=True)


def session_call(client, method: str, url: str, csrf: str | None, **kwargs):
    """The API called the way the editor page calls it: the login cookie, and the page's CSRF token if given."""
    headers = {"X-CSRFToken": csrf} if csrf is not None else {}
    with client.app.app_context():
        return client.client.open(url, method=method, headers=headers, **kwargs)


def test_the_api_takes_the_pages_session_only_with_its_csrf_token(designer):
    designer.get("/designer/identification")
    url = "/api/v1/process-models/identification/draft"
    answer = session_call(designer, "GET", url, designer.token)
    assert answer.status_code == 200 and "identification.bpmn" in answer.json["files"]
    for csrf in (None, "", "forged-token"):  # what a foreign site's request carries: the cookie alone
        refused = session_call(designer, "GET", url, csrf)
        assert refused.status_code == 401 and refused.json["error"]["code"] == "csrf", csrf
    files = answer.json["files"]
    write = session_call(designer, "PUT", url, None, json={"revision": 0, "files": files})
    assert write.status_code == 401
    saved = session_call(designer, "PUT", url, designer.token, json={"revision": 0, "files": files})
    assert saved.status_code == 200 and saved.json["revision"] == 1


def test_logout_ends_the_pages_access_to_the_api_at_once(designer):
    designer.get("/designer/identification")
    token = designer.token
    url = "/api/v1/process-models/identification/versions"
    assert session_call(designer, "GET", url, token).status_code == 200
    assert designer.post("/logout").status_code == 302
    after = session_call(designer, "GET", url, token)
    assert after.status_code == 401 and after.json["error"]["code"] == "unauthorized"


def test_the_session_keeps_the_apis_roles_and_bearer_tokens_work_as_before(pages, shipped, api):
    village = pages("cun")
    village.get("/tasks/")
    refused = session_call(village, "GET", "/api/v1/process-models/identification/draft", village.token)
    assert refused.status_code == 404  # the session is the user's, with the user's rights
    assert session_call(village, "GET", "/api/v1/tasks", village.token).status_code == 200
    assert api("sheji").get("/process-models/identification/draft").status_code == 200
    assert api("cun").get("/tasks").status_code == 200


def test_a_new_model_starts_as_a_draft_of_one_village_task(designer, api):
    refused = designer.post("/designer/new", {"key": "1bad key", "name": "试点"})
    assert refused.status_code == 422 and "流程标识" in refused.get_data(as_text=True)
    taken = designer.post("/designer/new", {"key": "identification", "name": "重名"})
    assert taken.status_code == 422 and "已有此标识的流程" in taken.get_data(as_text=True)
    unnamed = designer.post("/designer/new", {"key": "pilot", "name": ""})
    assert unnamed.status_code == 422
    created = designer.post("/designer/new", {"key": "pilot", "name": "试点流程"})
    assert created.status_code == 302 and created.headers["Location"].endswith("/designer/pilot")
    draft = api("sheji").get("/process-models/pilot/draft").json
    assert draft["revision"] == 1 and list(draft["files"]) == ["pilot.bpmn"]
    bpmn = draft["files"]["pilot.bpmn"]
    assert 'id="pilot" name="试点流程"' in bpmn and '<bpmn:lane id="lane_village" name="village">' in bpmn
    editor = designer.get("/designer/pilot")
    assert editor.status_code == 200 and "<h1>试点流程 " in editor.get_data(as_text=True)  # the name given
    listing = designer.get("/designer/").get_data(as_text=True)
    assert '<b>试点流程</b> <code class="file-name">pilot</code>' in listing and "新流程（未发布）" not in listing
    rule = "应以字母或下划线开头，只含字母、数字、_ . -"  # the key rule in one wording: the form's hint and its error
    assert rule in designer.get("/designer/new").get_data(as_text=True) and rule in refused.get_data(as_text=True)
    designer_api = api("sheji")
    check = designer_api.client.put("/api/v1/process-models/pilot/draft", headers=designer_api.headers,
                                    json={"revision": 1, "files": draft["files"]})
    assert check.status_code == 200 and check.json["problems"] == [], check.json  # the skeleton would publish


def test_the_preview_draws_the_form_as_the_inbox_does(designer):
    response = preview(designer, json.dumps(VISIT_FORM, ensure_ascii=False))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'name="visitors"' in html and "走访人员" in html and 'type="date"' in html
    assert 'name="income"' in html and "同意授权" in html


def test_the_preview_needs_the_pages_csrf_token(designer):
    assert preview(designer, json.dumps(VISIT_FORM), token="").status_code == 400


TRAILING_COMMA = '{\n  "type": "object",\n  "properties": {\n    "a": {"type": "string",}\n  }\n}'


@pytest.mark.parametrize(("text", "status", "says"), [
    (TRAILING_COMMA, 422, "第 4 行第 28 列无法读取：应为双引号括起的字段名"),
    ('{"type": "object", "properties": {"a": {"type": 5}}}', 422, "properties/a/type 的值“5”"),
    # deploy's rule, not a copy of it: a looping $ref would publish a form no one can submit
    ('{"type": "object", "$defs": {"a": {"$ref": "#/$defs/a"}}, "properties": {"e": {"$ref": "#/$defs/a"}}}', 422,
     "$ref 形成循环"),
    ('{"type": "object", "properties": {"e": {"$ref": "http://127.0.0.1:9/x.json"}}}', 422, "$ref"),
    ('[1, 2]', 422, "表单应是一个对象"),
    ('{"type": "object", "properties": {"a": true}}', 422, "无法显示"),
    ('{"type": "object", "properties": {"a": ' * 3000 + '{}' + '}}' * 3000, 422, "嵌套层数过多"),
    ('{"type": "object", "description": "' + "长" * MAX_FORM_CHARS + '"}', 422, "表单过大"),
    ('{"type": "object", "description": "' + "x" * 4 * MAX_FORM_CHARS + '"}', 413, "表单过大"),
])
def test_a_form_the_inbox_cannot_draw_is_told_why(designer, text, status, says):
    response = preview(designer, text)
    assert response.status_code == status
    assert says in response.get_data(as_text=True)


def framing_refused(response) -> bool:
    return (response.headers.get("X-Frame-Options") == "DENY"
            and response.headers.get("Content-Security-Policy") == "frame-ancestors 'none'")


def test_no_page_can_be_framed_by_another_site_and_documents_still_open(designer, pages, api, world):
    from tests.web.test_documents import authorized

    for url in ("/designer/", "/designer/identification", "/tasks/", "/designer/no_such_model"):
        assert framing_refused(designer.get(url)), url
    assert framing_refused(preview(designer, json.dumps(VISIT_FORM)))
    anonymous = designer.app.test_client()
    assert framing_refused(anonymous.get("/login"))
    _, instance = authorized(api)
    annex1 = next(d for d in api("cun").get(f"/instances/{instance['id']}/documents").json if d["annex"] == 1)
    shown = pages("cun").get(f"/documents/{annex1['id']}")  # the PDF opens as a page of its own, never framed
    assert shown.status_code == 200 and shown.data.startswith(b"%PDF") and framing_refused(shown)
    shown.close()

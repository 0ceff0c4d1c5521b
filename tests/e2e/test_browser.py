"""A household taken through identification in real browser windows, on the demo, against ``fangpin serve``.

The village cadre records an application and completes the visit and authorization (once with a wrong
ID number); three households are appraised at one meeting and share one notice; time passes the
notice; the township reviews and the county approves, each in a window of its own; the case page
draws the diagram with the step reached highlighted; another village's cadre gets 404.
"""

from __future__ import annotations

import json
import re
import urllib.request
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from monitoring.id_number import check_digit
from tests.e2e.browser import open_window, screenshot
from tests.e2e.server import cli, running_server

PASSWORD = "fangpin2026"  # the demo's password (web/demo.py)
VILLAGE, OTHER_VILLAGE = "150223100201", "150223100202"
CADRE, OTHER_CADRE = f"village_{VILLAGE}", f"village_{OTHER_VILLAGE}"
TOWNSHIP, COUNTY = "township_1502231", "county_150223"
HEADS = ["测试甲", "测试乙", "测试丙"]


@pytest.fixture(scope="module")
def demo(demos, tmp_path_factory):
    """A copy of today's demo, served on loopback; yields (root URL, environment)."""
    env = demos.copy(tmp_path_factory.mktemp("browser")).env
    with running_server(env) as root:
        yield root, env


def api(root: str, username: str, method: str, path: str, body: dict | None = None) -> dict:
    """The JSON API, for setting the scene only; every step under test goes through the pages."""
    def call(method_: str, path_: str, token: str | None, payload: dict | None) -> dict:
        request = urllib.request.Request(f"{root}/api/v1{path_}", method=method_,
                                         data=json.dumps(payload).encode() if payload is not None else None,
                                         headers={"Content-Type": "application/json",
                                                  **({"Authorization": f"Bearer {token}"} if token else {})})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    token = call("POST", "/auth/token", None, {"username": username, "password": PASSWORD})["token"]
    return call(method, path, token, body)


def register_households(root: str) -> list[dict]:
    households = []
    for index, head in enumerate(HEADS):
        first17 = [f"15022319650505{index}1{n}" for n in (1, 2)]
        members = [{"name": head, "id_number": first17[0] + check_digit(first17[0]), "relation": "head"},
                   {"name": head + "妻", "id_number": first17[1] + check_digit(first17[1]), "relation": "spouse"}]
        households.append(api(root, CADRE, "POST", "/households",
                              {"village": VILLAGE, "household_type": "ordinary", "group": "3组", "members": members}))
    return households


def through_authorization_by_api(root: str, household: dict) -> None:
    """Households B and C reach the appraisal the quick way, to be appraised together with A."""
    instance = api(root, CADRE, "POST", "/instances", {"process": "identification", "household_id": household["id"],
                                                       "data": {"channel": "cadre_screening"}})
    for step, answers in (("visit", VISIT), ("authorize", {"approved": True})):
        task = next(t for t in api(root, CADRE, "GET", "/tasks") if t["instance_id"] == instance["id"])
        assert task["bpmn_id"] == step
        prefill = api(root, CADRE, "GET", f"/tasks/{task['id']}")["prefill"]
        api(root, CADRE, "POST", f"/tasks/{task['id']}/complete", {"data": {**prefill, **answers}})


VISIT = {"visitors": "村两委 张三、李四", "wage_income": 6000, "business_income": 3000, "property_income": 0,
         "transfer_income": 1200, "business_expenses": 2000, "medical_expense": 30000, "risk_types": ["illness"],
         "approved": True}


def fill_visit(page) -> None:
    page.locator('[id="f-visitors"]').fill(VISIT["visitors"])
    for name in ("wage_income", "business_income", "property_income", "transfer_income", "business_expenses",
                 "medical_expense"):
        page.locator(f'[id="f-{name}"]').fill(str(VISIT[name]))
    page.get_by_role("group", name="风险类型").get_by_label("因病").check()
    page.get_by_role("group", name="符合纳入条件").get_by_label("是").check()


def decide_batch(page, step: str, heads: list[str], answers) -> None:
    """From the inbox: the step in the village, tick the households, decide once."""
    page.goto(f"/tasks/?step={step}&village={VILLAGE}")
    for head in heads:
        page.get_by_role("checkbox", name=f"选择 {head}").check()
    page.get_by_role("button", name="批量办理选中的农户").click()
    answers(page)
    page.get_by_role("button", name=re.compile(rf"为 {len(heads)} 户提交")).click()
    page.wait_for_url("**/tasks/")
    assert f"已为 {len(heads)} 户一次提交" in page.content()


def test_identification_in_the_browser(demo, browser):
    root, env = demo
    households = register_households(root)
    for household in households[1:]:
        through_authorization_by_api(root, household)

    cun = open_window(browser, root, CADRE, PASSWORD)
    screenshot(cun, "inbox-desktop")
    # 1. the application, recorded on the household's behalf: find the household, register, fill step 1
    cun.get_by_role("link", name="农牧户", exact=True).click()
    cun.get_by_label("姓名或身份证号后几位").fill(HEADS[0])
    cun.get_by_role("button", name="查找").click()
    cun.get_by_role("link", name=HEADS[0], exact=True).click()
    screenshot(cun, "household-before")
    cun.get_by_label("发现渠道").select_option(label="农牧户自主申报")
    cun.get_by_role("button", name="登记监测申请").click()
    cun.wait_for_url("**/tasks/*")
    instance_id = int(re.search(r"#(\d+) 识别监测对象", cun.content()).group(1))
    cun.locator('[id="f-way"]').select_option(label="12317热线")
    cun.locator('[id="f-applicant_name"]').fill(HEADS[0])
    cun.locator('[id="f-reason"]').fill("妻子患大病，医疗支出大")
    cun.get_by_role("button", name="提交").click()
    expect(cun.locator("body")).to_contain_text("已提交")

    # 2. the visit
    cun.get_by_role("row").filter(has_text=HEADS[0]).get_by_role("link", name="办理").click()
    visit_url = cun.url
    fill_visit(cun)
    screenshot(cun, "task-visit-desktop")
    cun.get_by_role("button", name="提交").click()
    expect(cun.locator("body")).to_contain_text("已提交")

    # 3. the authorization, first with a wrong check digit on the spouse's ID number
    cun.get_by_role("row").filter(has_text=HEADS[0]).get_by_role("link", name="办理").click()
    cun.get_by_role("group", name=re.compile("同意签署")).get_by_label("是").check()
    spouse_id = cun.locator('[id="f-members.1.id_number"]')
    right = spouse_id.input_value()
    spouse_id.fill(right[:17] + ("0" if right[17] != "0" else "1"))
    cun.get_by_role("button", name="提交").click()
    assert "身份证号无效" in cun.locator('[id="e-members.1.id_number"]').inner_text()
    screenshot(cun, "task-authorize-error")
    cun.locator('[id="f-members.1.id_number"]').fill(right)
    cun.get_by_role("button", name="提交").click()
    expect(cun.locator("body")).to_contain_text("已提交")

    # 4. one appraisal meeting and one notice for the three households
    def appraisal(page):
        page.locator('[id="f-meeting_form"]').select_option(index=1)
        page.locator('[id="f-attendees"]').fill("35")
        for name, votes in (("votes_for", "33"), ("votes_against", "2")):  # each household's own, approved by default
            for field in page.locator(f'input[name$=".{name}"]').all():
                field.fill(votes)

    decide_batch(cun, "appraisal", HEADS, appraisal)

    # 5. time passes the five-day notice
    later = (datetime.now(UTC) + timedelta(days=6)).isoformat()
    assert not cli(env, "timers", "run", "--now", later).stdout.startswith("0 ")

    # 6. the township reviews, the county approves: each in a window of its own
    zhen = open_window(browser, root, TOWNSHIP, PASSWORD)
    decide_batch(zhen, "township_review", HEADS, lambda page: [
        field.fill("逐户审核属实") for field in page.locator('textarea[name$=".opinion"]').all()])
    qi = open_window(browser, root, COUNTY, PASSWORD)
    decide_batch(qi, "county_review", HEADS, lambda page: (
        page.locator('[id="f-review_method"]').select_option(index=1),
        page.locator('[id="f-reply_reference"]').fill("达旗乡振字〔2026〕12号")))

    # 7. the case page: the second notice is what the case waits for
    qi.goto(f"/cases/{instance_id}")
    qi.wait_for_selector(".djs-container svg")
    screenshot(qi, "case-page")
    assert qi.locator('[data-element-id="county_review"]').first.evaluate("e => e.classList.contains('completed')")
    qi.goto("/dashboard/")
    screenshot(qi, "dashboard")

    # 8. another village's cadre: the task is not theirs to see
    other = open_window(browser, root, OTHER_CADRE, PASSWORD)
    response = other.goto(visit_url)
    assert response.status == 404 and "未找到" in other.content()


def test_the_inbox_and_a_task_form_on_a_phone(demo, browser):
    root, _ = demo
    phone = open_window(browser, root, CADRE, PASSWORD, phone=True)
    screenshot(phone, "inbox-phone")
    phone.get_by_role("link", name="办理").first.click()
    screenshot(phone, "task-phone")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page is {width} px wide on a 375 px phone"

"""A line department records a measure from its inbox on a phone, on the demo, against ``fangpin serve``.

The demo's identification cases that reached system entry started the county's 部门会商; the scene is set through
the API (the county adds a 人社 measure and confirms the plan), then 人社's user opens its inbox on a 375 px screen,
opens 落实帮扶措施 and records the measure under way; neither page is wider than the phone.
"""

from __future__ import annotations

from tests.e2e.browser import open_window, screenshot
from tests.e2e.test_browser import COUNTY, PASSWORD, api, demo  # noqa: F401 (the module's demo server)

HRSS = "department_hrss"


def confirmed_plan(root: str) -> int:
    """A demo household's consultation, confirmed with a 人社 skills training it has not started; its measure id."""
    plan = next(t for t in api(root, COUNTY, "GET", "/tasks?limit=200")
                if t["process"] == "assistance" and t["bpmn_id"] == "plan")
    household_id = int(api(root, COUNTY, "GET", f"/instances/{plan['instance_id']}")["business_key"].split(":")[1])
    since = api(root, COUNTY, "GET", f"/households/{household_id}")["monitoring"]["since"]
    measure = api(root, COUNTY, "POST", f"/households/{household_id}/measures",
                  {"category": "employment", "subtype": "skills_training", "content": "牧区实用技术培训",
                   "department": "hrss", "responsible": "王建国", "start_on": since})
    form = api(root, COUNTY, "GET", f"/tasks/{plan['id']}")
    api(root, COUNTY, "POST", f"/tasks/{plan['id']}/complete",
        {"data": {**form["prefill"], "departments": ["hrss", "civil"], "note": "会商确定培训"}})
    return measure["id"]


def test_a_department_records_its_measure_from_its_inbox_on_a_phone(demo, browser):  # noqa: F811
    root, _ = demo
    measure_id = confirmed_plan(root)
    phone = open_window(browser, root, HRSS, PASSWORD, phone=True)

    screenshot(phone, "department-inbox-phone")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    phone.get_by_role("link", name="办理").last.click()  # the newest: the demo's own measures under way come first
    phone.wait_for_selector("#plan")
    screenshot(phone, "department-task-phone")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    assert "牧区实用技术培训" in phone.locator("#plan").inner_text()
    phone.locator('[id="f-status"]').select_option("in_progress")
    phone.locator('[id="f-result"]').fill("已组织首期培训，12人参加")
    phone.get_by_role("button", name="提交").click()
    phone.wait_for_url("**/tasks/")

    measure = next(m for m in api(root, HRSS, "GET", "/measures?limit=200") if m["id"] == measure_id)
    assert (measure["status"], measure["result"]) == ("in_progress", "已组织首期培训，12人参加")

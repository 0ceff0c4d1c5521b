"""The case pages: the list, the diagram with progress, the timeline, the data and cancelling."""

from __future__ import annotations

import json
import re

import pytest

from tests.web.test_identification import (
    APPRAISAL,
    VISIT,
    form_data,
    forms_dir,  # noqa: F401  (fixture: the real forms)
    new_household,
    start,
    sweep,
    world,  # noqa: F401  (fixture: the identification process deployed)
)

pytestmark = pytest.mark.usefixtures("world")

_HIGHLIGHTS = re.compile(r'<script type="application/json" id="case-diagram-data">(.*?)</script>', re.DOTALL)


def case_at_visit(api) -> int:
    return start(api("cun"), new_household(api), "cadre_screening")["id"]


def case_at_appraisal(api) -> int:
    cun = api("cun")
    instance_id = case_at_visit(api)
    cun.complete(instance_id, "visit", form_data(cun, instance_id, "visit", **VISIT))
    cun.complete(instance_id, "authorize", form_data(cun, instance_id, "authorize", approved=True))
    return instance_id


def case_on_first_notice(api) -> int:
    """A case whose household is on its village's first notice (posted 2 March 2026 09:00 for 5 days)."""
    cun = api("cun")
    instance_id = case_at_appraisal(api)
    cun.complete(instance_id, "appraisal", form_data(cun, instance_id, "appraisal", **APPRAISAL))
    return instance_id


def highlights(page) -> dict:
    return json.loads(_HIGHLIGHTS.search(page.text).group(1))


def test_the_case_page_shows_the_active_step_and_what_is_done(api, pages):
    instance_id = case_at_appraisal(api)
    task_id = api("cun").task(instance_id, "appraisal")["id"]
    page = pages("cun").get(f"/cases/{instance_id}")
    assert page.status_code == 200
    marks = highlights(page)
    assert marks["active"] == ["appraisal"]
    assert {"visit", "authorize"} <= set(marks["completed"])
    assert marks["lanes"]["village"] == "嘎查村" and marks["waiting"] == []
    assert f'href="/tasks/{task_id}"' in page.text and "民主评议公示" in page.text
    assert "发起案件" in page.text and "完成“走访排查”" in page.text and "完成“农牧户授权”" in page.text
    assert "巴特尔" in page.text and "艾力嘎查" in page.text


def test_the_data_reads_as_labelled_tables_not_json(api, pages):
    page = pages("cun").get(f"/cases/{case_at_appraisal(api)}")
    assert "<h3>走访排查</h3>" in page.text and "工资性收入" in page.text
    assert "(元)" not in page.text and "6,000.00 元" in page.text  # the amount says 元 once, not its title too
    assert "<dd>干部排查</dd>" in page.text  # the channel by its code-list label
    assert "<dd>2026年3月2日</dd>" in page.text and "因病" in page.text
    assert "wage_income" not in page.text and '"approved"' not in page.text


def test_the_case_keeps_no_id_numbers_of_the_members(api, pages):
    """The authorization writes the members to the household record; the case, seen by every level, has none."""
    instance_id = case_at_appraisal(api)
    instance = api("zhen").get(f"/instances/{instance_id}").json
    household = api("cun").get(f"/households/{instance['business_key'].removeprefix('household:')}").json
    ids = [m["id_number"] for m in household["members"]]
    assert ids and "members" not in instance["data"]
    for seen in (json.dumps(instance["data"], ensure_ascii=False), pages("zhen").get(f"/cases/{instance_id}").text):
        assert not any(id_number in seen for id_number in ids)


def test_during_a_notice_the_page_says_until_when_the_timer_waits(api, pages, clock):
    instance_id = case_on_first_notice(api)
    page = pages("zhen").get(f"/cases/{instance_id}")
    assert {"id": "first_notice", "type": "timer"} in highlights(page)["waiting"]
    assert "<b>第一次公示期</b><time" in page.text and ">至2026年3月7日</time>" in page.text  # to the end of the 7th
    assert "<b>第一次公示期</b>：公示中，可提出异议" in page.text
    assert "等待消息" not in page.text and "等待时限" not in page.text
    assert sweep(clock) == 1
    after = pages("zhen").get(f"/cases/{instance_id}")
    assert highlights(after)["active"] == ["township_review"]
    assert "<b>系统</b> 第一次公示期届满" in after.text and highlights(after)["waiting"] == []


def test_the_diagram_route_serves_the_deployed_bpmn(api, pages):
    instance_id = case_at_visit(api)
    response = pages("cun").get(f"/cases/{instance_id}/diagram.bpmn")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    assert '<bpmn:process id="identification"' in response.text


def test_a_case_of_another_township_is_not_found(api, pages):
    instance_id = case_at_visit(api)
    other = pages("cun3")
    assert other.get(f"/cases/{instance_id}").status_code == 404
    assert other.get(f"/cases/{instance_id}/diagram.bpmn").status_code == 404
    assert f'data-instance="{instance_id}"' not in other.get("/cases/").text


def test_the_list_shows_household_village_status_and_step(api, pages):
    instance_id = case_at_visit(api)
    browser = pages("zhen")
    listing = browser.get("/cases/")
    row = re.search(rf'<tr data-instance="{instance_id}">(.*?)</tr>', listing.text, re.DOTALL).group(1)
    assert "巴特尔" in row and "艾力嘎查" in row and "办理中" in row and "走访排查" in row
    assert f'data-instance="{instance_id}"' in browser.get("/cases/?status=running&process=identification").text
    assert f'data-instance="{instance_id}"' not in browser.get("/cases/?status=completed").text


def test_the_county_cancels_a_case_with_a_reason(api, pages):
    instance_id = case_at_visit(api)
    qi = pages("qi")
    assert "撤销原因" in qi.get(f"/cases/{instance_id}").text
    refused = qi.post(f"/cases/{instance_id}/cancel", {"reason": "", "confirm": "yes"})
    assert refused.status_code == 302 and "撤销原因必填" in qi.get(refused.headers["Location"]).text
    assert api("qi").get(f"/instances/{instance_id}").json["status"] == "running"
    done = qi.post(f"/cases/{instance_id}/cancel", {"reason": "重复登记", "confirm": "yes"})
    assert done.status_code == 302
    page = qi.get(f"/cases/{instance_id}")
    assert "已撤销" in page.text and "撤销案件" in page.text and "重复登记" in page.text
    assert "撤销原因" not in page.text  # nothing left to cancel


def test_a_village_user_may_not_cancel(api, pages):
    instance_id = case_at_visit(api)
    cun = pages("cun")
    assert "撤销原因" not in cun.get(f"/cases/{instance_id}").text
    refused = cun.post(f"/cases/{instance_id}/cancel", {"reason": "重复登记", "confirm": "yes"})
    assert refused.status_code == 403 and "无权操作" in refused.text
    assert api("cun").get(f"/instances/{instance_id}").json["status"] == "running"


"""The inbox and task pages: forms drawn from JSON Schema, errors on their fields, drafts, uploads, batches."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from monitoring.models import Attachment, Notice
from tests.web.test_identification import VISIT, form_data, new_household, start

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def task_link(page_text: str, name: str) -> str:
    """The URL of the first inbox row's task called ``name``."""
    match = re.search(rf'<a href="(/tasks/[0-9a-f-]+)">{name}</a>', page_text)
    assert match, page_text
    return match.group(1)


def open_task(api, cun_api, instance_id: int, bpmn_id: str) -> str:
    return f"/tasks/{cun_api.task(instance_id, bpmn_id)['id']}"


def test_the_inbox_lists_tasks_with_household_village_step_and_counts(api, world, pages):
    household = new_household(api)
    start(api("cun"), household)
    page = pages("cun").get("/tasks/")
    assert page.status_code == 200
    assert "巴特尔" in page.text and "艾力嘎查" in page.text and "农牧户申请" in page.text
    assert re.search(r"农牧户申请 <b>1</b>", page.text)
    assert "待认领" in page.text


def test_an_application_recorded_through_the_form_moves_the_case_to_the_visit(api, world, pages):
    household = new_household(api)
    instance = start(api("cun"), household)
    browser = pages("cun")
    url = task_link(browser.get("/tasks/").text, "农牧户申请")
    form = browser.get(url)
    assert 'name="way"' in form.text and "12317热线" in form.text and 'name="applicant_name"' in form.text
    done = browser.post(url, {"action": "submit", "way": "hotline_12317", "applicant_name": "巴特尔",
                              "reason": "妻子患大病"})
    assert done.status_code == 302, done.text
    assert [t["bpmn_id"] for t in api("cun").get(f"/instances/{instance['id']}").json["tasks"]] == ["visit"]
    assert api("cun").get(f"/instances/{instance['id']}").json["data"]["application"]["way"] == "hotline_12317"


def test_unreadable_numbers_are_reported_on_their_field_and_kept(api, world, pages):
    instance = start(api("cun"), new_household(api), "cadre_screening")
    browser = pages("cun")
    url = open_task(api, api("cun"), instance["id"], "visit")
    page = browser.post(url, {"action": "submit", "visitors": "张三", "wage_income": "六千"})
    assert page.status_code == 422
    assert re.search(r'id="f-wage_income"[^>]*value="六千"', page.text) or 'value="六千"' in page.text
    assert '<div class="field-error" id="e-wage_income" role="alert">应为数字</div>' in page.text
    assert "张三</textarea>" in page.text
    assert '<div class="field-error" id="e-business_income" role="alert">必填</div>' in page.text  # all at once


def test_a_draft_is_kept_until_the_task_is_done(api, world, pages):
    instance = start(api("cun"), new_household(api), "cadre_screening")
    browser = pages("cun")
    url = open_task(api, api("cun"), instance["id"], "visit")
    saved = browser.post(url, {"action": "draft", "visitors": "张三、李四", "wage_income": "6000"})
    assert saved.status_code == 302
    again = browser.get(url)
    assert "张三、李四</textarea>" in again.text and 'value="6000"' in again.text and "已载入" in again.text
    other_user = pages("cun2")
    assert other_user.get(url).status_code == 404  # another village's cadre cannot see it at all


def test_a_wrong_id_number_in_the_members_is_shown_on_that_field(api, world, pages):
    cun = api("cun")
    instance = start(cun, new_household(api), "cadre_screening")
    cun.complete(instance["id"], "visit", form_data(cun, instance["id"], "visit", **VISIT))
    browser = pages("cun")
    url = open_task(api, cun, instance["id"], "authorize")
    prefill = form_data(cun, instance["id"], "authorize", approved=True)
    wrong = prefill["members"][1]["id_number"][:17] + ("0" if prefill["members"][1]["id_number"][17] != "0" else "1")
    data = [("action", "submit"), ("approved", "true"), ("signed_by", "head"), ("signed_on", "2026-03-02")]
    for index, member in enumerate(prefill["members"]):
        data += [(f"members.{index}.name", member["name"]), (f"members.{index}.relation", member["relation"]),
                 (f"members.{index}.id_number", wrong if index == 1 else member["id_number"])]
    page = browser.post(url, data)
    assert page.status_code == 422
    assert re.search(r'id="e-members\.1\.id_number" role="alert">身份证号无效', page.text)
    assert f'value="{wrong}"' in page.text  # what the user typed is still there to correct


def test_a_signed_scan_is_uploaded_with_the_authorization_and_served_in_scope(api, world, pages, session):
    cun = api("cun")
    household = new_household(api)
    instance = start(cun, household, "cadre_screening")
    cun.complete(instance["id"], "visit", form_data(cun, instance["id"], "visit", **VISIT))
    prefill = form_data(cun, instance["id"], "authorize", approved=True)
    data = {"action": "submit", "approved": "true", "signed_by": "head", "signed_on": "2026-03-02",
            "signed_scan": (io.BytesIO(PNG), "授权书.png")}
    for index, member in enumerate(prefill["members"]):
        data.update({f"members.{index}.name": member["name"], f"members.{index}.relation": member["relation"],
                     f"members.{index}.id_number": member["id_number"]})
    browser = pages("cun")
    done = browser.post(open_task(api, cun, instance["id"], "authorize"), data, content_type="multipart/form-data")
    assert done.status_code == 302, done.text
    attachment_id = cun.get(f"/households/{household['id']}").json["authorization"]["signed_scan"]
    served = browser.get(f"/tasks/attachments/{attachment_id}")
    assert served.status_code == 200 and served.data == PNG and served.mimetype == "image/png"
    served.close()
    assert pages("cun3").get(f"/tasks/attachments/{attachment_id}").status_code == 404


def test_a_file_that_is_not_a_scan_is_refused_on_its_field(api, world, pages, session):
    cun = api("cun")
    instance = start(cun, new_household(api), "cadre_screening")
    cun.complete(instance["id"], "visit", form_data(cun, instance["id"], "visit", **VISIT))
    page = pages("cun").post(open_task(api, cun, instance["id"], "authorize"),
                             {"action": "submit", "signed_scan": (io.BytesIO(b"MZ\x90\0"), "virus.exe")},
                             content_type="multipart/form-data")
    assert page.status_code == 422
    assert "只接受 PDF、JPG 或 PNG" in page.text
    assert session.execute(select(func.count()).select_from(Attachment)).scalar() == 0


def appraisal_ready(api, count: int) -> list[int]:
    cun = api("cun")
    ids = []
    for _ in range(count):
        instance = start(cun, new_household(api), "cadre_screening")
        cun.complete(instance["id"], "visit", form_data(cun, instance["id"], "visit", **VISIT))
        cun.complete(instance["id"], "authorize", form_data(cun, instance["id"], "authorize", approved=True))
        ids.append(instance["id"])
    return ids


def test_three_households_appraised_at_one_meeting_share_one_notice(api, world, pages, session):
    ids = appraisal_ready(api, 3)
    browser = pages("cun")
    inbox = browser.get("/tasks/?step=appraisal&village=150223100201")
    task_ids = re.findall(r'name="task" value="([0-9a-f-]+)"', inbox.text)
    assert len(task_ids) == 3 and "批量办理选中的农户" in inbox.text
    page = browser.get("/tasks/batch?" + "&".join(f"task={t}" for t in task_ids))
    assert page.status_code == 200 and all(f'id="household-{t}"' in page.text for t in task_ids)
    fields = {"meeting_date": "2026-03-02", "meeting_form": "representative_meeting", "attendees": "35"}
    votes = {"votes_for": "33", "votes_against": "2", "approved": "true"}  # each household's own
    done = browser.post("/tasks/batch", [*(("task", t) for t in task_ids), *fields.items(),
                                         *((f"per_task.{t}.{k}", v) for t in task_ids for k, v in votes.items())])
    assert done.status_code == 302, done.text
    assert session.execute(select(func.count()).select_from(Notice)).scalar() == 1
    for instance_id in ids:
        assert api("cun").get(f"/instances/{instance_id}").json["data"]["appraisal"]["attendees"] == 35


def test_a_step_that_is_decided_household_by_household_cannot_be_batched(api, world, pages):
    cun = api("cun")
    first, second = (start(cun, new_household(api), "cadre_screening") for _ in range(2))
    tasks = [cun.task(i["id"], "visit")["id"] for i in (first, second)]
    page = pages("cun").get("/tasks/batch?" + "&".join(f"task={t}" for t in tasks))
    assert page.status_code == 422 and "此步骤须逐个办理" in page.text


def test_claiming_hides_the_task_from_colleagues_until_it_is_released(api, world, pages, create_user):
    create_user("cun_b", "village", "150223100201")
    instance = start(api("cun"), new_household(api))
    url = open_task(api, api("cun"), instance["id"], "apply")
    browser = pages("cun")
    assert browser.post(url + "/claim", {"next": url}).status_code == 302
    assert "我已认领" in browser.get("/tasks/").text
    colleague = pages("cun_b")
    assert "农牧户申请" not in colleague.get("/tasks/").text and "1 项已由他人认领" in colleague.get("/tasks/").text
    assert colleague.post(url, {"action": "submit", "way": "app", "applicant_name": "x", "reason": "y"}
                          ).status_code == 409
    browser.post(url + "/unclaim", {"next": url})
    assert "农牧户申请" in colleague.get("/tasks/").text


@pytest.mark.parametrize("username", ["cun3", "zhen"])
def test_a_task_outside_ones_lane_or_place_is_not_found(api, world, pages, username):
    instance = start(api("cun"), new_household(api))
    url = open_task(api, api("cun"), instance["id"], "apply")
    assert pages(username).get(url).status_code == 404


def test_claiming_never_redirects_off_the_site(api, world, pages):
    instance = start(api("cun"), new_household(api))
    url = open_task(api, api("cun"), instance["id"], "apply")
    response = pages("cun").post(url + "/claim", {"next": "https://evil.example/phish"})
    assert response.headers["Location"] == "/tasks/"

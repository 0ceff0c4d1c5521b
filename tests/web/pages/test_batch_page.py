"""The batch page: shared fields once, a row per household with its evidence and its own decision, errors in
the row of the household they are about, one submission for all."""

from __future__ import annotations

import re

import pytest

from tests.web.test_batch_decisions import VILLAGE, VILLAGE2, at_appraisal, at_township_review, ended

pytestmark = pytest.mark.usefixtures("world")

MEETING = {"meeting_date": "2026-03-02", "meeting_form": "representative_meeting", "attendees": "20"}


def task_ids_of(api, username, bpmn_id, instance_ids):
    user = api(username)
    return [user.task(i, bpmn_id)["id"] for i in instance_ids]


def batch_url(task_ids):
    return "/tasks/batch?" + "&".join(f"task={t}" for t in task_ids)


def own(task_id, **answers):
    return [(f"per_task.{task_id}.{k}", str(v).lower() if isinstance(v, bool) else str(v)) for k, v in answers.items()]


def row_of(html, task_id):
    """The household's part of the batch table (its figures and its own fields)."""
    found = re.search(rf'<tbody class="household[^"]*" id="household-{task_id}">(.*?)</tbody>', html, re.S)
    assert found, task_id
    return found.group(0)


def test_the_page_draws_the_shared_fields_once_and_each_households_own_fields_and_evidence(api, pages):
    cases = [at_appraisal(api, head=head) for head in ("巴特尔", "乌云")]
    task_ids = task_ids_of(api, "cun", "appraisal", cases)
    page = pages("cun").get(batch_url(task_ids))
    assert page.status_code == 200
    assert page.text.count('name="attendees"') == 1 and page.text.count('name="meeting_date"') == 1
    for task_id, head in zip(task_ids, ("巴特尔", "乌云"), strict=True):
        row = row_of(page.text, task_id)
        assert head in row
        for name in ("votes_for", "votes_against", "votes_abstain", "reason"):
            assert f'name="per_task.{task_id}.{name}"' in row
        assert re.search(rf'name="per_task\.{task_id}\.approved" value="true" checked', row), "approved by default"
        assert "人均纯收入" in row and "4,100.00" in row  # the visit's figures: (6000+3000+1200-2000) / 2
    assert 'name="votes_for"' not in page.text


def test_households_whose_heads_share_a_name_are_told_apart(api, pages):
    cases = [at_appraisal(api, head="巴特尔") for _ in range(2)]
    page = pages("cun").get(batch_url(task_ids_of(api, "cun", "appraisal", cases))).text
    assert page.count("身份证尾号") == 2


@pytest.mark.parametrize(("votes", "field", "reason"), [
    ({"votes_for": 15, "votes_against": 12, "approved": True}, "votes_for",
     "同意、反对、弃权票数之和（27）超过参会人数（20）"),
    ({"votes_for": 3, "votes_against": 17, "approved": True}, "approved",
     "同意票（3）未超过参会人数（20）的半数，评议不能通过"),
])
def test_votes_that_cannot_be_are_shown_in_that_households_row_and_nothing_is_decided(api, pages, votes, field,
                                                                                         reason):
    cases = [at_appraisal(api, head=head) for head in ("巴特尔", "乌云", "苏和")]
    task_ids = task_ids_of(api, "cun", "appraisal", cases)
    good = {"votes_for": 16, "votes_against": 4, "approved": True}
    posted = [*(("task", t) for t in task_ids), *MEETING.items(), *own(task_ids[0], **good),
              *own(task_ids[1], **votes), *own(task_ids[2], **good)]
    page = pages("cun").post("/tasks/batch", posted)
    assert page.status_code == 422
    bad_row = row_of(page.text, task_ids[1])
    assert reason in bad_row and "with-errors" in bad_row
    assert f'id="e-per_task.{task_ids[1]}.{field}"' in bad_row
    assert reason not in row_of(page.text, task_ids[0])
    assert 'value="16"' in row_of(page.text, task_ids[0]), "what was entered stays"
    assert "需修改的农户：乌云" in page.text
    assert all(api("cun").task(i, "appraisal") for i in cases)


def test_unreadable_votes_and_a_rejection_without_reason_are_shown_in_their_rows(api, pages):
    cases = [at_appraisal(api, head=head) for head in ("巴特尔", "乌云")]
    task_ids = task_ids_of(api, "cun", "appraisal", cases)
    posted = [*(("task", t) for t in task_ids), *MEETING.items(),
              *own(task_ids[0], votes_for="十五", votes_against=2, approved=True),
              *own(task_ids[1], votes_for=4, votes_against=16, approved=False)]
    page = pages("cun").post("/tasks/batch", posted)
    assert page.status_code == 422
    first, second = (row_of(page.text, t) for t in task_ids)
    assert "应为数字" in first and 'value="十五"' in first
    assert f'id="e-per_task.{task_ids[1]}.reason"' in second and "必填" in second
    assert all(api("cun").task(i, "appraisal") for i in cases)


def test_a_township_official_rejects_one_of_five_with_its_reason_and_approves_the_rest_in_one_post(api, pages,
                                                                                                      clock):
    cases = at_township_review(api, clock, [VILLAGE, VILLAGE, VILLAGE, VILLAGE2, VILLAGE2])
    task_ids = task_ids_of(api, "zhen", "township_review", cases)
    browser = pages("zhen")
    page = browser.get(batch_url(task_ids))
    assert page.status_code == 200 and "艾力嘎查" in page.text and "嘎查村" in page.text
    posted = [*(("task", t) for t in task_ids),
              *(pair for t in task_ids if t != task_ids[3] for pair in own(t, approved=True, opinion="逐户审核属实")),
              *own(task_ids[3], approved=False, reason="家庭有稳定务工收入")]
    done = browser.post("/tasks/batch", posted)
    assert done.status_code == 302, done.text
    assert [ended(api, i) for i in cases] == [None, None, None, "end_rejected", None]
    followed = browser.get("/tasks/")
    assert "已为 5 户一次提交" in followed.text and "通过 4 户，未通过 1 户" in followed.text
    qi = api("qi")
    assert all(qi.task(i, "county_review") for i in cases if i != cases[3])

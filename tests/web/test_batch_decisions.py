"""Per-household decisions inside a batch, votes that can be, and batches across the villages of a township,
through the API with the shipped identification model."""

from __future__ import annotations

import pytest

from monitoring.cases import household_id_of
from monitoring.documents import annexes
from tests.monitoring.test_annexes import page_one_of, render
from tests.web.test_identification import (  # noqa: F401  (fixtures)
    APPRAISAL,
    VISIT,
    form_data,
    forms_dir,
    person,
    start,
    sweep,
    world,
)

VILLAGE, VILLAGE2, VILLAGE_OTHER = "150223100201", "150223100202", "150223200201"  # the third in another township
VILLAGE_USERS = {VILLAGE: "cun", VILLAGE2: "cun2", VILLAGE_OTHER: "cun3"}
HEADS = ["巴特尔", "乌云", "苏和", "娜仁", "图雅"]
_serial = iter(range(100, 999))
pytestmark = pytest.mark.usefixtures("world")  # the identification model deployed, an income line, department data
MEETING = {"meeting_date": "2026-03-02", "meeting_form": "representative_meeting", "attendees": 20}


def household(api, village=VILLAGE, head="巴特尔") -> dict:
    n = next(_serial)
    body = {"village": village, "household_type": "ordinary", "group": "3组",
            "members": [person(head, f"15022319800101{n:03d}"), person("其木格", f"15022319820101{n:03d}", "spouse")]}
    response = api(VILLAGE_USERS[village]).post("/households", json=body)
    assert response.status_code == 201, response.json
    return response.json


def at_appraisal(api, village=VILLAGE, head="巴特尔") -> int:
    user = api(VILLAGE_USERS[village])
    instance = start(user, household(api, village, head), "cadre_screening")
    user.complete(instance["id"], "visit", form_data(user, instance["id"], "visit", **VISIT))
    user.complete(instance["id"], "authorize", form_data(user, instance["id"], "authorize", approved=True))
    return instance["id"]


def at_township_review(api, clock, villages) -> list[int]:
    """A case per village, each decided by its village's meeting, past its first notice."""
    ids = []
    for village in villages:
        user = api(VILLAGE_USERS[village])
        instance_id = at_appraisal(api, village)
        user.complete(instance_id, "appraisal", form_data(user, instance_id, "appraisal", **APPRAISAL))
        ids.append(instance_id)
    assert sweep(clock) == len(ids)
    return ids


def batch(user, bpmn_id, instance_ids, data, per_task=None):
    """POST /tasks/complete for the cases' tasks at ``bpmn_id``; ``per_task`` is keyed by the case's index."""
    task_ids = [user.task(i, bpmn_id)["id"] for i in instance_ids]
    body = {"task_ids": task_ids, "data": data}
    if per_task is not None:
        body["per_task"] = {task_ids[index]: answers for index, answers in per_task.items()}
    return user.post("/tasks/complete", json=body), task_ids


def ended(api, instance_id) -> str | None:
    events = api("qi").get(f"/instances/{instance_id}").json["events"]
    ends = [e["detail"].get("end") for e in events if e["type"] == "instance_completed"]
    return ends[-1] if ends else None


# --- the votes ---------------------------------------------------------------------------------------------------

def test_votes_that_add_up_to_more_than_the_attendees_are_refused_on_the_field(api):
    cun = api("cun")
    instance_id = at_appraisal(api)
    data = form_data(cun, instance_id, "appraisal", **MEETING, votes_for=15, votes_against=12, approved=True)
    refused = cun.complete(instance_id, "appraisal", data, status=422)
    assert refused["error"]["fields"] == {"votes_for": "同意、反对、弃权票数之和（27）超过参会人数（20）"}
    assert cun.task(instance_id, "appraisal")  # nothing happened


@pytest.mark.parametrize(("votes", "approved", "reason"), [
    ({"votes_for": 3, "votes_against": 15, "votes_abstain": 2}, True,
     "同意票（3）未超过参会人数（20）的半数，评议不能通过"),
    ({"votes_for": 10, "votes_against": 5, "votes_abstain": 5}, True,
     "同意票（10）未超过参会人数（20）的半数，评议不能通过"),  # half is not more than half
    ({"votes_for": 15, "votes_against": 5}, False, "同意票（15）已超过参会人数（20）的半数，评议结果应为通过"),
])
def test_a_result_the_votes_do_not_give_is_refused_on_approved(api, votes, approved, reason):
    cun = api("cun")
    instance_id = at_appraisal(api)
    data = form_data(cun, instance_id, "appraisal", **MEETING, **votes, approved=approved, reason="多数不同意")
    refused = cun.complete(instance_id, "appraisal", data, status=422)
    assert refused["error"]["fields"] == {"approved": reason}


def test_votes_abstaining_are_recorded_and_a_clear_majority_passes(api):
    cun = api("cun")
    instance_id = at_appraisal(api)
    data = form_data(cun, instance_id, "appraisal", **MEETING, votes_for=11, votes_against=5, votes_abstain=4,
                     approved=True)
    cun.complete(instance_id, "appraisal", data)
    appraisal = cun.get(f"/instances/{instance_id}").json["data"]["appraisal"]
    assert (appraisal["votes_for"], appraisal["votes_against"], appraisal["votes_abstain"]) == (11, 5, 4)


# --- a village meeting decides five households, each on its own votes --------------------------------------------

def test_a_village_meeting_of_five_puts_four_on_one_notice_and_tells_the_fifth_why(api, session):
    cun = api("cun")
    cases = [at_appraisal(api, head=head) for head in HEADS]
    own = {n: {"votes_for": 12 + n, "votes_against": 8 - n, "votes_abstain": 0, "approved": True} for n in range(5)}
    own[2] = {"votes_for": 4, "votes_against": 14, "votes_abstain": 2, "approved": False,
              "reason": "代表多数认为家庭有稳定经营收入"}

    response, _ = batch(cun, "appraisal", cases, MEETING, own)

    assert response.status_code == 200, response.json
    notices = cun.get("/notices").json
    assert len(notices) == 1 and len(notices[0]["households"]) == 4
    assert ended(api, cases[2]) == "end_rejected"
    rejected = cun.get(f"/households/{household_id_of(cun.get(f'/instances/{cases[2]}').json['business_key'])}").json
    assert [f["reason"] for f in rejected["feedback"]] == ["代表多数认为家庭有稳定经营收入"]
    context = annexes.context_for(session, "annex2", notices[0]["id"], None)
    [meeting] = context["meetings"]  # one batch: one meeting
    printed = {context["rows"][number - 1]["name"]: votes["tally"]
               for number, votes in zip(meeting["numbers"], meeting["votes"], strict=True)}
    assert printed == {"巴特尔": "同意12票，反对8票，弃权0票", "乌云": "同意13票，反对7票，弃权0票",
                       "娜仁": "同意15票，反对5票，弃权0票", "图雅": "同意16票，反对4票，弃权0票"}
    assert meeting["attendees"] == 20
    printed_text = page_one_of(render(session, "annex2", notices[0]["id"], "annex2-own-votes"))
    assert "参会人数20人" in printed_text and "；3.娜仁：同意15票，反对5票，弃权0票，通过；" in printed_text
    assert "苏和" not in printed_text  # not approved: not on the notice


def test_every_household_with_impossible_votes_is_named_and_nothing_is_decided(api):
    cun = api("cun")
    cases = [at_appraisal(api, head=head) for head in HEADS[:3]]
    own = {0: {"votes_for": 15, "votes_against": 12, "approved": True},
           1: {"votes_for": 16, "votes_against": 4, "approved": True},
           2: {"votes_for": 3, "votes_against": 17, "approved": True}}

    response, task_ids = batch(cun, "appraisal", cases, MEETING, own)

    assert response.status_code == 422
    assert response.json["error"]["fields"] == {
        f"per_task.{task_ids[0]}.votes_for": "同意、反对、弃权票数之和（27）超过参会人数（20）",
        f"per_task.{task_ids[2]}.approved": "同意票（3）未超过参会人数（20）的半数，评议不能通过"}
    assert cun.get("/notices").json == []
    assert all(cun.task(i, "appraisal") for i in cases)


def test_per_task_answers_must_be_an_object_of_the_batchs_tasks(api):
    cun = api("cun")
    cases = [at_appraisal(api, head=head) for head in HEADS[:2]]
    task_ids = [cun.task(i, "appraisal")["id"] for i in cases]
    body = {"task_ids": task_ids, "data": {**MEETING, "votes_for": 15, "votes_against": 5, "approved": True}}
    assert cun.post("/tasks/complete", json={**body, "per_task": ["x"]}).status_code == 400
    shared_in_own = cun.post("/tasks/complete", json={**body, "per_task": {task_ids[0]: {"attendees": 30}}})
    assert shared_in_own.status_code == 422
    assert shared_in_own.json["error"]["fields"] == {
        f"per_task.{task_ids[0]}.attendees": "此项不是逐户填写的内容，应填在共用内容中"}
    assert all(cun.task(i, "appraisal") for i in cases)


# --- township and county review across villages ------------------------------------------------------------------

def test_the_township_rejects_one_household_of_two_villages_and_approves_the_rest_in_one_post(api, clock):
    cases = at_township_review(api, clock, [VILLAGE, VILLAGE, VILLAGE2])
    response, _ = batch(api("zhen"), "township_review", cases, {"approved": True, "opinion": "逐户审核属实"},
                        {1: {"approved": False, "reason": "家庭有稳定务工收入"}})
    assert response.status_code == 200, response.json
    assert ended(api, cases[1]) == "end_rejected"
    qi = api("qi")
    assert [t["bpmn_id"] for i in (cases[0], cases[2]) for t in qi.get(f"/instances/{i}").json["tasks"]] == \
        ["county_review", "county_review"]
    assert qi.get(f"/instances/{cases[0]}").json["data"]["township_review"]["opinion"] == "逐户审核属实"


def test_a_rejection_without_its_reason_is_refused_on_that_households_reason(api, clock):
    cases = at_township_review(api, clock, [VILLAGE, VILLAGE2])
    response, task_ids = batch(api("zhen"), "township_review", cases, {"approved": True}, {1: {"approved": False}})
    assert response.status_code == 422
    assert response.json["error"]["fields"] == {f"per_task.{task_ids[1]}.reason": "必填"}


def approved_by_township(api, clock, villages) -> list[int]:
    cases = at_township_review(api, clock, villages)
    for instance_id, village in zip(cases, villages, strict=True):
        api("sumu" if village == VILLAGE_OTHER else "zhen").complete(instance_id, "township_review", {"approved": True})
    return cases


COUNTY = {"approved": True, "review_method": "joint", "reply_reference": "达旗乡振字〔2026〕21号"}


def test_a_county_batch_spans_the_villages_of_one_township_with_a_notice_per_village(api, clock):
    cases = approved_by_township(api, clock, [VILLAGE, VILLAGE2, VILLAGE2])
    response, _ = batch(api("qi"), "county_review", cases, COUNTY)
    assert response.status_code == 200, response.json
    second = [n for n in api("qi").get("/notices").json if n["stage"] == "identification_second"]
    assert sorted(len(n["households"]) for n in second) == [1, 2]  # one notice per village, the same day
    assert {n["village"] for n in second} == {VILLAGE, VILLAGE2}


def test_a_county_batch_over_two_townships_is_refused(api, clock):
    cases = approved_by_township(api, clock, [VILLAGE, VILLAGE_OTHER])
    response, _ = batch(api("qi"), "county_review", cases, COUNTY)
    assert response.status_code == 422 and set(response.json["error"]["fields"]) == {"task_ids"}
    assert all(api("qi").task(i, "county_review") for i in cases)


def test_a_village_meeting_still_decides_one_village_only(api, create_user):
    create_user("wangge", "village", "150223100000")
    cases = [at_appraisal(api, village) for village in (VILLAGE, VILLAGE2)]
    response, _ = batch(api("wangge"), "appraisal", cases, {**MEETING, "votes_for": 15, "votes_against": 5,
                                                            "approved": True})
    assert response.status_code == 422 and set(response.json["error"]["fields"]) == {"task_ids"}


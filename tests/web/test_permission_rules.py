"""One test per rule of monitoring/permissions.py and the process rules the API used to let through (issue 9)."""

from __future__ import annotations

import pytest

from monitoring import places
from tests.web.test_identification import (
    APPRAISAL,
    VILLAGE,
    VILLAGE2,
    VISIT,
    form_data,
    forms_dir,  # noqa: F401  (fixture: the real forms)
    new_household,
    start,
    sweep,
    through_first_notice,
    world,  # noqa: F401  (fixture: the identification process deployed)
)

pytestmark = pytest.mark.usefixtures("world")


def at_appraisal(api, household) -> dict:
    cun = api("cun" if household["village"] == VILLAGE else "cun2")
    instance = start(cun, household, "cadre_screening")
    cun.complete(instance["id"], "visit", form_data(cun, instance["id"], "visit", **VISIT))
    cun.complete(instance["id"], "authorize", form_data(cun, instance["id"], "authorize", approved=True))
    return instance


# --- batches --------------------------------------------------------------------------------------------------

def test_a_batch_of_a_step_the_process_does_not_mark_batchable_is_refused(api):
    cun = api("cun")
    ids = [start(cun, new_household(api), "cadre_screening")["id"] for _ in range(2)]
    tasks = [cun.task(i, "visit")["id"] for i in ids]
    response = cun.post("/tasks/complete", json={"task_ids": tasks, "data": VISIT})
    assert response.status_code == 422 and "task_ids" in response.json["error"]["fields"]
    assert all(cun.task(i, "visit") for i in ids)  # nothing completed


def test_a_batch_across_villages_is_refused(api, create_user):
    create_user("wangge", "village", "150223100000")  # a grid worker placed at the township: sees both villages
    ids = [at_appraisal(api, new_household(api, village=v))["id"] for v in (VILLAGE, VILLAGE2)]
    worker = api("wangge")
    tasks = [worker.task(i, "appraisal")["id"] for i in ids]
    response = worker.post("/tasks/complete", json={"task_ids": tasks, "data": {**APPRAISAL,
                                                                                 "meeting_date": "2026-03-02"}})
    assert response.status_code == 422 and "task_ids" in response.json["error"]["fields"]


# --- objections -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("username", ["sheji", "guanli", "gongan"])
def test_only_the_levels_a_notice_names_record_an_objection(api, username):
    instance = at_appraisal(api, new_household(api))
    api("cun").complete(instance["id"], "appraisal", form_data(api("cun"), instance["id"], "appraisal", **APPRAISAL))
    response = api(username).post(f"/instances/{instance['id']}/messages",
                                  json={"name": "objection", "payload": {"by": "某人", "content": "有车"}})
    assert response.status_code in (403, 404)
    assert api("cun").get(f"/instances/{instance['id']}").json["waiting"], "still on notice"


def test_an_objection_says_who_raised_it_and_what(api):
    instance = at_appraisal(api, new_household(api))
    cun = api("cun")
    cun.complete(instance["id"], "appraisal", form_data(cun, instance["id"], "appraisal", **APPRAISAL))
    response = cun.post(f"/instances/{instance['id']}/messages", json={"name": "objection", "payload": {}})
    assert response.status_code == 422 and {"by", "content"} <= set(response.json["error"]["fields"])
    sent = api("zhen").post(f"/instances/{instance['id']}/messages",
                            json={"name": "objection", "payload": {"by": "村民", "content": "家有轿车"}})
    assert sent.status_code == 200 and [t["bpmn_id"] for t in sent.json["tasks"]] == ["visit"]


# --- thresholds -----------------------------------------------------------------------------------------------

def test_an_income_line_is_set_by_the_region_at_region_or_league_level_only(api, create_user):
    create_user("quyu", "region", "150000000000")
    region = api("quyu")
    body = {"kind": "income_line", "year": 2026, "amount": 9000}
    village = region.post("/thresholds", json={**body, "place": VILLAGE})
    assert village.status_code == 422 and "place" in village.json["error"]["fields"]
    assert region.post("/thresholds", json={**body, "place": "150000000000"}).status_code == 201
    assert api("qi").post("/thresholds", json={**body, "place": "150000000000"}).status_code in (403, 404)


def test_a_county_sets_its_expense_warning_and_how_old_its_department_data_may_be(api):
    qi = api("qi")
    assert qi.post("/thresholds", json={"kind": "expense_warning", "place": "150223000000", "year": 2026,
                                        "amount": 20000}).status_code == 201
    assert qi.post("/thresholds", json={"kind": "data_max_age", "place": "150223000000", "year": 2026,
                                        "amount": 60}).status_code == 201
    township = qi.post("/thresholds", json={"kind": "expense_warning", "place": "150223100000", "year": 2026,
                                            "amount": 1})
    assert township.status_code == 422


def test_thresholds_are_read_along_the_users_own_path_only(api, session):
    places.add_place(session, "150221000000", "土默特右旗", "150000000000", "county")
    session.commit()
    cun = api("cun")
    assert cun.get("/thresholds?kind=income_line&place=150000000000").status_code == 200  # the line in force
    assert cun.get("/thresholds?kind=expense_warning&place=150221000000").status_code == 404  # another county
    assert api("qi").get("/thresholds?kind=income_line&place=150221000000").status_code == 404


# --- cancelling -----------------------------------------------------------------------------------------------

def test_only_the_county_cancels_a_case_not_the_cadre_who_started_it(api):
    instance = start(api("cun"), new_household(api), "cadre_screening")
    refused = api("cun").post(f"/instances/{instance['id']}/cancel", json={"reason": "不想办了"})
    assert refused.status_code == 403
    done = api("qi").post(f"/instances/{instance['id']}/cancel", json={"reason": "重复登记"})
    assert done.status_code == 200 and done.json["status"] == "cancelled"


# --- process rules ---------------------------------------------------------------------------------------------

def test_a_household_that_refuses_to_sign_is_told_why_and_the_case_ends(api):
    household = new_household(api)
    cun = api("cun")
    instance = start(cun, household, "cadre_screening")
    cun.complete(instance["id"], "visit", form_data(cun, instance["id"], "visit", **VISIT))
    ended = cun.complete(instance["id"], "authorize", {"approved": False, "reason": "户主不同意授权查询存款"})
    assert ended["status"] == "completed" and ended["data"]["rejected_step"] == "authorize"
    feedback = cun.get(f"/households/{household['id']}").json["feedback"]
    assert [f["reason"] for f in feedback] == ["户主不同意授权查询存款"]


def through_county(api, clock, household) -> dict:
    instance = through_first_notice(api, clock, household)
    api("zhen").complete(instance["id"], "township_review", {"approved": True})
    api("qi").complete(instance["id"], "county_review", {"approved": True, "review_method": "joint",
                                                         "reply_reference": "达旗乡振字〔2026〕12号"})
    assert sweep(clock) == 1
    return instance


def test_the_monitoring_type_must_fit_the_household_and_the_tests_or_give_a_reason(api, clock):
    instance = through_county(api, clock, new_household(api))  # an ordinary household under the line
    qi = api("qi")
    entry = form_data(qi, instance["id"], "entry", risk_types=["illness"])
    assert entry["monitoring_type"] == "marginal"
    wrong = qi.complete(instance["id"], "entry", {**entry, "monitoring_type": "unstable"}, status=422)
    assert "monitoring_type" in wrong["error"]["fields"]  # 脱贫不稳定户 is for former poor households only
    unexplained = qi.complete(instance["id"], "entry", {**entry, "monitoring_type": "sudden"}, status=422)
    assert "type_reason" in unexplained["error"]["fields"]
    done = qi.complete(instance["id"], "entry", {**entry, "monitoring_type": "sudden",
                                                 "type_reason": "妻子突发重病, 医疗支出远超收入"})
    assert done["status"] == "completed"


@pytest.mark.parametrize(("reason", "why"), [
    ("", "必填"), ("\u200b", "不可见"), ("重复\u202e登记", "方向"), ("长" * 501, "500"),
])
def test_a_cancel_reason_through_the_api_keeps_the_text_rule(api, reason, why):
    instance = start(api("cun"), new_household(api), "cadre_screening")
    refused = api("qi").post(f"/instances/{instance['id']}/cancel", json={"reason": reason})
    assert refused.status_code == 422 and why in refused.json["error"]["fields"]["reason"]
    assert api("qi").get(f"/instances/{instance['id']}").json["status"] == "running"


def test_an_objection_of_invisible_characters_only_is_refused(api):
    instance = at_appraisal(api, new_household(api))
    cun = api("cun")
    cun.complete(instance["id"], "appraisal", form_data(cun, instance["id"], "appraisal", **APPRAISAL))
    response = cun.post(f"/instances/{instance['id']}/messages",
                        json={"name": "objection", "payload": {"by": "\u200b", "content": "有车\u202e"}})
    assert response.status_code == 422 and {"by", "content"} <= set(response.json["error"]["fields"])

"""Identification of monitoring objects (domain.md §4), through the API alone, with time travel."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from engine import timers
from monitoring import comparison, thresholds
from monitoring.demo_data import department_file
from monitoring.department_files import DATASETS
from monitoring.id_number import check_digit
from monitoring.models import User
from tests.conftest import CST
from web.boundary import engine, unit_of_work

ROOT = Path(__file__).resolve().parents[2]
VILLAGE, VILLAGE2 = "150223100201", "150223100202"


@pytest.fixture
def forms_dir():
    return ROOT / "forms"


@pytest.fixture
def world(api, session, create_user):
    """The identification process deployed with assistance, the case its entry starts, an income line of 8900 yuan
    for 2026, department users."""
    designer = api("sheji")
    for name in ("assistance.bpmn", "identification.bpmn"):
        response = designer.deploy(ROOT / "processes" / name)
        assert response.status_code == 201, response.json
    for year in (2026, 2027):
        thresholds.set_threshold(session, thresholds.INCOME_LINE, "150000000000", year, 8900, "test",
                                 datetime(2026, 1, 1, tzinfo=CST))
    create_user("gongan", "department", "150223000000", department="police")
    upload_every_dataset(session, create_user, datetime(2026, 3, 1, tzinfo=CST))
    session.commit()


def upload_every_dataset(session, create_user, at):
    """Every department's data is in and current, with none of our households in it: a case's comparison
    then turns on the hits a test uploads, never on missing data."""
    for key, dataset in DATASETS.items():
        actor = create_user(f"dept_{key}", "department", "150223000000", department=dataset.departments[0])
        user = session.execute(select(User).where(User.username == actor.username)).scalar_one()
        comparison.upload(session, user, actor, key, f"{key}.csv", department_file(key, [], others=2, seed=1), at)


def person(name, first17, relation="head"):
    return {"name": name, "id_number": first17 + check_digit(first17), "relation": relation}


_serial = iter(range(100, 999))


def new_household(api, village=VILLAGE, household_type="ordinary"):
    n = next(_serial)
    body = {"village": village, "household_type": household_type, "group": "2组",
            "members": [person("巴特尔", f"15022319700101{n:03d}"),
                        person("其木格", f"15022319720101{n:03d}", "spouse")]}
    response = api("cun" if village == VILLAGE else "cun2").post("/households", json=body)
    assert response.status_code == 201, response.json
    return response.json


def start(user, household, channel="self_declared"):
    response = user.post("/instances", json={"process": "identification", "household_id": household["id"],
                                             "data": {"channel": channel}})
    assert response.status_code == 201, response.json
    return response.json


def form_data(user, instance_id, bpmn_id, **answers):
    """The prefilled form of the step, with the user's answers over it: nobody types known data again."""
    task = user.task(instance_id, bpmn_id)
    prefill = user.get(f"/tasks/{task['id']}").json["prefill"]
    return {**prefill, **answers}


def sweep(clock, days=6, minutes=0):
    clock.advance(timedelta(days=days, minutes=minutes))
    return timers.run_due_timers(engine(), unit_of_work)


VISIT = {"visitors": "村两委 张三、李四", "wage_income": 6000, "business_income": 3000, "property_income": 0,
         "transfer_income": 1200, "business_expenses": 2000, "medical_expense": 30000, "risk_types": ["illness"],
         "approved": True}
APPRAISAL = {"meeting_form": "representative_meeting", "attendees": 35, "votes_for": 33, "votes_against": 2,
             "approved": True}


def through_first_notice(api, clock, household, channel="self_declared"):
    cun = api("cun")
    instance = start(cun, household, channel)
    if channel == "self_declared":
        cun.complete(instance["id"], "apply", form_data(cun, instance["id"], "apply", way="in_person",
                                                         applicant_name="巴特尔", reason="家人患病, 医疗支出大"))
    cun.complete(instance["id"], "visit", form_data(cun, instance["id"], "visit", **VISIT))
    cun.complete(instance["id"], "authorize", form_data(cun, instance["id"], "authorize", approved=True))
    cun.complete(instance["id"], "appraisal", form_data(cun, instance["id"], "appraisal", **APPRAISAL))
    assert sweep(clock) == 1
    return instance


def test_an_application_ends_with_a_monitoring_object(api, world, clock):
    household = new_household(api)
    instance = through_first_notice(api, clock, household)
    api("zhen").complete(instance["id"], "township_review", {"approved": True, "opinion": "逐户审核属实"})
    qi = api("qi")
    after_review = qi.complete(instance["id"], "county_review", {"approved": True, "review_method": "joint",
                                                                  "reply_reference": "达旗乡振字〔2026〕12号"})
    assert any(w["type"] == "timer" for w in after_review["waiting"])
    assert sweep(clock) == 1
    entry = form_data(qi, instance["id"], "entry", risk_types=["illness"])
    assert entry["monitoring_type"] == "marginal"  # per-capita income below the line, never poor before
    done = qi.complete(instance["id"], "entry", entry)
    assert done["status"] == "completed"
    record = api("cun").get(f"/households/{household['id']}").json
    assert record["monitoring"] == {"status": "monitored", "type": "marginal", "risk_types": ["illness"],
                                    "since": entry["entry_date"], "elimination_method": None, "eliminated_on": None}
    assert record["measurements"][0]["per_capita_income"] == 4100.0  # (6000+3000+1200-2000) / 2
    assert record["authorization"]["signed_by"] == "head"
    assert record["cases"][0]["status"] == "completed"


def test_cadre_screening_starts_at_the_visit(api, world, clock):
    cun = api("cun")
    instance = start(cun, new_household(api), "cadre_screening")
    assert [t["bpmn_id"] for t in instance["tasks"]] == ["visit"]


def test_the_visit_is_due_five_working_days_after_the_application(api, world, clock):
    cun = api("cun")
    clock.set(datetime(2026, 9, 29, 10, 0, tzinfo=CST))  # Tuesday before the National Day holiday
    instance = start(cun, new_household(api), "department_warning")
    visit = cun.task(instance["id"], "visit")
    assert visit["due_at"] == "2026-10-12T16:00:00+00:00"  # Sep 30, Oct 8, 9, 10 (make-up), 12 → midnight CST
    assert visit["overdue"] is False
    clock.set(datetime(2026, 10, 13, 9, 0, tzinfo=CST))
    assert cun.task(instance["id"], "visit")["overdue"] is True


def test_a_visit_deadline_late_in_december_runs_into_2027(api, world, clock):
    cun = api("cun")
    clock.set(datetime(2026, 12, 29, 10, 0, tzinfo=CST))
    instance = start(cun, new_household(api), "social_supervision")
    assert cun.task(instance["id"], "visit")["due_at"] == "2027-01-05T16:00:00+00:00"  # Mon–Fri in 2027


def test_an_objection_sends_the_household_back_to_verification_and_a_new_notice(api, world, clock):
    cun = api("cun")
    household = new_household(api)
    instance = start(cun, household, "cadre_screening")
    cun.complete(instance["id"], "visit", form_data(cun, instance["id"], "visit", **VISIT))
    cun.complete(instance["id"], "authorize", form_data(cun, instance["id"], "authorize", approved=True))
    cun.complete(instance["id"], "appraisal", form_data(cun, instance["id"], "appraisal", **APPRAISAL))
    clock.advance(timedelta(days=2))
    objected = cun.post(f"/instances/{instance['id']}/messages",
                        json={"name": "objection", "payload": {"by": "村民", "content": "家中有小轿车"}})
    assert objected.status_code == 200, objected.json
    assert [t["bpmn_id"] for t in objected.json["tasks"]] == ["visit"]
    again = form_data(cun, instance["id"], "visit")
    assert again["wage_income"] == 6000  # the re-verification starts from what the first visit found
    cun.complete(instance["id"], "visit", {**again, "visited_on": "2026-03-04", "approved": True,
                                           "risk_types": ["illness"]})
    after = api("cun").get(f"/instances/{instance['id']}").json
    assert [t["bpmn_id"] for t in after["tasks"]] == ["appraisal"]  # already authorized: not signed twice
    cun.complete(instance["id"], "appraisal", form_data(cun, instance["id"], "appraisal", **APPRAISAL))
    assert sweep(clock, days=3) == 0  # the notice starts again from the new posting
    assert sweep(clock, days=3) == 1
    assert api("zhen").task(instance["id"], "township_review")


def test_a_household_rejected_by_the_township_is_told_why(api, world, clock):
    household = new_household(api)
    instance = through_first_notice(api, clock, household)
    done = api("zhen").complete(instance["id"], "township_review",
                                {"approved": False, "reason": "家庭有稳定务工收入, 人均纯收入高于监测线"})
    assert done["status"] == "completed"
    assert done["events"][-1]["detail"]["end"] == "end_rejected"
    record = api("cun").get(f"/households/{household['id']}").json
    assert record["monitoring"]["status"] == "not_monitored"
    assert [f["reason"] for f in record["feedback"]] == ["家庭有稳定务工收入, 人均纯收入高于监测线"]
    assert record["feedback"][0]["step"]


def upload_vehicle_of(api, household):
    police = api("gongan")
    content = department_file("vehicles", [household["members"][1]], others=5, seed=7)
    response = police.client.post("/api/v1/department-data", headers=police.headers,
                                  content_type="multipart/form-data",
                                  data={"dataset": "vehicles", "file": (io.BytesIO(content), "vehicles.csv")})
    assert response.status_code == 201, response.json


def test_a_household_struck_by_the_data_comparison(api, world, clock):
    household = new_household(api)
    upload_vehicle_of(api, household)
    instance = through_first_notice(api, clock, household)
    after = api("zhen").complete(instance["id"], "township_review", {"approved": True})
    assert [t["bpmn_id"] for t in after["tasks"]] == ["comparison_review"]
    hits = after["data"]["exclusion_hits"]
    assert [(h["member"], h["exclusion"]) for h in hits] == [("其木格", "E3")]
    assert "号牌号码" in hits[0]["evidence"]
    done = api("qi").complete(instance["id"], "comparison_review", {"decision": "strike", "reason": "家庭成员有小轿车"})
    assert done["events"][-1]["detail"]["end"] == "end_rejected"
    record = api("qi").get(f"/households/{household['id']}").json
    assert record["feedback"][0]["reason"] == "家庭成员有小轿车"
    assert record["comparison_hits"][0]["exclusion"] == "E3"


def test_a_struck_household_admitted_as_a_special_case_needs_the_meetings_reasons(api, world, clock):
    household = new_household(api)
    upload_vehicle_of(api, household)
    instance = through_first_notice(api, clock, household)
    api("zhen").complete(instance["id"], "township_review", {"approved": True})
    qi = api("qi")
    refused = qi.complete(instance["id"], "comparison_review", {"decision": "special_case"}, status=422)
    assert set(refused["error"]["fields"]) == {"meeting_date", "meeting_reasons"}
    after = qi.complete(instance["id"], "comparison_review", {
        "decision": "special_case", "meeting_date": "2026-03-06",
        "meeting_reasons": "车辆为报废农用车, 已无使用价值, 村民代表会议一致同意纳入"})
    assert [t["bpmn_id"] for t in after["tasks"]] == ["county_review"]


def test_one_notice_for_the_households_a_village_decided_together(api, world, clock):
    cun = api("cun")
    cases = []
    for _ in range(3):
        instance = start(cun, new_household(api), "cadre_screening")
        cun.complete(instance["id"], "visit", form_data(cun, instance["id"], "visit", **VISIT))
        cun.complete(instance["id"], "authorize", form_data(cun, instance["id"], "authorize", approved=True))
        cases.append(instance["id"])
    task_ids = [cun.task(i, "appraisal")["id"] for i in cases]
    decision = {**APPRAISAL, "meeting_date": "2026-03-02"}
    decided = cun.post("/tasks/complete", json={"task_ids": task_ids, "data": decision})
    assert decided.status_code == 200, decided.json
    notices = cun.get("/notices").json
    assert len(notices) == 1
    assert len(notices[0]["households"]) == 3
    assert (notices[0]["starts_on"], notices[0]["ends_on"]) == ("2026-03-02", "2026-03-07")
    assert sweep(clock) == 3


def test_a_wrong_id_number_in_the_authorization_form_names_the_field(api, world, clock):
    cun = api("cun")
    instance = start(cun, new_household(api), "cadre_screening")
    cun.complete(instance["id"], "visit", form_data(cun, instance["id"], "visit", **VISIT))
    data = form_data(cun, instance["id"], "authorize", approved=True)
    right = data["members"][0]["id_number"]
    data["members"][0]["id_number"] = right[:-1] + ("0" if right[-1] != "0" else "1")
    refused = cun.complete(instance["id"], "authorize", data, status=422)
    assert "members.0.id_number" in refused["error"]["fields"]


def test_only_one_open_identification_per_household(api, world):
    cun = api("cun")
    household = new_household(api)
    start(cun, household)
    again = cun.post("/instances", json={"process": "identification", "household_id": household["id"],
                                         "data": {"channel": "self_declared"}})
    assert again.status_code == 409
    bad = cun.post("/instances", json={"process": "identification", "household_id": household["id"],
                                       "data": {"channel": "rumour"}})
    assert bad.status_code == 422 and "channel" in bad.json["error"]["fields"]
    assert api("cun3").post("/instances", json={"process": "identification", "household_id": household["id"],
                                                "data": {"channel": "self_declared"}}).status_code == 404


def test_visit_without_an_income_line_is_refused_with_a_reason(api, world, session, clock):
    clock.set(datetime(2028, 3, 1, 9, 0, tzinfo=CST))
    cun = api("cun")
    instance = start(cun, new_household(api), "cadre_screening")
    refused = cun.complete(instance["id"], "visit", form_data(cun, instance["id"], "visit", **VISIT), status=422)
    assert "income_line" in refused["error"]["fields"]
    assert date(2028, 3, 1).year == 2028

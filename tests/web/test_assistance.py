"""帮扶 (issue 11, "Who acts"), through the API alone: identification's entry starts the county's departmental
consultation (部门会商) for the household; the county confirms the plan once it has measures; each open measure
goes to its lead department's inbox (the county's own where it leads), where that department alone records what
it did, by the rule of PATCH /api/v1/measures/{id}; the case ends when every measure is done or stopped.
Each test runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine.errors import InvalidData
from monitoring import decisions, measures, places
from monitoring.models import Household, MeasureChange, User
from tests.web.test_identification import (  # noqa: F401 (fixtures)
    form_data,
    forms_dir,
    new_household,
    sweep,
    through_first_notice,
    world,
)
from web.boundary import engine

COUNTY = "150223000000"


@pytest.fixture
def departments(create_user, world):  # noqa: F811
    """卫健, 人社 and 民政 of the county."""
    create_user("weijian", "department", COUNTY, department="health")
    create_user("renshe", "department", COUNTY, department="hrss")
    create_user("minzheng", "department", COUNTY, department="civil")


def identified(api, clock) -> tuple[dict, str]:
    """A household taken through identification to its entry; returns it and the day it was entered."""
    household = new_household(api)
    instance = through_first_notice(api, clock, household)
    api("zhen").complete(instance["id"], "township_review", {"approved": True, "opinion": "逐户审核属实"})
    qi = api("qi")
    qi.complete(instance["id"], "county_review", {"approved": True, "review_method": "joint",
                                                  "reply_reference": "达旗乡振字〔2026〕12号"})
    assert sweep(clock) == 1
    entry = form_data(qi, instance["id"], "entry", risk_types=["illness"])
    qi.complete(instance["id"], "entry", entry)
    return household, entry["entry_date"]


def assistance_case(api, household: dict) -> int:
    [case] = [c for c in api("qi").get(f"/households/{household['id']}").json["cases"] if c["process"] == "assistance"]
    return case["id"]


def add_measure(api, household: dict, since: str, **changes) -> int:
    body = {"category": "health", "subtype": "family_doctor", "content": "签约家庭医生，每季度随访",
            "department": "health", "responsible": "王医生", "start_on": since, "amount": 120, **changes}
    response = api("qi").post(f"/households/{household['id']}/measures", json=body)
    assert response.status_code == 201, response.json
    return response.json["id"]


def public_welfare_post(since: str) -> dict:
    return {"category": "employment", "subtype": "public_welfare_post", "content": "村保洁公益岗位",
            "department": "hrss", "start_on": since, "amount": 6000}


def inbox(client, case_id: int) -> list[dict]:
    return [t for t in client.get("/tasks").json if t["instance_id"] == case_id]


def history(session, measure_id: int) -> list[tuple[str | None, str]]:
    session.expire_all()
    return [(c.status_from, c.status_to) for c in session.execute(
        select(MeasureChange).where(MeasureChange.measure_id == measure_id).order_by(MeasureChange.id)).scalars()]


def planned(api, clock, session) -> tuple[int, int, int]:
    """A household with a 卫健 and a 人社 measure whose consultation is confirmed: (case, doctor, post)."""
    household, since = identified(api, clock)
    case_id = assistance_case(api, household)
    doctor = add_measure(api, household, since)
    post = add_measure(api, household, since, **public_welfare_post(since))
    qi = api("qi")
    qi.complete(case_id, "plan", form_data(qi, case_id, "plan", departments=["health", "hrss"], note="会商确定"))
    return case_id, doctor, post


def test_identification_ends_with_the_consultation_in_the_countys_inbox(api, departments, clock, session):
    household, _ = identified(api, clock)

    cases = api("qi").get(f"/households/{household['id']}").json["cases"]
    assert sorted((c["process"], c["status"]) for c in cases) == [("assistance", "running"),
                                                                   ("identification", "completed")]
    case_id = assistance_case(api, household)
    qi = api("qi")
    [plan] = inbox(qi, case_id)
    assert (plan["bpmn_id"], plan["name"], plan["place"]) == ("plan", "部门会商·制定帮扶计划", "150223100201")
    case = qi.get(f"/instances/{case_id}").json
    identification = next(c for c in cases if c["process"] == "identification")
    assert case["business_key"] == qi.get(f"/instances/{identification['id']}").json["business_key"]
    events = qi.get(f"/instances/{identification['id']}").json["events"]
    started = [e for e in events if e["type"] == "follow_up_started"]
    assert [(e["user"], e["detail"]["instance_id"]) for e in started] == [("qi", case_id)]
    task = qi.get(f"/tasks/{plan['id']}").json
    assert task["prefill"] == {"consulted_on": engine().today().isoformat()}
    assert task["plan"]["measures"] == [] and task["plan"]["may_add"] is True
    assert inbox(api("cun"), case_id) == [] and inbox(api("weijian"), case_id) == []


def test_confirming_the_plan_without_a_measure_is_refused_naming_the_field(api, departments, clock, session):
    household, _ = identified(api, clock)
    case_id = assistance_case(api, household)
    qi = api("qi")
    data = form_data(qi, case_id, "plan", departments=["health"])

    refused = qi.complete(case_id, "plan", data, status=422)

    assert set(refused["error"]["fields"]) == {"measures"}
    assert "添加帮扶措施" in refused["error"]["fields"]["measures"]
    assert [t["bpmn_id"] for t in inbox(qi, case_id)] == ["plan"]  # nothing changed: the task waits
    assert qi.get(f"/instances/{case_id}").json["status"] == "running"


def test_each_department_gets_its_own_measure_and_no_one_else_sees_it(api, departments, clock, session):
    case_id, doctor, post = planned(api, clock, session)
    weijian, renshe, minzheng, cun = api("weijian"), api("renshe"), api("minzheng"), api("cun")

    [health_task], [hrss_task] = inbox(weijian, case_id), inbox(renshe, case_id)
    assert (health_task["bpmn_id"], health_task["name"]) == ("carry_out", "落实帮扶措施")
    assert hrss_task["bpmn_id"] == "carry_out" and inbox(minzheng, case_id) == [] and inbox(cun, case_id) == []
    assert inbox(api("qi"), case_id) == []
    health_view = weijian.get(f"/tasks/{health_task['id']}").json
    assert [m["id"] for m in health_view["plan"]["measures"]] == [doctor]  # the measure it carries out, only it
    assert "warnings" not in health_view["plan"]
    assert [m["id"] for m in renshe.get(f"/tasks/{hrss_task['id']}").json["plan"]["measures"]] == [post]
    for stranger in (minzheng, cun, renshe):
        assert stranger.get(f"/tasks/{health_task['id']}").status_code == 404
        response = stranger.post(f"/tasks/{health_task['id']}/complete", json={"data": {"status": "done"}})
        assert response.status_code == 404
    case = api("qi").get(f"/instances/{case_id}").json
    assert case["data"]["plan"]["departments"] == ["health", "hrss"]
    assert [m["measure_id"] for m in case["data"]["measures"]] == [doctor, post]
    [checked] = decisions.by_case(session, [case_id])[case_id]
    assert checked.title == "帮扶计划核对" and checked.outcome.startswith("措施与风险类型、劳动能力")


def test_the_department_records_in_progress_then_done_as_the_measure_api_would(api, departments, clock, session):
    case_id, doctor, post = planned(api, clock, session)
    weijian = api("weijian")
    today = engine().today().isoformat()

    weijian.complete(case_id, "carry_out", {"status": "in_progress", "result": "已签约，首次随访"})

    [again] = inbox(weijian, case_id)  # in progress: the task is back in the same department's inbox
    starts = weijian.get(f"/tasks/{again['id']}").json["prefill"]
    assert starts == {"status": "in_progress", "result": "已签约，首次随访", "amount": 120.0}
    assert history(session, doctor) == [(None, "planned"), ("planned", "in_progress")]

    done = weijian.complete(case_id, "carry_out", {**starts, "status": "done", "done_on": today,
                                                   "result": "已签约，完成四次随访"})

    assert done["status"] == "running"  # 人社's measure is still open
    assert inbox(weijian, case_id) == []
    listed = {m["id"]: m for m in api("qi").get("/measures").json}
    assert (listed[doctor]["status"], listed[doctor]["done_on"], listed[doctor]["result"]) == (
        "done", today, "已签约，完成四次随访")
    assert history(session, doctor) == [(None, "planned"), ("planned", "in_progress"), ("in_progress", "done")]
    ended = api("renshe").complete(case_id, "carry_out", {"status": "stopped", "result": "本人外出务工，不再需要"})
    assert ended["status"] == "completed"
    assert [m["id"] for m in ended["data"]["measures"]] == [post]  # a department reads its own measures only
    outcomes = api("qi").get(f"/instances/{case_id}").json["data"]["outcomes"]
    assert [m["status"] for m in outcomes] == ["done", "stopped"]


def test_a_refused_progress_names_the_field_and_changes_nothing(api, departments, clock, session):
    case_id, doctor, _ = planned(api, clock, session)
    weijian = api("weijian")

    refused = weijian.complete(case_id, "carry_out", {"status": "done"}, status=422)

    assert set(refused["error"]["fields"]) == {"done_on", "result"}  # the measure's own rule, as PATCH answers
    assert history(session, doctor) == [(None, "planned")]
    assert [t["bpmn_id"] for t in inbox(weijian, case_id)] == ["carry_out"]


def test_a_measure_closed_on_its_page_closes_the_task_without_a_second_record(api, departments, clock, session):
    case_id, doctor, _ = planned(api, clock, session)
    weijian = api("weijian")
    today = engine().today().isoformat()
    patched = weijian.client.patch(f"/api/v1/measures/{doctor}", headers=weijian.headers,
                                   json={"status": "done", "done_on": today, "result": "已签约"})
    assert patched.status_code == 200, patched.json
    [task] = inbox(weijian, case_id)
    starts = weijian.get(f"/tasks/{task['id']}").json["prefill"]
    assert starts == {"status": "done", "done_on": today, "result": "已签约", "amount": 120.0}

    other = weijian.complete(case_id, "carry_out", {**starts, "status": "stopped"}, status=422)
    day = engine().today()
    assert other["error"]["fields"] == {"status": f"该措施已于{day.year}年{day.month}月{day.day}日登记为已完成，"
                                                  "如需更正请由旗县在措施页说明理由后修改"}
    weijian.complete(case_id, "carry_out", starts)

    assert inbox(weijian, case_id) == []
    assert history(session, doctor) == [(None, "planned"), ("planned", "done")]  # the PATCH's, once


def test_a_measure_the_county_leads_comes_back_to_the_county(api, departments, clock, session):
    household, since = identified(api, clock)
    case_id = assistance_case(api, household)
    paired = add_measure(api, household, since, category="social_assistance", subtype="paired_assistance",
                         department=None, content="干部结对帮扶")
    qi = api("qi")
    qi.complete(case_id, "plan", form_data(qi, case_id, "plan", departments=["health"]))

    [task] = inbox(qi, case_id)
    assert (task["bpmn_id"], task["role"]) == ("carry_out_by_county", "county")
    assert [m["id"] for m in qi.get(f"/tasks/{task['id']}").json["plan"]["measures"]] == [paired]
    done = qi.complete(case_id, "carry_out_by_county", {"status": "done", "done_on": since, "result": "已结对"})
    assert done["status"] == "completed"


def test_a_case_records_progress_only_on_its_own_households_measures(api, departments, clock, session):
    """The BPMN function's rule: a measure of another household is refused, whatever the task's data says."""
    case_id, doctor, _ = planned(api, clock, session)
    other = session.get(Household, new_household(api)["id"])
    county = api("qi")
    actor = places.actor_for(session, session.execute(select(User).where(User.username == "weijian")).scalar_one())

    with pytest.raises(InvalidData) as refused:
        measures.record_case_progress(session, actor, other, doctor, {"status": "in_progress"}, engine().now(),
                                      engine().today())

    assert refused.value.fields == {"measure_id": "不是本户帮扶计划中的措施"}
    assert session.execute(select(func.count()).select_from(MeasureChange)
                           .where(MeasureChange.measure_id == doctor)).scalar() == 1
    assert county.get(f"/instances/{case_id}").json["status"] == "running"

"""Every measure reaches its lead department's inbox, also one planned after the county confirmed the plan (issue 11,
"Who acts"), through the API alone on SQLite and PostgreSQL: a later measure starts an assistance case of its own
that skips the consultation; one planned while the consultation is open is handed over by it, once; a department's
own measure comes to its own inbox. While a measure's task waits, the county cannot move it to another lead
department (the old one could no longer record it); outsiders get 404 and start nothing.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from engine.models import ProcessInstance
from monitoring import places
from monitoring.models import Measure, MeasureChange
from tests.web.test_assistance import (  # noqa: F401 (fixtures)
    add_measure,
    assistance_case,
    departments,
    history,
    identified,
    planned,
    public_welfare_post,
)
from tests.web.test_identification import form_data, forms_dir, world  # noqa: F401 (fixtures)
from web.boundary import engine

OTHER_COUNTY = "150222000000"
pytestmark = pytest.mark.usefixtures("departments")


def subsistence(since: str) -> dict:
    return {"category": "social_security", "subtype": "subsistence_allowance", "content": "纳入农村低保，按月发放",
            "department": "civil", "start_on": since, "amount": 4800}


def tasks_for(client, measure_id: int) -> list[dict]:
    """The tasks in the user's inbox that carry out the measure, whichever case they belong to."""
    return [t for t in client.get("/tasks").json
            if [m["id"] for m in (client.get(f"/tasks/{t['id']}").json.get("plan") or {}).get("measures", [])]
            == [measure_id] and t["bpmn_id"] in ("carry_out", "carry_out_by_county")]


def assistance_cases(api, household_id: int) -> list[dict]:
    return [c for c in api("qi").get(f"/households/{household_id}").json["cases"] if c["process"] == "assistance"]


def household_of(session, measure_id: int) -> int:
    return session.get(Measure, measure_id).household_id


def instances(session) -> int:
    session.expire_all()
    return session.execute(select(func.count()).select_from(ProcessInstance)).scalar()


def test_a_measure_planned_after_the_plan_was_confirmed_lands_in_its_departments_inbox(api, clock, session):
    first, doctor, _ = planned(api, clock, session)
    household = {"id": household_of(session, doctor)}
    since = session.get(Measure, doctor).start_on.isoformat()

    allowance = add_measure(api, household, since, **subsistence(since))

    minzheng = api("minzheng")
    [task] = tasks_for(minzheng, allowance)
    assert (task["bpmn_id"], task["name"], task["role"]) == ("carry_out", "落实帮扶措施", "department")
    later = task["instance_id"]
    assert later != first
    assert [(c["id"], c["status"]) for c in assistance_cases(api, household["id"])] == [(first, "running"),
                                                                                      (later, "running")]
    case = api("qi").get(f"/instances/{later}").json
    assert "plan" not in case["data"]  # no second consultation: the county's inbox holds nothing of it
    assert [t for t in api("qi").get("/tasks").json if t["instance_id"] == later] == []
    [started] = [e for e in case["events"] if e["type"] == "instance_started"]
    assert started["user"] == "qi" and started["detail"]["data"]["measures"][0]["measure_id"] == allowance
    assert [len(tasks_for(api(user), doctor)) for user in ("weijian", "minzheng")] == [1, 0]  # nothing doubled

    done = minzheng.complete(later, "carry_out", {"status": "done", "done_on": engine().today().isoformat(),
                                                  "result": "已纳入农村低保"})

    assert done["status"] == "completed"  # the later case ends with its measure
    assert history(session, allowance) == [(None, "planned"), ("planned", "done")]
    assert api("qi").get(f"/instances/{first}").json["status"] == "running"  # 卫健 and 人社 still at work


def test_a_measure_planned_while_the_consultation_is_open_gets_one_task(api, clock, session):
    household, since = identified(api, clock)
    case_id = assistance_case(api, household)
    doctor = add_measure(api, household, since)

    assert [c["id"] for c in assistance_cases(api, household["id"])] == [case_id]  # it waits for the consultation
    qi = api("qi")
    qi.complete(case_id, "plan", form_data(qi, case_id, "plan", departments=["health"]))

    [task] = tasks_for(api("weijian"), doctor)
    assert task["instance_id"] == case_id
    assert [c["id"] for c in assistance_cases(api, household["id"])] == [case_id]


def test_a_measure_the_county_leads_planned_later_comes_to_the_county(api, clock, session):
    _, doctor, _ = planned(api, clock, session)
    household = {"id": household_of(session, doctor)}
    since = session.get(Measure, doctor).start_on.isoformat()

    paired = add_measure(api, household, since, category="social_assistance", subtype="paired_assistance",
                         department=None, content="干部结对帮扶")

    qi = api("qi")
    [task] = tasks_for(qi, paired)
    assert (task["bpmn_id"], task["role"]) == ("carry_out_by_county", "county")
    assert all(tasks_for(api(user), paired) == [] for user in ("weijian", "renshe", "minzheng"))
    done = qi.complete(task["instance_id"], "carry_out_by_county", {"status": "done", "done_on": since,
                                                                    "result": "已结对"})
    assert done["status"] == "completed"


def test_a_department_planning_its_own_measure_finds_it_in_its_inbox(api, clock, session):
    """The measure is still that department's to record: the task is where it does so, and its reminder."""
    _, doctor, _ = planned(api, clock, session)
    household_id = household_of(session, doctor)
    since = session.get(Measure, doctor).start_on.isoformat()
    renshe = api("renshe")

    response = renshe.post(f"/households/{household_id}/measures",
                           json={**public_welfare_post(since), "content": "县城就业技能培训", "department": None,
                                 "responsible": "就业局 李明"})

    assert response.status_code == 201, response.json
    training = response.json["id"]
    assert response.json["department"] == "hrss"  # a department plans for itself
    [task] = tasks_for(renshe, training)
    events = api("qi").get(f"/instances/{task['instance_id']}").json["events"]
    assert [e["user"] for e in events if e["type"] == "instance_started"] == ["renshe"]  # who planned it started it
    assert tasks_for(api("weijian"), training) == []


def test_the_lead_department_of_a_measure_being_carried_out_does_not_change(api, clock, session):
    case_id, doctor, _ = planned(api, clock, session)
    qi, weijian = api("qi"), api("weijian")
    patch = qi.client.patch(f"/api/v1/measures/{doctor}", headers=qi.headers,
                            json={"department": "civil", "content": "改由民政落实"})

    assert patch.status_code == 422
    assert set(patch.json["error"]["fields"]) == {"department"}
    reason = patch.json["error"]["fields"]["department"]
    assert "卫健" in reason and "落实帮扶措施" in reason and "已终止" in reason
    session.expire_all()
    measure = session.get(Measure, doctor)
    assert (measure.department, measure.content) == ("health", "签约家庭医生，每季度随访")  # nothing changed
    assert history(session, doctor) == [(None, "planned")]
    assert len(tasks_for(weijian, doctor)) == 1 and tasks_for(api("minzheng"), doctor) == []

    same = qi.client.patch(f"/api/v1/measures/{doctor}", headers=qi.headers,
                           json={"department": "health", "content": "签约家庭医生，每月随访"})
    assert same.status_code == 200, same.json  # the other plan fields still change while the task waits
    weijian.complete(case_id, "carry_out", {"status": "done", "done_on": engine().today().isoformat(),
                                            "result": "已签约"})
    moved = qi.client.patch(f"/api/v1/measures/{doctor}", headers=qi.headers,
                            json={"department": "civil", "reason": "核实后应由民政落实"})
    assert moved.status_code == 200, moved.json  # once carried out, a correction with its reason


def test_a_measure_still_waiting_for_the_consultation_changes_its_lead_and_goes_there(api, clock, session):
    household, since = identified(api, clock)
    case_id = assistance_case(api, household)
    doctor = add_measure(api, household, since)
    qi = api("qi")
    assert qi.client.patch(f"/api/v1/measures/{doctor}", headers=qi.headers,
                           json={"department": "civil"}).status_code == 200

    qi.complete(case_id, "plan", form_data(qi, case_id, "plan", departments=["civil"]))

    assert len(tasks_for(api("minzheng"), doctor)) == 1 and tasks_for(api("weijian"), doctor) == []


@pytest.fixture
def other_county(session, create_user):
    """A county next door, with its own county and 民政 users."""
    places.add_place(session, OTHER_COUNTY, "固阳县", "150000000000", "county")
    session.commit()
    create_user("guyang", "county", OTHER_COUNTY)
    create_user("guyang_minzheng", "department", OTHER_COUNTY, department="civil")


def test_outsiders_plan_nothing_and_start_nothing(api, other_county, clock, session):
    _, doctor, _ = planned(api, clock, session)
    household_id = household_of(session, doctor)
    since = session.get(Measure, doctor).start_on.isoformat()
    before, changes = instances(session), session.execute(select(func.count()).select_from(MeasureChange)).scalar()

    for user in ("guyang", "guyang_minzheng"):
        client = api(user)
        assert client.post(f"/households/{household_id}/measures",
                           json={**subsistence(since), "responsible": "王明"}).status_code == 404
        assert client.client.patch(f"/api/v1/measures/{doctor}", headers=client.headers,
                                   json={"department": "civil"}).status_code == 404
    assert api("weijian").client.patch(f"/api/v1/measures/{doctor}", headers=api("weijian").headers,
                                       json={"department": "civil"}).status_code == 403  # the plan is the county's

    assert instances(session) == before
    assert session.execute(select(func.count()).select_from(MeasureChange)).scalar() == changes


def test_a_person_cannot_start_a_case_that_names_its_measures(api, clock, session):
    """The measures a case hands out are the system's: a start naming them would route any measure anywhere."""
    _, doctor, _ = planned(api, clock, session)
    household_id = household_of(session, doctor)
    before = instances(session)

    refused = api("qi").post("/instances", json={"process": "assistance", "household_id": household_id, "data": {
        "measures": [{"measure_id": doctor, "department": "civil", "title": "健康帮扶"}]}})

    assert refused.status_code == 422
    assert set(refused.json["error"]["fields"]) == {"measures"}
    assert instances(session) == before


def test_a_measure_planned_while_the_county_confirms_the_plan_gets_one_task(app, api, clock, session, database_url):
    """The county confirms the plan while 人社 plans a measure: either the plan hands it over or it starts its own
    case, never neither nor both (the household's row lock orders the two; PostgreSQL runs them at once)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite runs one writer at a time")
    household, since = identified(api, clock)
    case_id = assistance_case(api, household)
    add_measure(api, household, since)
    qi, renshe = api("qi"), api("renshe")
    plan = form_data(qi, case_id, "plan", departments=["health", "hrss"])
    [plan_task] = [t for t in qi.get("/tasks").json if t["instance_id"] == case_id]
    barrier, answers = threading.Barrier(2), {}

    def run(name, url, headers, body):
        client = app.test_client()
        barrier.wait()
        answers[name] = client.post(url, json=body, headers=headers)

    threads = [threading.Thread(target=run, args=("confirm", f"/api/v1/tasks/{plan_task['id']}/complete",
                                                  qi.headers, {"data": plan})),
               threading.Thread(target=run, args=("measure", f"/api/v1/households/{household['id']}/measures",
                                                  renshe.headers, {**public_welfare_post(since),
                                                                   "responsible": "就业局 李明"}))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert (answers["confirm"].status_code, answers["measure"].status_code) == (200, 201), answers
    assert len(tasks_for(renshe, answers["measure"].json["id"])) == 1

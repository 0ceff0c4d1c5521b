"""A household's case is bound to its household: no id in the data can point a step at another household.

Reproduces issue 9's first attack (a village cadre starting a case with another village's household id in the
data, then reading its members through the prefill and overwriting its record step by step).
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from monitoring.models import ComparisonHit, Document, Household, HouseholdFeedback, NoticeEntry
from tests.web.test_identification import (
    VILLAGE,
    VILLAGE2,
    VISIT,
    form_data,
    forms_dir,  # noqa: F401  (fixture: the real forms)
    new_household,
    start,
    world,  # noqa: F401  (fixture: the identification process deployed)
)

pytestmark = pytest.mark.usefixtures("world")

PROBE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="probe_defs"
                  targetNamespace="http://fangpin.example/probe">
  <bpmn:process id="probe" name="探查" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="calls"/>
    <bpmn:scriptTask id="calls" name="调用每个农户函数">
      <bpmn:script>household_id = {foreign}
visit = {{"year": 2026, "wage_income": 1000, "business_income": 0, "property_income": 0, "transfer_income": 0,
         "business_expenses": 0, "medical_expense": 50000}}
result = record_visit(visit)
record_application({{"applied_on": "2026-03-02"}})
record_authorization({{"signed_by": "head", "signed_on": "2026-03-02"}}, [])
issue_documents(["annex7"], "probe")
notice = post_notice("identification_first", 5)
issue_notice_document(notice["notice_id"], "probe")
found = compare_with_departments()
record_rejection("visit", "probe")
mark_monitored("marginal", ["illness"], "2026-03-02", "probe")
</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="calls" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>
"""


def deploy_probe(api, foreign_id: int) -> None:
    designer = api("sheji")
    response = designer.deploy(PROBE.format(foreign=foreign_id))
    assert response.status_code in (200, 201), response.json


def footprint(session, household_id: int) -> dict:
    """Everything a step can write about a household."""
    session.expire_all()
    household = session.get(Household, household_id)
    count = lambda model, column: len(session.execute(select(model.id).where(column == household_id)).all())  # noqa: E731
    return {
        "status": household.monitoring_status, "authorization": household.authorization,
        "measurements": len(household.measurements), "members": [m.id_number for m in household.members],
        "notices": count(NoticeEntry, NoticeEntry.household_id),
        "feedback": count(HouseholdFeedback, HouseholdFeedback.household_id),
        "hits": count(ComparisonHit, ComparisonHit.household_id),
        "documents": len(session.execute(select(Document.id).where(Document.subject == f"household:{household_id}"))
                         .all()),
    }


def test_a_household_process_cannot_start_at_a_place_with_a_household_id_in_its_data(api):
    foreign = new_household(api, village=VILLAGE2)
    cun = api("cun")
    response = cun.post("/instances", json={"process": "identification", "place": VILLAGE,
                                            "data": {"household_id": foreign["id"], "channel": "self_declared"}})
    assert response.status_code == 422 and "household_id" in response.json["error"]["fields"]
    assert cun.get("/instances").json == []


def test_another_villages_household_is_not_found(api):
    foreign = new_household(api, village=VILLAGE2)
    response = api("cun").post("/instances", json={"process": "identification", "household_id": foreign["id"],
                                                   "data": {"channel": "self_declared"}})
    assert response.status_code == 404


@pytest.mark.parametrize("extra", [{"household_id": 1}, {"found_on": "2026-01-01"}, {"verify_from": "2026-01-01"}])
def test_starting_a_case_takes_only_the_channel_the_system_records_the_rest(api, extra):
    household = new_household(api)
    response = api("cun").post("/instances", json={"process": "identification", "household_id": household["id"],
                                                   "data": {"channel": "cadre_screening", **extra}})
    assert response.status_code == 422 and set(extra) <= set(response.json["error"]["fields"])
    started = start(api("cun"), household, "cadre_screening")
    assert started["data"]["found_on"] == "2026-03-02" and "household_id" not in started["data"]


def test_every_domain_function_acts_on_the_cases_own_household_never_one_named_in_its_data(api, session):
    own, foreign = new_household(api), new_household(api, village=VILLAGE2)
    before = footprint(session, foreign["id"])
    deploy_probe(api, foreign["id"])
    response = api("cun").post("/instances", json={"process": "probe", "household_id": own["id"], "data": {}})
    assert response.status_code == 201 and response.json["status"] == "completed", response.json
    assert footprint(session, foreign["id"]) == before
    mine = footprint(session, own["id"])
    assert mine["status"] == "monitored" and mine["measurements"] == 1 and mine["notices"] == 1
    assert mine["feedback"] == 1 and mine["authorization"]["signed_by"] == "head" and mine["documents"] >= 1


def test_a_case_of_no_household_reaches_no_household_function_and_writes_nothing(api, session):
    foreign = new_household(api)
    before = footprint(session, foreign["id"])
    deploy_probe(api, foreign["id"])
    response = api("cun").post("/instances", json={"process": "probe", "place": VILLAGE, "data": {}})
    assert response.status_code == 201 and response.json["status"] == "error"
    assert "不是农户案件" in response.json["error"]
    assert footprint(session, foreign["id"]) == before


def test_every_prefill_shows_the_cases_own_household(api):
    own, foreign = new_household(api), new_household(api, village=VILLAGE2)
    cun = api("cun")
    instance = start(cun, own, "cadre_screening")
    cun.complete(instance["id"], "visit", form_data(cun, instance["id"], "visit", **VISIT))
    prefill = form_data(cun, instance["id"], "authorize")
    assert [m["id_number"] for m in prefill["members"]] == [m["id_number"] for m in own["members"]]
    foreign_ids = [m["id_number"] for m in foreign["members"]]
    assert not any(i in str(cun.get(f"/tasks/{cun.task(instance['id'], 'authorize')['id']}").json) for i in foreign_ids)

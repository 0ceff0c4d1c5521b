"""Starting a risk elimination through the API: the rules of monitoring/elimination.py reached through the
process's descriptor, each refusal a 422 whose ``fields`` names the rule and creates no case; a second open case
409; the engine's clock (the test's FrozenClock) decides the month."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine.models import ProcessInstance
from monitoring import measures, processes
from monitoring.id_number import check_digit
from monitoring.models import Household
from tests.conftest import CST

ROOT = Path(__file__).resolve().parents[2]
VILLAGE = "150223100201"
IDENTIFIED = date(2026, 3, 2)  # the clock's start


@pytest.fixture
def forms_dir():
    return ROOT / "forms"


def person(name, first17, relation, labour_skill):
    return {"name": name, "id_number": first17 + check_digit(first17), "relation": relation,
            "labour_skill": labour_skill}


_serial = iter(range(10, 99))


def monitored_household(api, session, *skills: str, status: str = "monitored") -> Household:
    """A household of two identified for illness on the clock's first day."""
    skills = skills or ("ordinary", "weak")
    n = next(_serial)
    response = api("cun").post("/households", json={"village": VILLAGE, "household_type": "ordinary", "members": [
        person("巴特尔", f"15022319700101{n:02d}1", "head", skills[0]),
        person("其其格", f"15022319720101{n:02d}2", "spouse", skills[1])]})
    assert response.status_code == 201, response.json
    household = session.get(Household, response.json["id"])
    household.monitoring_status = status
    if status == "monitored":
        household.monitored_since, household.monitoring_type, household.risk_types = IDENTIFIED, "marginal", ["illness"]
    session.commit()
    return household


def give_measure(session, actors, household, category, subtype, status):
    """The county plans a measure and records it ``status`` (done, or in progress)."""
    day = datetime(2026, 3, 3, 9, tzinfo=CST)
    planned = measures.plan_measure(session, actors["county"], household.id, {
        "category": category, "subtype": subtype, "content": "帮扶", "responsible": "王干部",
        "start_on": "2026-03-03"}, day).measure
    progress = {"status": "done", "done_on": "2026-03-03", "result": "已落实"} if status == "done" else {
        "status": status}
    measures.record_progress(session, actors["county"], planned.id, progress, day, day.date())
    session.commit()


def start(api, household, **data):
    return api("cun").post("/instances", json={"process": "risk_elimination", "household_id": household.id,
                                               "data": data})


def cases(session) -> int:
    session.expire_all()
    return session.execute(select(func.count()).select_from(ProcessInstance)).scalar()


def refused(api, session, household, **data) -> dict[str, str]:
    before = cases(session)
    response = start(api, household, **data)
    assert response.status_code == 422, response.json
    assert cases(session) == before
    return response.json["error"]["fields"]


def test_the_descriptor_carries_the_start_rules():
    described = processes.descriptor("risk_elimination")
    assert described.household_case and described.start_fields == frozenset({"method"})
    assert described.check_start is not None and described.check_start.__module__ == "monitoring.elimination"


def test_a_start_in_the_month_of_identification_is_refused(api, session, actors, clock):
    household = monitored_household(api, session)
    give_measure(session, actors, household, "health", "family_doctor", "done")
    assert refused(api, session, household, method="assisted") == {
        "monitored_since": "2026年3月识别纳入监测，不得当月识别、当月标注风险消除"}
    assert set(refused(api, session, household, method="natural")) == {"monitored_since"}


def test_each_rule_is_named_in_the_refusal(api, session, actors, clock):
    clock.set(datetime(2026, 9, 15, 9, tzinfo=CST))
    bare = monitored_household(api, session)
    assert refused(api, session, bare, method="assisted") == {
        "measures": "帮扶消除须至少有一项已完成的帮扶措施，该户尚无已完成的措施"}
    give_measure(session, actors, bare, "health", "family_doctor", "in_progress")
    assert set(refused(api, session, bare, method="assisted")) == {"measures"}
    assert set(refused(api, session, bare, method="by_assistance")) == {"method"}
    assert set(refused(api, session, bare, method="natural", found_on="2026-01-01")) == {"found_on"}
    safety_net = monitored_household(api, session, "lost", "none")
    give_measure(session, actors, safety_net, "social_security", "subsistence_allowance", "in_progress")
    assert refused(api, session, safety_net, method="natural") == {
        "labour_capacity": "整户无劳动能力兜底保障户不标注风险消除，继续监测"}
    never = monitored_household(api, session, status="not_monitored")
    assert refused(api, session, never, method="natural") == {
        "monitoring_status": "只有监测对象才能风险消除，该农户当前不是监测对象"}


def test_a_household_case_needs_its_household(api):
    response = api("cun").post("/instances", json={"process": "risk_elimination", "place": VILLAGE,
                                                   "data": {"method": "natural"}})
    assert response.status_code == 422 and set(response.json["error"]["fields"]) == {"household_id"}


@pytest.fixture
def deployed(api):
    designer = api("sheji")
    response = designer.deploy(ROOT / "processes" / "risk_elimination.bpmn")
    assert response.status_code == 201, response.json


def test_a_start_the_rules_allow_opens_one_case_a_second_is_409(api, session, actors, clock, deployed):
    household = monitored_household(api, session)
    give_measure(session, actors, household, "health", "family_doctor", "done")
    clock.set(datetime(2026, 4, 1, 9, tzinfo=CST))  # the month after identification: allowed, the county is warned
    response = start(api, household, method="assisted")
    assert response.status_code == 201, response.json
    assert {k: response.json["data"][k] for k in ("method", "found_on")} == {"method": "assisted",
                                                                             "found_on": "2026-04-01"}
    before = cases(session)
    second = start(api, household, method="natural")
    assert second.status_code == 409 and f"#{response.json['id']}" in second.json["error"]["message"]
    assert cases(session) == before


def test_a_place_contradicting_the_household_s_village_is_refused_not_ignored(api, session, actors, clock, deployed):
    """Finding 18: the household decides the case's place; naming another is a 422 at place, naming its own is fine."""
    household = monitored_household(api, session)
    clock.set(datetime(2026, 4, 1, 9, tzinfo=CST))
    before = cases(session)
    for place in ("150223100202", "150223000000"):
        response = api("cun").post("/instances", json={"process": "risk_elimination", "household_id": household.id,
                                                       "place": place, "data": {"method": "natural"}})
        assert response.status_code == 422, response.json
        assert response.json["error"]["fields"] == {
            "place": f"该农户属于 {VILLAGE}，案件区划由农户决定：不填或填写该嘎查村"}
    assert cases(session) == before
    response = api("cun").post("/instances", json={"process": "risk_elimination", "household_id": household.id,
                                                   "place": VILLAGE, "data": {"method": "natural"}})
    assert response.status_code == 201 and response.json["place"] == VILLAGE, response.json

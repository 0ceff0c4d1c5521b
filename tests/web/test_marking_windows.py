"""``/api/v1/marking-windows`` and the domain functions a BPMN script asks about them (issue 11)."""

from __future__ import annotations

from datetime import datetime

import pytest

from monitoring import places
from tests.conftest import CST
from tests.web.test_identification import new_household

COUNTY, VILLAGE = "150223000000", "150223100201"

PROBE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="window_probe_defs"
                  targetNamespace="http://fangpin.example/window_probe">
  <bpmn:process id="window_probe" name="标注窗口探查" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="asks"/>
    <bpmn:scriptTask id="asks" name="询问标注窗口期">
      <bpmn:script>is_open = marking_window_open()
opens_on = marking_window_opens_on()</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="asks" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>
"""


def _ask(api, household_id: int) -> dict:
    response = api("cun").post("/instances", json={"process": "window_probe", "household_id": household_id,
                                                   "data": {}})
    assert response.status_code == 201 and response.json["status"] == "completed", response.json
    return {k: response.json["data"][k] for k in ("is_open", "opens_on")}


@pytest.fixture
def probe(api):
    designer = api("sheji")
    response = designer.deploy(PROBE)
    assert response.status_code == 201, response.json


def test_a_script_asks_whether_its_household_may_be_marked_today(api, probe, clock):
    household = new_household(api)
    clock.set(datetime(2026, 11, 30, 10, 0, tzinfo=CST))
    assert _ask(api, household["id"]) == {"is_open": False, "opens_on": "2026-12-01"}
    clock.set(datetime(2026, 12, 15, 10, 0, tzinfo=CST))
    assert _ask(api, household["id"]) == {"is_open": True, "opens_on": "2026-12-15"}
    api("qi").post("/marking-windows", json={"place": COUNTY, "opens_on": "2027-01-10", "closes_on": "2027-01-20"})
    assert _ask(api, household["id"]) == {"is_open": False, "opens_on": "2027-01-10"}


def test_the_list_shows_the_default_until_the_county_sets_its_own(api, clock):
    qi = api("qi")
    listed = qi.get(f"/marking-windows?place={VILLAGE}&on=2026-12-15").json
    assert listed["applies"] == {"place": None, "opens_on": "2026-12-01", "closes_on": "2026-12-31", "default": True}
    assert listed["windows"] == [] and listed["total"] == 0
    response = qi.post("/marking-windows", json={"place": COUNTY, "opens_on": "2026-11-10", "closes_on": "2026-11-30"})
    assert response.status_code == 201 and response.json["created_by"] == "qi"
    listed = qi.get(f"/marking-windows?place={VILLAGE}&on=2026-12-15").json
    assert listed["applies"] is None and listed["next_opening"] is None and listed["windows"] == []
    listed = qi.get("/marking-windows?on=2026-11-11").json
    assert listed["applies"]["place"] == COUNTY and not listed["applies"]["default"]
    assert [w["opens_on"] for w in listed["windows"]] == ["2026-11-10"] and listed["total"] == 1


def test_the_list_pages(api):
    qi = api("qi")
    for month in (1, 2, 3):
        qi.post("/marking-windows", json={"place": COUNTY, "opens_on": f"2027-0{month}-01",
                                          "closes_on": f"2027-0{month}-10"})
    first = qi.get("/marking-windows?limit=2").json
    assert [w["opens_on"] for w in first["windows"]] == ["2027-03-01", "2027-02-01"] and first["total"] == 3
    rest = qi.get(f"/marking-windows?limit=2&after={first['next']}").json
    assert [w["opens_on"] for w in rest["windows"]] == ["2027-01-01"] and rest["next"] is None


def test_a_bad_window_is_refused_with_its_field_in_chinese(api):
    response = api("qi").post("/marking-windows", json={"place": COUNTY, "opens_on": "2026-12-31",
                                                        "closes_on": "2026-12-01"})
    assert response.status_code == 422
    assert response.json["error"]["fields"] == {"closes_on": "结束日期不能早于开始日期"}
    assert api("qi").get("/marking-windows").json["total"] == 0


def test_a_bad_day_asked_is_refused_naming_on(api):
    response = api("qi").get("/marking-windows?on=2026-13-01")
    assert response.status_code == 422 and response.json["error"]["fields"] == {"on": "查询日期应为日期，如 2026-12-01"}


@pytest.mark.parametrize("username", ["cun", "zhen"])
def test_a_village_or_township_reads_but_may_not_set(api, username):
    assert api(username).get("/marking-windows").status_code == 200
    response = api(username).post("/marking-windows", json={"place": COUNTY, "opens_on": "2026-12-01",
                                                            "closes_on": "2026-12-31"})
    assert response.status_code == 403


def test_a_place_outside_the_callers_scope_is_not_found(api, session):
    places.add_place(session, "150222000000", "固阳县", "150000000000", "county")
    session.commit()
    qi = api("qi")
    assert qi.get("/marking-windows?place=150222000000").status_code == 404
    response = qi.post("/marking-windows", json={"place": "150222000000", "opens_on": "2026-12-01",
                                                 "closes_on": "2026-12-31"})
    assert response.status_code == 404


def test_unknown_fields_a_place_that_is_no_code_and_years_out_of_range_are_refused(api):
    qi = api("qi")
    for body, fields in (
        ({"opens_on": "2026-12-01", "closes_on": "2026-12-31", "place": COUNTY, "extra": 1}, {"extra": "不能填写此项"}),
        ({"opens_on": "2026-12-01", "closes_on": "2026-12-31", "place": {"a": 1}},
         {"place": "区划应为代码，如 150223000000"}),
        ({"opens_on": "0001-01-01", "closes_on": "2026-12-31", "place": COUNTY},
         {"opens_on": "开始日期应在2000年至2100年之间"}),
        ({"opens_on": "2026-12-01", "closes_on": "9999-12-31", "place": COUNTY},
         {"closes_on": "结束日期应在2000年至2100年之间"}),
    ):
        response = qi.post("/marking-windows", json=body)
        assert (response.status_code, response.json["error"]["fields"]) == (422, fields)
    assert qi.get("/marking-windows").json["total"] == 0


def test_a_window_is_deleted_through_the_api_by_who_may_set_it(api, session, clock):
    qi = api("qi")
    added = qi.post("/marking-windows", json={"place": COUNTY, "opens_on": "2026-11-10", "closes_on": "2026-11-30"})
    path = f"/api/v1/marking-windows/{added.json['id']}"
    for username in ("cun", "zhen"):
        client = api(username)
        assert client.client.delete(path, headers=client.headers).status_code == 403
    assert api().client.delete(path).status_code == 401
    assert qi.client.delete(path + "0", headers=qi.headers).status_code == 404
    deleted = qi.client.delete(path, headers=qi.headers)
    assert deleted.status_code == 200 and deleted.json == added.json
    assert qi.get("/marking-windows").json["total"] == 0
    assert qi.client.delete(path, headers=qi.headers).status_code == 404
    ended = qi.post("/marking-windows", json={"place": COUNTY, "opens_on": "2026-11-10", "closes_on": "2026-11-30"})
    clock.set(datetime(2026, 12, 1, 9, tzinfo=CST))
    refused = qi.client.delete(f"/api/v1/marking-windows/{ended.json['id']}", headers=qi.headers)
    assert (refused.status_code, refused.json["error"]["message"]) == (
        409, "该窗口期已结束，它决定了当时的标注，不能删除")

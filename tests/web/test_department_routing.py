"""Department routing through the API and the inbox pages: two departments each see and complete only their own
child task of ``department_routing.bpmn``; a third department and the county's cadre see none of them (404).
"""

from __future__ import annotations

from datetime import date

import pytest

from monitoring.id_number import check_digit
from monitoring.models import Household
from tests.conftest import FIXTURES
from tests.web.pages.conftest import PageClient

COUNTY = "150223000000"
ITEMS = [{"department": "health", "measure": "医疗救助"}, {"department": "hrss", "measure": "就业帮扶"}]


@pytest.fixture
def case(api, create_user) -> int:
    """A case over two measures, one for 卫健 and one for 人社, started by the county."""
    for username, department in (("weijian", "health"), ("renshe", "hrss"), ("minzheng", "civil")):
        create_user(username, "department", COUNTY, department)
    designer = api("sheji")
    deployed = designer.deploy(FIXTURES / "processes" / "department_routing.bpmn")
    assert deployed.status_code == 201, deployed.json
    started = api("qi").post("/instances", json={"process": "department_routing", "place": COUNTY,
                                                   "data": {"items": ITEMS}})
    assert started.status_code == 201, started.json
    return started.json["id"]


def test_each_department_sees_and_completes_only_its_own_task_through_the_api(api, case):
    health, hrss, civil, county = api("weijian"), api("renshe"), api("minzheng"), api("qi")
    [own] = health.get("/tasks").json
    [theirs] = hrss.get("/tasks").json
    assert own["instance_id"] == theirs["instance_id"] == case and own["id"] != theirs["id"]

    assert health.get(f"/tasks/{own['id']}").status_code == 200
    assert health.get(f"/instances/{case}").status_code == 200  # the case of its task, to read
    for outsider in (health, civil, county):
        assert outsider.get(f"/tasks/{theirs['id']}").status_code == 404
        assert outsider.post(f"/tasks/{theirs['id']}/complete", json={"data": {}}).status_code == 404
        assert outsider.post(f"/tasks/{theirs['id']}/claim").status_code == 404
    assert civil.get("/tasks").json == [] and county.get("/tasks").json == []
    assert civil.get(f"/instances/{case}").status_code == 404
    assert health.post(f"/instances/{case}/cancel", json={"reason": "部门撤销"}).status_code == 404

    assert health.post(f"/tasks/{own['id']}/complete", json={"data": {"result": "已办理"}}).status_code == 200
    assert health.get("/tasks").json == [] and len(hrss.get("/tasks").json) == 1
    hrss.complete(case, "act", {"result": "已推荐岗位"})
    assert [t["bpmn_id"] for t in county.get("/tasks").json] == ["review"]  # the county's own lane


def test_each_department_sees_and_completes_only_its_own_task_on_the_inbox_page(app, api, case):
    own = api("weijian").get("/tasks").json[0]["id"]
    theirs = api("renshe").get("/tasks").json[0]["id"]
    health, civil, county = PageClient(app, "weijian"), PageClient(app, "minzheng"), PageClient(app, "qi")

    inbox = health.get("/tasks/").get_data(as_text=True)
    assert f"/tasks/{own}" in inbox and f"/tasks/{theirs}" not in inbox
    for outsider in (civil, county):
        listed = outsider.get("/tasks/").get_data(as_text=True)
        assert f"/tasks/{own}" not in listed and f"/tasks/{theirs}" not in listed
        assert outsider.get(f"/tasks/{own}").status_code == 404
    assert health.get(f"/tasks/{theirs}").status_code == 404
    assert health.post(f"/tasks/{theirs}", {"result": "代办"}).status_code == 404

    assert health.get(f"/tasks/{own}").status_code == 200
    assert health.post(f"/tasks/{own}", {"result": "已办理医疗救助"}).status_code == 302
    assert f"/tasks/{own}" not in health.get("/tasks/").get_data(as_text=True)
    assert api("weijian").get("/tasks").json == [] and len(api("renshe").get("/tasks").json) == 1


def test_a_department_reads_the_case_of_its_routed_task_only_as_far_as_its_work_needs(app, api, case, session):
    """A household's case routed to 卫健 and 人社: each department reads the household's name, village and masked ID
    and its own measure — never the phone, bank account, health details, full ID number or the other's item."""
    number = "15022319700101001" + check_digit("15022319700101001")
    added = api("cun").post("/households", json={"village": "150223100201", "household_type": "ordinary",
                                                 "members": [{"name": "巴特尔", "id_number": number,
                                                              "relation": "head", "labour_skill": "ordinary"}]})
    assert added.status_code == 201, added.json
    household = session.get(Household, added.json["id"])
    household.monitoring_status, household.monitored_since = "monitored", date(2026, 2, 10)
    household.monitoring_type, household.risk_types = "marginal", ["illness"]
    session.commit()
    qi = api("qi")
    own = qi.post(f"/households/{household.id}/measures", json={
        "category": "health", "subtype": "family_doctor", "content": "签约家庭医生", "department": "health",
        "responsible": "王医生", "start_on": "2026-02-20"}).json["id"]
    qi.post(f"/households/{household.id}/measures", json={
        "category": "employment", "subtype": "public_welfare_post", "content": "村保洁公益岗位",
        "department": "hrss", "responsible": "王医生", "start_on": "2026-02-20"})
    secret = {"phone": "13912345678", "bank_account": "6228480012345678", "health": ["chronic"],
              "id_number": number}
    started = qi.post("/instances", json={"process": "department_routing", "household_id": household.id,
                                          "data": {"items": ITEMS, **secret}})
    assert started.status_code == 201, started.json
    routed = started.json["id"]
    health = api("weijian")
    [task] = [t for t in health.get("/tasks").json if t["instance_id"] == routed]
    api("renshe").complete(routed, "act", {"result": "已推荐岗位（人社）"})

    seen = health.get(f"/instances/{routed}").json
    assert seen["data"] == {"household": {"name": "巴特尔", "village": "150223100201",
                                          "id_number": number[:4] + "*" * 10 + number[-4:]},
                            "measures": [{"id": own, "category": "health", "subtype": "family_doctor",
                                          "content": "签约家庭医生", "status": "planned"}]}
    assert all(event["detail"] is None for event in seen["events"])
    text = str(seen) + str(health.get(f"/tasks/{task['id']}").json)
    for leak in (*secret.values(), "chronic", "hrss", "就业帮扶", "村保洁公益岗位", "已推荐岗位"):
        assert str(leak).strip("[]'") not in text, leak
    page = PageClient(app, "weijian").get(f"/cases/{routed}").get_data(as_text=True)
    assert "巴特尔" in page and "签约家庭医生" in page
    for leak in ("13912345678", "6228480012345678", number, "村保洁公益岗位", "已推荐岗位"):
        assert leak not in page, leak
    county = qi.get(f"/instances/{routed}").json
    assert county["data"]["phone"] == "13912345678" and len(county["data"]["items"]) == 2  # the county reads all

"""Starting a case of a process nobody deployed says so, in the API and on the page, instead of "not found"."""

from __future__ import annotations

from monitoring import households
from tests.web.test_identification import person

VILLAGE = "150223100201"
NOT_DEPLOYED = "流程“identification”尚未部署"


def household_id(session, actor, clock) -> int:
    household = households.create_household(session, actor, {
        "village": VILLAGE, "group": "2组", "household_type": "ordinary",
        "members": [person("巴特尔", "15022319700101123")]}, clock.now())
    session.commit()
    return household.id


def test_the_api_answers_404_saying_the_process_is_not_deployed(api):
    response = api("cun").post("/instances", json={"process": "approval", "place": VILLAGE, "data": {}})
    assert response.status_code == 404
    assert response.json["error"]["code"] == "process_not_deployed"
    assert response.json["error"]["message"] == "流程“approval”尚未部署"


def test_a_households_case_of_an_undeployed_process_says_so(api, session, actors, clock):
    response = api("cun").post("/instances", json={"process": "identification", "data": {"channel": "self_declared"},
                                                   "household_id": household_id(session, actors["village"], clock)})
    assert response.status_code == 404
    assert response.json["error"]["message"] == NOT_DEPLOYED


def test_other_things_not_found_still_do_not_say_why(api):
    response = api("cun").get("/instances/999999")
    assert response.status_code == 404
    assert response.json["error"]["message"] == "未找到或无权查看"


def test_the_application_page_says_the_process_is_not_deployed(pages, session, actors, clock):
    here = household_id(session, actors["village"], clock)
    cun = pages("cun")
    refused = cun.post(f"/households/{here}/cases", {"channel": "self_declared"})
    assert refused.status_code == 302 and refused.headers["Location"] == f"/households/{here}"
    assert "未能登记监测申请：未部署的流程，请联系流程设计员部署识别流程" in cun.get(refused.headers["Location"]).text

"""api.md's rules: authentication, the scope rule (404 outside it), errors per field, conflicts."""


from sqlalchemy import func, select

from engine.models import ProcessInstance, Task, TaskState
from tests.conftest import FIXTURES

VILLAGE, OTHER_VILLAGE = "150223100201", "150223200201"


def start(user, place=VILLAGE):
    response = user.post("/instances", json={"process": "approval", "place": place, "data": {}})
    assert response.status_code == 201, response.json
    return response.json


def test_bad_credentials_and_missing_token_are_401(api, actors):
    anonymous = api()
    assert anonymous.post("/auth/token", json={"username": "cun", "password": "wrong"}).status_code == 401
    assert anonymous.get("/tasks").status_code == 401
    forged = anonymous.client.get("/api/v1/tasks", headers={"Authorization": "Bearer not-a-token"})
    assert forged.status_code == 401
    assert forged.json["error"]["code"] == "unauthorized"


def test_malformed_json_is_400(api, deployed):
    cun = api("cun")
    response = cun.client.post("/api/v1/instances", data="{not json", headers={
        **cun.headers, "Content-Type": "application/json"})
    assert response.status_code == 400


def test_another_village_sees_nothing_of_this_village(api, deployed):
    cun, other = api("cun"), api("cun3")
    instance = start(cun)
    task = cun.task(instance["id"], "visit")
    assert other.get("/tasks").json == []
    assert other.get(f"/tasks/{task['id']}").status_code == 404
    assert other.post(f"/tasks/{task['id']}/claim").status_code == 404
    refused = other.post(f"/tasks/{task['id']}/complete", json={"data": {"eligible": True, "income": 1}})
    assert refused.status_code == 404
    assert other.get(f"/instances/{instance['id']}").status_code == 404
    assert other.post(f"/instances/{instance['id']}/messages", json={"name": "objection"}).status_code == 404
    assert other.get("/instances").json == []
    assert other.post("/instances", json={"process": "approval", "place": VILLAGE}).status_code == 404


def test_township_and_county_see_the_instances_below_them(api, deployed):
    instance = start(api("cun"))
    assert [i["id"] for i in api("zhen").get("/instances").json] == [instance["id"]]
    assert [i["id"] for i in api("qi").get("/instances").json] == [instance["id"]]
    assert api("sumu").get(f"/instances/{instance['id']}").status_code == 404
    assert api("zhen").get("/tasks").json == []  # the visit lies in the village lane


def test_only_the_start_lane_may_start(api, deployed):
    response = api("zhen").post("/instances", json={"process": "approval", "place": VILLAGE, "data": {}})
    assert response.status_code == 403


def test_form_errors_come_back_per_field_in_chinese(api, deployed):
    cun = api("cun")
    instance = start(cun)
    body = cun.complete(instance["id"], "visit", {"eligible": "yes", "income": -5, "extra": 1}, status=422)
    assert body["error"]["fields"] == {"eligible": "应为是或否", "income": "不能小于0", "extra": "不允许的字段"}
    missing = cun.complete(instance["id"], "visit", {}, status=422)
    assert missing["error"]["fields"] == {"eligible": "必填", "income": "必填"}
    assert api("cun").get(f"/instances/{instance['id']}").json["tasks"][0]["bpmn_id"] == "visit"


def test_reserved_key_in_data_is_refused(api, deployed):
    response = api("cun").post("/instances", json={"process": "approval", "place": VILLAGE,
                                                  "data": {"nested": {"typename": "x"}}})
    assert response.status_code == 422
    assert response.json["error"]["fields"] == {"nested.typename": "“typename”是系统保留字段名"}


def test_a_completed_task_cannot_be_completed_again(api, deployed):
    cun = api("cun")
    instance = start(cun)
    task = cun.task(instance["id"], "visit")
    data = {"data": {"eligible": False, "income": 9000}}
    assert cun.post(f"/tasks/{task['id']}/complete", json=data).status_code == 200
    again = cun.post(f"/tasks/{task['id']}/complete", json=data)
    assert again.status_code == 409
    assert again.json["error"]["code"] == "conflict"


def test_a_message_nobody_waits_for_is_409(api, deployed):
    cun = api("cun")
    instance = start(cun)
    response = cun.post(f"/instances/{instance['id']}/messages",
                        json={"name": "objection", "payload": {"by": "村民", "content": "有异议"}})
    assert response.status_code == 409


def test_batch_completion_is_all_or_nothing(api, deployed, session):
    cun, other = api("cun"), api("cun3")
    ours = [start(cun) for _ in range(3)]
    theirs = start(other, OTHER_VILLAGE)
    ids = [cun.task(i["id"], "visit")["id"] for i in ours]
    foreign = other.task(theirs["id"], "visit")["id"]
    data = {"eligible": True, "income": 3000}
    assert cun.post("/tasks/complete", json={"task_ids": [*ids, foreign], "data": data}).status_code == 404
    invalid = cun.post("/tasks/complete", json={"task_ids": ids, "data": {"eligible": True}})
    assert invalid.status_code == 422
    session.rollback()
    assert session.execute(select(func.count()).select_from(Task).where(
        Task.state == TaskState.COMPLETED)).scalar() == 0
    done = cun.post("/tasks/complete", json={"task_ids": ids, "data": data})
    assert done.status_code == 200
    assert all({"type": "message", "name": "objection"} in i["waiting"] for i in done.json["instances"])


def test_a_task_carries_its_form(api, deployed):
    cun = api("cun")
    instance = start(cun)
    task = cun.get(f"/tasks/{cun.task(instance['id'], 'visit')['id']}").json
    assert task["form"]["title"] == "入户核查"
    assert task["form"]["required"] == ["eligible", "income"]


def test_deploying_needs_a_designer_and_reports_lines(api, deployed):
    xml = (FIXTURES / "processes" / "approval.bpmn").read_text()
    cun, designer = api("cun"), api("sheji")
    headers = {"Content-Type": "application/xml"}
    assert cun.client.post("/api/v1/process-models", data=xml, headers={**cun.headers, **headers}).status_code == 403
    same = designer.client.post("/api/v1/process-models", data=xml, headers={**designer.headers, **headers})
    assert same.status_code == 200 and same.json["version"] == 1
    broken = xml.replace('"P5D"', '"P5X"')
    refused = designer.client.post("/api/v1/process-models", data=broken, headers={**designer.headers, **headers})
    assert refused.status_code == 422
    line = broken.splitlines().index('        <bpmn:timeDuration>"P5X"</bpmn:timeDuration>') + 1
    assert refused.json["error"]["details"][0]["line"] == line
    assert [m["version"] for m in designer.get("/process-models").json] == [1]
    model = designer.get("/process-models/approval?version=1").json
    assert model["bpmn"] == xml


def test_multipart_upload_deploys_a_new_version(api, deployed):
    designer = api("sheji")
    xml = (FIXTURES / "processes" / "approval.bpmn").read_text().replace("三级审批与公示", "三级审批与公示(修订)")
    from io import BytesIO

    response = designer.client.post("/api/v1/process-models", headers=designer.headers,
                                     data={"file": (BytesIO(xml.encode()), "approval.bpmn")},
                                     content_type="multipart/form-data")
    assert response.status_code == 201
    assert response.json["version"] == 2
    assert designer.get("/process-models").json[0]["name"] == "三级审批与公示(修订)"


def test_running_instances_keep_their_version(api, deployed, session):
    cun = api("cun")
    old = start(cun)
    designer = api("sheji")
    xml = (FIXTURES / "processes" / "approval.bpmn").read_text().replace('"P5D"', '"P7D"')
    response = designer.client.post("/api/v1/process-models", data=xml,
                                    headers={**designer.headers, "Content-Type": "application/xml"})
    assert response.status_code == 201
    new = start(cun)
    assert (old["version"], new["version"]) == (1, 2)
    old_wait = cun.complete(old["id"], "visit", {"eligible": True, "income": 1})["waiting"]
    new_wait = cun.complete(new["id"], "visit", {"eligible": True, "income": 1})["waiting"]
    until = {w["until"] for w in old_wait + new_wait if w["type"] == "timer"}
    assert len(until) == 2  # five days for the old version, seven for the new
    session.rollback()
    assert session.get(ProcessInstance, old["id"]).state.find('"spec"') == -1  # state is stored without the spec

"""A three-lane approval with a 5-day public notice and an objection, through the HTTP API alone."""

from datetime import timedelta

VILLAGE = "150223100201"


def start(cun, data=None):
    response = cun.post("/instances", json={"process": "approval", "place": VILLAGE, "data": data or {}})
    assert response.status_code == 201, response.json
    return response.json


def test_village_township_county_with_notice_and_objection(api, deployed, clock):
    cun, zhen, qi = api("cun"), api("zhen"), api("qi")
    instance = start(cun, {"applicant": "王某"})
    assert instance["status"] == "running"
    assert [t["bpmn_id"] for t in instance["tasks"]] == ["visit"]

    after_visit = cun.complete(instance["id"], "visit", {"eligible": True, "income": 4200})
    notice_until = next(w for w in after_visit["waiting"] if w["type"] == "timer")["until"]
    assert {"type": "message", "name": "objection"} in after_visit["waiting"]
    assert notice_until.startswith("2026-03-07T01:00:00")  # 5 × 24 h after 09:00 CST

    clock.advance(timedelta(days=2))
    objection = cun.post(f"/instances/{instance['id']}/messages",
                         json={"name": "objection", "payload": {"by": "村民李某", "content": "收入不实"}})
    assert objection.status_code == 200, objection.json
    assert [t["bpmn_id"] for t in objection.json["tasks"]] == ["visit"]
    assert objection.json["data"]["objection"]["content"] == "收入不实"

    again = cun.complete(instance["id"], "visit", {"eligible": True, "income": 4100})
    second_until = next(w for w in again["waiting"] if w["type"] == "timer")["until"]
    assert second_until > notice_until  # the notice period starts again

    assert zhen.get("/tasks").json == []
    clock.advance(timedelta(days=5, minutes=1))
    zhen_inbox = zhen.get("/tasks").json
    assert zhen_inbox == []  # the timer has not been swept yet

    from engine import timers
    from web.boundary import engine, unit_of_work

    assert timers.run_due_timers(engine(), unit_of_work) == 1
    assert timers.run_due_timers(engine(), unit_of_work) == 0

    zhen.complete(instance["id"], "review", {"approved": True})
    final = qi.complete(instance["id"], "approve", {"approved": True, "reason": "符合条件"})
    assert final["status"] == "completed"
    assert final["ended_at"] is not None
    types = [e["type"] for e in final["events"]]
    assert types.count("task_completed") == 4
    assert "message_received" in types and "timer_fired" in types and types[-1] == "instance_completed"
    assert final["events"][-1]["detail"]["end"] == "end_approved"


def test_rejection_needs_a_reason(api, deployed, clock):
    cun, zhen = api("cun"), api("zhen")
    instance = start(cun)
    cun.complete(instance["id"], "visit", {"eligible": True, "income": 100})
    clock.advance(timedelta(days=6))
    from engine import timers
    from web.boundary import engine, unit_of_work

    timers.run_due_timers(engine(), unit_of_work)
    refused = zhen.complete(instance["id"], "review", {"approved": False}, status=422)
    assert refused["error"]["fields"] == {"reason": "必填"}
    done = zhen.complete(instance["id"], "review", {"approved": False, "reason": "收入高于监测线"})
    assert done["status"] == "completed"
    assert done["events"][-1]["detail"]["end"] == "end_rejected_township"

"""Timer sweeps run beside each other and beside the server: no timer fires twice."""

import threading
from datetime import timedelta

from sqlalchemy import func, select

from engine import timers
from engine.models import AuditEvent, Task
from web.boundary import engine, unit_of_work

VILLAGE = "150223100201"


def test_two_sweepers_fire_each_due_timer_exactly_once(app, api, deployed, clock, session):
    cun = api("cun")
    ids = []
    for _ in range(6):
        instance = cun.post("/instances", json={"process": "approval", "place": VILLAGE, "data": {}}).json
        cun.complete(instance["id"], "visit", {"eligible": True, "income": 1000})
        ids.append(instance["id"])
    clock.advance(timedelta(days=5, minutes=1))
    barrier = threading.Barrier(2)
    fired = []

    def sweep():
        with app.app_context():
            barrier.wait()
            fired.append(timers.run_due_timers(engine(), unit_of_work))

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(fired) == 6
    session.rollback()
    timer_events = session.execute(select(func.count()).select_from(AuditEvent)
                                   .where(AuditEvent.type == "timer_fired")).scalar()
    reviews = session.execute(select(func.count()).select_from(Task).where(Task.bpmn_id == "review")).scalar()
    assert (timer_events, reviews) == (6, 6)


def test_a_sweep_before_the_due_time_fires_nothing(app, api, deployed, clock):
    cun = api("cun")
    instance = cun.post("/instances", json={"process": "approval", "place": VILLAGE, "data": {}}).json
    cun.complete(instance["id"], "visit", {"eligible": True, "income": 1000})
    clock.advance(timedelta(days=4, hours=23))
    assert timers.run_due_timers(engine(), unit_of_work) == 0
    clock.advance(timedelta(hours=2))
    assert timers.run_due_timers(engine(), unit_of_work) == 1


def test_the_county_cancels_a_case_and_its_tasks_are_withdrawn(api, deployed):
    cun, qi, other = api("cun"), api("qi"), api("cun2")
    instance = cun.post("/instances", json={"process": "approval", "place": VILLAGE, "data": {}}).json
    assert other.post(f"/instances/{instance['id']}/cancel", json={"reason": "x"}).status_code == 404
    response = qi.post(f"/instances/{instance['id']}/cancel", json={"reason": "重复申请"})
    assert response.status_code == 200
    assert response.json["status"] == "cancelled"
    assert response.json["tasks"] == [] and cun.get("/tasks").json == []
    assert response.json["events"][-1]["type"] == "instance_cancelled"
    assert qi.post(f"/instances/{instance['id']}/cancel", json={"reason": "再次撤销"}).status_code == 409

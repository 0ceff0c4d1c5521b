"""Two people complete the same task at the same moment: exactly one succeeds, the other gets 409."""

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, insert, select, text

from engine.core import _LOCK_READING
from engine.models import AuditEvent, ProcessInstance, Task, TaskState
from tests.web.test_api_completion_statements import statements
from web.extensions import db

VILLAGE = "150223100201"


def race(app, headers, url, body, runners=2):
    barrier = threading.Barrier(runners)
    statuses = []

    def run():
        client = app.test_client()
        barrier.wait()
        statuses.append(client.post(url, json=body, headers=headers).status_code)

    threads = [threading.Thread(target=run) for _ in range(runners)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(statuses)


def test_two_users_completing_one_task_one_wins_one_gets_409(app, api, deployed, session):
    cun = api("cun")
    for _ in range(3):
        instance = cun.post("/instances", json={"process": "approval", "place": VILLAGE, "data": {}}).json
        task = cun.task(instance["id"], "visit")
        statuses = race(app, cun.headers, f"/api/v1/tasks/{task['id']}/complete",
                        {"data": {"eligible": False, "income": 9000}})
        assert statuses == [200, 409]
        session.rollback()
        completions = session.execute(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.instance_id == instance["id"], AuditEvent.type == "task_completed")).scalar()
        assert completions == 1
        assert session.get(Task, task["id"]).state == TaskState.COMPLETED


def test_two_cadres_claiming_one_task_one_wins(app, api, deployed, create_user):
    create_user("cun_b", "village", VILLAGE)
    first, second = api("cun"), api("cun_b")
    instance = first.post("/instances", json={"process": "approval", "place": VILLAGE, "data": {}}).json
    task = first.task(instance["id"], "visit")
    barrier = threading.Barrier(2)
    results = {}

    def claim(name, user):
        client = app.test_client()
        barrier.wait()
        results[name] = client.post(f"/api/v1/tasks/{task['id']}/claim", headers=user.headers)

    threads = [threading.Thread(target=claim, args=pair) for pair in (("a", first), ("b", second))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.status_code for r in results.values()) == [200, 409]
    winner = next(r.json["claimed_by"] for r in results.values() if r.status_code == 200)
    loser = second if winner == "cun" else first
    refused = loser.post(f"/tasks/{task['id']}/complete", json={"data": {"eligible": False, "income": 1}})
    assert refused.status_code == 409


def test_a_case_locked_for_its_step_still_takes_rows_that_refer_to_it(api, deployed, session):
    """A step locks its case's row as an UPDATE of it would (FOR NO KEY UPDATE): meanwhile another transaction may add a
    row referring to the case (its foreign key's check takes a KEY SHARE lock), as it could when the lock was an UPDATE;
    FOR UPDATE would make it wait for the step."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no row locks")
    case = api("cun").post("/instances", json={"process": "approval", "place": VILLAGE, "data": {}}).json
    session.rollback()
    with db.engine.connect() as step, db.engine.connect() as other:
        assert _LOCK_READING.first(step, {"instance_id": case["id"]}) is not None
        other.execute(text("SET lock_timeout = '3s'"))
        other.execute(insert(Task), {"id": "d0c5a5e0-0000-4000-8000-000000000001", "instance_id": case["id"],
                                     "process_key": "approval", "bpmn_id": "x", "name": "x", "place_code": VILLAGE,
                                     "place_path": case_path(other, case["id"]), "created_at": datetime.now(UTC)})
        other.rollback()
        step.rollback()


def case_path(connection, instance_id: int) -> str:
    return connection.execute(select(ProcessInstance.place_path).where(ProcessInstance.id == instance_id)).scalar()


def test_a_claim_and_a_release_lock_the_case_before_the_task_as_a_completion_does(api, deployed):
    """A completion locks its case, then writes its task row; a claim that wrote the task row first and then waited
    for the case could deadlock with it. Both take the case first."""
    cun = api("cun")
    case = cun.post("/instances", json={"process": "approval", "place": VILLAGE, "data": {}}).json
    task = cun.task(case["id"], "visit")
    for action in ("claim", "unclaim"):
        with statements() as sent:
            assert cun.post(f"/tasks/{task['id']}/{action}").status_code == 200
        writes = [s for s in sent if s.startswith(("UPDATE", "INSERT"))]
        assert writes[0].startswith("UPDATE process_instances"), writes
        assert any(s.startswith("UPDATE tasks") for s in writes), writes

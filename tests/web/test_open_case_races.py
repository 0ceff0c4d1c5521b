"""One open case per household and process, held by the database: starts fired at the same moment from several
threads at a live app (SQLite and PostgreSQL) open exactly one case, every other start answers 409 naming it and
leaves nothing behind; an assistance case is not exclusive, so a household may have several."""

from __future__ import annotations

import threading
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine.models import AuditEvent, InstanceStatus, ProcessInstance
from monitoring.cases import business_key
from tests.conftest import CST
from tests.web.test_elimination_start import give_measure, monitored_household

ROOT = Path(__file__).resolve().parents[2]
RUNNERS = 4


@pytest.fixture
def forms_dir():
    return ROOT / "forms"


@pytest.fixture
def shipped(api):
    designer = api("sheji")
    for name in ("assistance.bpmn", "identification.bpmn", "risk_elimination.bpmn"):
        response = designer.deploy(ROOT / "processes" / name)
        assert response.status_code == 201, response.json


def start_at_once(app, api, username: str, body: dict) -> list:
    """``RUNNERS`` clients post the same start behind a barrier, so that they reach the database together."""
    headers = api(username).headers
    barrier = threading.Barrier(RUNNERS)
    responses = []

    def run():
        client = app.test_client()
        barrier.wait()
        response = client.post("/api/v1/instances", json=body, headers=headers)
        responses.append((response.status_code, response.json))

    threads = [threading.Thread(target=run) for _ in range(RUNNERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return responses


def cases_of(session, household_id: int, process: str) -> list[ProcessInstance]:
    session.rollback()
    return list(session.execute(select(ProcessInstance).where(
        ProcessInstance.business_key == business_key(household_id), ProcessInstance.process_key == process)
        .order_by(ProcessInstance.id)).scalars())


def assert_one_opened(session, responses, household_id: int, process: str) -> None:
    assert sorted(status for status, _ in responses) == [201] + [409] * (RUNNERS - 1), responses
    winner = next(body["id"] for status, body in responses if status == 201)
    assert {body["error"]["message"] for status, body in responses if status == 409} == {
        f"该农户已有进行中的案件 (#{winner})"}
    opened = cases_of(session, household_id, process)
    assert [(case.id, case.status, case.exclusive) for case in opened] == [(winner, InstanceStatus.RUNNING, True)]
    starts = session.execute(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.type == "instance_started")).scalar()
    assert starts == 1  # a refused start wrote no audit row either


def test_simultaneous_eliminations_of_one_household_open_one_case(app, api, session, actors, clock, shipped):
    household = monitored_household(api, session)
    give_measure(session, actors, household, "health", "family_doctor", "done")
    clock.set(datetime(2026, 9, 15, 9, tzinfo=CST))
    responses = start_at_once(app, api, "cun", {"process": "risk_elimination", "household_id": household.id,
                                                "data": {"method": "assisted"}})
    assert_one_opened(session, responses, household.id, "risk_elimination")


def test_simultaneous_identifications_of_one_household_open_one_case(app, api, session, actors, shipped):
    household = monitored_household(api, session, status="not_monitored")
    responses = start_at_once(app, api, "cun", {"process": "identification", "household_id": household.id,
                                                "data": {"channel": "self_declared"}})
    assert_one_opened(session, responses, household.id, "identification")


def test_an_ended_case_frees_the_household_for_a_new_one(api, session, actors, shipped):
    household = monitored_household(api, session, status="not_monitored")
    body = {"process": "identification", "household_id": household.id, "data": {"channel": "self_declared"}}
    first = api("cun").post("/instances", json=body)
    assert first.status_code == 201, first.json
    cancelled = api("qi").post(f"/instances/{first.json['id']}/cancel", json={"reason": "误录"})
    assert cancelled.status_code == 200, cancelled.json
    second = api("cun").post("/instances", json=body)
    assert second.status_code == 201, second.json
    assert [case.status for case in cases_of(session, household.id, "identification")] == [
        InstanceStatus.CANCELLED, InstanceStatus.RUNNING]


def test_a_household_may_have_several_assistance_cases(app, api, session, actors, shipped):
    household = monitored_household(api, session)
    responses = start_at_once(app, api, "qi", {"process": "assistance", "household_id": household.id, "data": {}})
    assert [status for status, _ in responses] == [201] * RUNNERS, responses
    assert len(cases_of(session, household.id, "assistance")) == RUNNERS

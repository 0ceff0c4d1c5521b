"""筛查—整改—再筛查 through the shipped ``quality_correction`` process: a village with findings gets one task, submits
without correcting and gets it back, corrects its record, submits, and its findings close and its case ends; another
village's findings and case are untouched. Real BPMN, real engine, both databases."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.calendar import CHINA_TZ
from engine.errors import InvalidData
from engine.models import InstanceStatus, ProcessInstance, Task, TaskState
from engine.tasks import complete_task
from monitoring import decisions
from monitoring.quality import runner
from monitoring.quality.catalogue import CheckScope
from monitoring.quality.corrections import PROCESS, business_key, open_counts, start_corrections
from monitoring.quality.models import QualityFinding
from monitoring.quality.runner import run_checks
from tests.monitoring.quality.households import COUNTY_PATH, VILLAGE, VILLAGE_PATH, household, only_checks, too_soon
from web.serve import TimerScheduler
from web.shipped_processes import deploy_shipped

ROOT = Path(__file__).resolve().parents[2]
OTHER_VILLAGE = "150223100202"
OTHER_VILLAGE_PATH = "/150000000000/150223000000/150223100000/150223100202/"


@pytest.fixture
def forms_dir():
    return ROOT / "forms"


@pytest.fixture
def only_q101(monkeypatch):
    """The households here are built to trip Q101: the loop must end once they are corrected, whatever other checks
    the catalogue gains."""
    only_checks(monkeypatch, "Q101")


@pytest.fixture
def q101_and_a_warning(monkeypatch):
    only_checks(monkeypatch, "Q101", "Q102")  # Q102: eliminated under six months after identification, a warning


def ready_tasks(session, instance_id):
    return session.execute(select(Task).where(Task.instance_id == instance_id, Task.state == TaskState.READY)) \
        .scalars().all()


def test_a_village_corrects_its_findings_until_none_is_left(app, engine, session, actors, clock, only_q101):
    deploy_shipped(session)
    mine = too_soon(session)
    too_soon(session, village_code=OTHER_VILLAGE, place_path=OTHER_VILLAGE_PATH)
    run_checks(session, CheckScope(COUNTY_PATH, clock.now().date()), "qi", clock.now())
    assert open_counts(session, COUNTY_PATH)["open"] >= 2

    assert start_corrections(engine, session, VILLAGE_PATH, "qi") == 1
    assert start_corrections(engine, session, VILLAGE_PATH, "qi") == 0  # one running case per village
    session.commit()
    case = session.execute(select(ProcessInstance)
                           .where(ProcessInstance.business_key == business_key(VILLAGE))).scalar_one()
    assert case.process_key == PROCESS and case.place_path == VILLAGE_PATH
    (task,) = ready_tasks(session, case.id)
    assert (task.bpmn_id, task.role, task.place_path) == ("correct", "village", VILLAGE_PATH)
    assert task.due_at is not None

    complete_task(engine, session, task.id, actors["village"], {"checked": True})  # nothing corrected
    session.commit()
    (again,) = ready_tasks(session, case.id)
    assert again.id != task.id and session.get(ProcessInstance, case.id).status == InstanceStatus.RUNNING

    mine.eliminated_on = date(2026, 8, 31)  # the village corrects the record
    session.commit()
    complete_task(engine, session, again.id, actors["village"], {"checked": True, "note": "消除日期录入有误，已更正"})
    session.commit()
    assert session.get(ProcessInstance, case.id).status == InstanceStatus.COMPLETED
    assert ready_tasks(session, case.id) == []
    closed = session.execute(select(QualityFinding).where(QualityFinding.household_id == mine.id,
                                                          QualityFinding.rule == "Q101")).scalar_one()
    assert closed.resolved_at is not None
    assert open_counts(session, VILLAGE_PATH)["open"] == 0
    assert open_counts(session, OTHER_VILLAGE_PATH)["open"] >= 1  # the other village's run never touched it
    first, second = decisions.by_case(session, [case.id])[case.id]  # each recheck kept what it found and did
    assert (first.title, first.outcome, first.superseded) == ("整改复查", "仍有错误，退回本村继续整改", True)
    assert first.lines == ["仍未整改：错误 1 条、提示 0 条，涉及 1 户"]
    assert (second.outcome, second.superseded) == ("错误已全部整改，提示不影响办结", False)


def test_a_village_without_findings_gets_no_task(app, engine, session, actors, clock, only_q101):
    deploy_shipped(session)
    household(session, monitoring_status="eliminated", elimination_method="assisted",
              monitored_since=date(2026, 2, 10), eliminated_on=date(2026, 6, 30))
    run_checks(session, CheckScope(COUNTY_PATH, clock.now().date()), "qi", clock.now())
    assert open_counts(session, COUNTY_PATH)["open"] == 0
    assert start_corrections(engine, session, COUNTY_PATH, "qi") == 0


def test_warnings_alone_start_no_case_and_do_not_hold_one_open(app, engine, session, actors, clock, q101_and_a_warning):
    deploy_shipped(session)
    warned = household(session, monitoring_status="eliminated", elimination_method="assisted",
                       monitored_since=date(2026, 2, 10), eliminated_on=date(2026, 5, 20))
    run_checks(session, CheckScope(COUNTY_PATH, clock.now().date()), "qi", clock.now())
    assert open_counts(session, VILLAGE_PATH) == {"open": 1, "errors": 0, "warnings": 1, "households": 1}
    assert start_corrections(engine, session, COUNTY_PATH, "qi") == 0

    erred = too_soon(session)
    run_checks(session, CheckScope(COUNTY_PATH, clock.now().date()), "qi", clock.now())
    assert start_corrections(engine, session, COUNTY_PATH, "qi") == 1
    session.commit()
    (task,) = session.execute(select(Task).where(Task.bpmn_id == "correct", Task.state == TaskState.READY)).scalars()
    erred.eliminated_on = date(2026, 5, 20)  # corrected: now a warning (under six months) like the other
    session.commit()
    complete_task(engine, session, task.id, actors["village"], {"checked": True, "note": "两户监测期不足6个月属实"})
    session.commit()
    assert session.get(ProcessInstance, task.instance_id).status == InstanceStatus.COMPLETED
    assert open_counts(session, VILLAGE_PATH) == {"open": 2, "errors": 0, "warnings": 2, "households": 2}
    assert warned.id != erred.id


def test_the_nightly_run_hands_each_village_with_errors_its_task_once(app, engine, session, tree, clock, only_q101):
    deploy_shipped(session)
    too_soon(session)
    too_soon(session, village_code=OTHER_VILLAGE, place_path=OTHER_VILLAGE_PATH)
    session.commit()
    scheduler = TimerScheduler(app, 30)
    clock.set(datetime(2026, 11, 3, 2, 5, tzinfo=CHINA_TZ))
    scheduler.sweep()
    clock.set(datetime(2026, 11, 4, 2, 5, tzinfo=CHINA_TZ))
    TimerScheduler(app, 30).sweep()  # the next night: the same findings, the cases still running
    session.expire_all()
    cases = session.execute(select(ProcessInstance.business_key, ProcessInstance.created_by)
                            .where(ProcessInstance.process_key == PROCESS).order_by(ProcessInstance.id)).all()
    assert cases == [(business_key(VILLAGE), "nightly"), (business_key(OTHER_VILLAGE), "nightly")]


def test_the_api_run_hands_out_the_tasks_and_says_how_many(app, api, session, tree, only_q101):
    deploy_shipped(session)
    too_soon(session)
    session.commit()
    first = api("qi").post("/quality/run", json={})
    assert first.status_code == 200 and first.json["corrections_started"] == 1, first.json
    assert api("qi").post("/quality/run", json={}).json["corrections_started"] == 0


def test_a_household_that_moves_leaves_the_old_village_s_case_at_once(app, engine, session, actors, clock, only_q101):
    """Moved to another village while the old village's case waits: no run needed for the old village's task to
    count none and its case to end, nor for the new village to list the finding."""
    deploy_shipped(session)
    moving = too_soon(session)
    run_checks(session, CheckScope(COUNTY_PATH, clock.now().date()), "qi", clock.now())
    assert start_corrections(engine, session, VILLAGE_PATH, "qi") == 1
    session.commit()
    (task,) = session.execute(select(Task).where(Task.bpmn_id == "correct", Task.state == TaskState.READY)).scalars()

    moving.village_code, moving.place_path = OTHER_VILLAGE, OTHER_VILLAGE_PATH
    session.commit()
    assert open_counts(session, VILLAGE_PATH)["open"] == 0
    assert open_counts(session, OTHER_VILLAGE_PATH) == {"open": 1, "errors": 1, "warnings": 0, "households": 1}
    complete_task(engine, session, task.id, actors["village"], {"checked": True, "note": "该户已迁出本村"})
    session.commit()
    assert session.get(ProcessInstance, task.instance_id).status == InstanceStatus.COMPLETED
    [finding] = session.execute(select(QualityFinding)).scalars()
    assert (finding.place_path, finding.resolved_at) == (OTHER_VILLAGE_PATH, None)


def test_a_submission_while_another_run_holds_the_county_is_refused_with_the_reason(
        app, engine, session, actors, clock, only_q101, monkeypatch):
    """PostgreSQL: the recheck cannot take the county's lock in time (the nightly run passing it): the village is
    told why and the task stays, rather than the case failing."""
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("PostgreSQL's advisory locks")
    monkeypatch.setattr(runner, "LOCK_WAIT", "100ms")
    deploy_shipped(session)
    too_soon(session)
    run_checks(session, CheckScope(COUNTY_PATH, clock.now().date()), "qi", clock.now())
    start_corrections(engine, session, VILLAGE_PATH, "qi")
    session.commit()
    (task,) = session.execute(select(Task).where(Task.bpmn_id == "correct", Task.state == TaskState.READY)).scalars()
    with Session(session.get_bind()) as nightly:
        nightly.execute(select(func.pg_advisory_xact_lock(runner.RUN_LOCK, runner.lock_key(COUNTY_PATH))))
        with pytest.raises(InvalidData, match="达茂旗正在进行数据质量检查，请稍后再试：本任务未提交"):
            complete_task(engine, session, task.id, actors["village"], {"checked": True})
        session.rollback()
        nightly.rollback()
    assert session.get(Task, task.id).state == TaskState.READY
    complete_task(engine, session, task.id, actors["village"], {"checked": True})  # once the county is free
    session.commit()

"""``fangpin demo`` builds a working world: places, users, households, department data, identification cases at every
step, assistance under way in the departments' inboxes, risk eliminations at every step and out of monitoring, and
households whose elimination the rules refuse — on whatever day it is built (inside a marking window or not)."""

from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine.clock import FrozenClock
from engine.models import ProcessInstance, Task, TaskState
from monitoring.department_files import DATASETS
from monitoring.models import DepartmentUpload, Household, HouseholdStatusChange, User
from tests.conftest import CST
from web.demo import DEMO_PASSWORD
from web.demo_elimination import REVERSAL_REASON

ROOT = Path(__file__).resolve().parents[2]
VILLAGE_CADRE = "village_150223100201"
pytestmark = pytest.mark.xdist_group("demo_builds")  # one build per database kind shared (built_demo)
OUTSIDE_A_WINDOW = datetime(2026, 11, 5, 10, 0, tzinfo=CST)  # the fourth quarter's window is December
EARLY_IN_A_YEAR = datetime(2027, 1, 10, 10, 0, tzinfo=CST)  # the first quarter's is March


@pytest.fixture
def forms_dir():
    return ROOT / "forms"


def ready(session, process: str) -> dict[str, int]:
    """The open tasks of a process's cases, by step."""
    rows = session.execute(select(Task.bpmn_id, func.count())
                           .join(ProcessInstance, ProcessInstance.id == Task.instance_id)
                           .where(Task.state == TaskState.READY, ProcessInstance.process_key == process)
                           .group_by(Task.bpmn_id)).all()
    return dict(rows)


def waiting(session, process: str) -> list[str]:
    """The timers a process's cases wait at (a notice, a marking window)."""
    instances = session.execute(select(ProcessInstance).where(ProcessInstance.process_key == process,
                                                              ProcessInstance.wake_at.is_not(None))).scalars()
    return sorted(w["task"] for i in instances for w in i.waiting if w["type"] == "timer")


def statuses(session, process: str) -> dict[str, int]:
    return dict(session.execute(select(ProcessInstance.status, func.count())
                                .where(ProcessInstance.process_key == process).group_by(ProcessInstance.status)).all())


def eliminated(session) -> dict[str, date]:
    rows = session.execute(select(Household.elimination_method, Household.eliminated_on)
                           .where(Household.monitoring_status == "eliminated")).all()
    return dict(rows)


def assert_the_refusals_are_the_apis(app, session, refusals) -> None:
    """Each household the demo names is refused by POST /api/v1/instances on its rule, and nothing is started."""
    client = app.test_client()
    token = client.post("/api/v1/auth/token", json={"username": VILLAGE_CADRE, "password": DEMO_PASSWORD}).json
    headers = {"Authorization": f"Bearer {token['token']}"}
    before = statuses(session, "risk_elimination")
    assert [r.rule for r in refusals] == ["monitoring_status", "monitored_since", "measures", "labour_capacity",
                                          "case"]
    for refusal in refusals:
        response = client.post("/api/v1/instances", headers=headers, json={
            "process": "risk_elimination", "household_id": refusal.household_id, "data": {"method": refusal.method}})
        if refusal.rule == "case":
            assert response.status_code == 409, response.json
            assert response.json["error"]["message"] == refusal.detail
        else:
            assert response.status_code == 422, response.json
            assert response.json["error"]["fields"] == {refusal.rule: refusal.detail}, refusal
    assert statuses(session, "risk_elimination") == before


def test_the_demo_has_cases_standing_at_every_step(app, session, built_demo):
    """Built on 2 March 2026 (the engine's clock): inside the first quarter's marking window (March)."""
    demo, printed = built_demo.eliminations, built_demo.printed

    assert session.execute(select(func.count()).select_from(Household)).scalar() == 218  # 4 of natural changes
    assert session.execute(select(func.count()).select_from(DepartmentUpload)).scalar() == len(DATASETS)
    assert None not in session.execute(select(User.name)).scalars().all()  # pages show every demo user by name
    assert ready(session, "identification") == {"apply": 1, "visit": 3, "authorize": 1, "appraisal": 3,
                                                "township_review": 1, "comparison_review": 1, "county_review": 1,
                                                "entry": 1}
    assert waiting(session, "identification") == ["first_notice", "second_notice"]
    assert statuses(session, "identification") == {"running": 14, "completed": 17}

    # assistance: the consultations of this month's entry and of the reverted household are the county's; the
    # measures under way are the departments'
    assert ready(session, "assistance") == {"plan": 2, "carry_out": 16}
    departments = set(session.execute(select(Task.department).where(Task.state == TaskState.READY,
                                                                    Task.bpmn_id == "carry_out")).scalars())
    assert departments == {"health", "hrss", "civil"}
    users = set(session.execute(select(User.department).where(User.role == "department")).scalars())
    assert departments <= users  # a department user to log in as for each department with work
    assert "部门待办（落实帮扶措施）: department_civil 1 项，department_health 4 项，department_hrss 11 项" in printed

    # risk elimination: a case at each step today, the window open (March): the last one at 系统标注
    assert ready(session, "risk_elimination") == {"verification": 1, "appraisal": 2, "acceptance": 1,
                                                  "county_review": 1, "marking": 1}
    assert waiting(session, "risk_elimination") == ["first_notice", "second_notice"]
    assert statuses(session, "risk_elimination") == {"running": 8, "completed": 3}
    assert [c.title for c in demo.cases][-4:] == ["系统标注", "已消除（帮扶消除）", "已消除（自然消除）",
                                                  "风险消除回退"]
    # marked when the window opened, months after their identification (April 2025)
    assert eliminated(session) == {"assisted": date(2026, 3, 1), "natural": date(2026, 3, 1)}
    reverted = session.execute(select(HouseholdStatusChange).where(HouseholdStatusChange.reason == REVERSAL_REASON)
                               ).scalar_one()
    assert (reverted.from_status, reverted.to_status) == ("eliminated", "monitored")
    assert session.get(Household, reverted.household_id).monitoring_status == "monitored"
    consultations = session.execute(select(ProcessInstance.business_key)
                                    .join(Task, Task.instance_id == ProcessInstance.id)
                                    .where(Task.bpmn_id == "plan", Task.state == TaskState.READY)).scalars().all()
    assert f"household:{reverted.household_id}" in consultations  # the reversal started its new assistance
    assert all(f"（农户 #{shown.household_id}）" in printed for shown in [*demo.cases, *demo.refusals])
    assert_the_refusals_are_the_apis(app, session, demo.refusals)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(("clock", "opens", "last_opened"), [
    (FrozenClock(OUTSIDE_A_WINDOW), "2026-12-01", date(2026, 9, 1)),
    # early in a year: its cases began last year, when the households' records held this year's figures already
    (FrozenClock(EARLY_IN_A_YEAR), "2027-03-01", date(2026, 12, 1)),
])
def test_outside_a_marking_window_the_last_case_waits_for_it(app, session, clock, opens, last_opened, built_demo):
    demo = built_demo.eliminations

    assert ready(session, "risk_elimination") == {"verification": 1, "appraisal": 2, "acceptance": 1,
                                                  "county_review": 1}
    assert waiting(session, "risk_elimination") == ["first_notice", "second_notice", "window_opens"]
    [waits] = [i for i in session.execute(select(ProcessInstance).where(
        ProcessInstance.process_key == "risk_elimination")).scalars() if i.data.get("marking_opens_on")]
    assert waits.data["marking_opens_on"] == opens
    assert [c.title for c in demo.cases][-4] == "等待标注窗口期"
    assert eliminated(session) == {"assisted": last_opened, "natural": last_opened}  # when the last window opened
    assert statuses(session, "identification") == {"running": 14, "completed": 17}
    assert_the_refusals_are_the_apis(app, session, demo.refusals)

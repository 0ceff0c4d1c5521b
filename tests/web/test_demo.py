"""``fangpin demo`` builds a working world: places, users, households, department data, cases at every step."""

from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine.models import ProcessInstance, Task, TaskState
from monitoring import codelists
from monitoring.department_files import DATASETS
from monitoring.models import DepartmentUpload, Household, Measure, User
from web.demo import build_demo

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def forms_dir():
    return ROOT / "forms"


def test_the_demo_has_cases_standing_at_every_step(app, session):
    codelists.seed(session)
    session.commit()
    build_demo()
    count = session.execute(select(func.count()).select_from(Household)).scalar()
    assert count == 200
    assert session.execute(select(func.count()).select_from(DepartmentUpload)).scalar() == len(DATASETS)
    assert session.execute(select(func.count()).select_from(User)).scalar() >= 15
    assert None not in session.execute(select(User.name)).scalars().all()  # pages show every demo user by name
    open_steps = set(session.execute(select(Task.bpmn_id).where(Task.state == TaskState.READY)).scalars())
    assert open_steps == {"apply", "visit", "authorize", "appraisal", "township_review", "comparison_review",
                          "county_review", "entry"}
    statuses = session.execute(select(ProcessInstance.status, func.count()).group_by(ProcessInstance.status)).all()
    assert dict(statuses) == {"running": 13, "completed": 3}
    waiting = [i.waiting for i in session.execute(select(ProcessInstance)).scalars() if i.wake_at is not None]
    assert {w[0]["task"] for w in waiting} == {"first_notice", "second_notice"}
    monitored = session.execute(select(func.count()).select_from(Household)
                                .where(Household.monitoring_status == "monitored")).scalar()
    assert monitored == 2
    measures = dict(session.execute(select(Measure.status, func.count()).group_by(Measure.status)).all())
    assert measures == {"done": 2, "in_progress": 2}  # each monitored household: a job done, its illness under way

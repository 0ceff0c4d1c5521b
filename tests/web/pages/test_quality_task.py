"""整改问题数据 on its page: the village cadre sees how many findings the village still has, per check (each linked to
its list), and the way to the village's list; after correcting and submitting, the task is gone and the case ended.
Another village's cadre gets no such task and a 404 on this one."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from engine.models import Task, TaskState
from monitoring.quality.catalogue import CheckScope
from monitoring.quality.corrections import start_corrections
from monitoring.quality.runner import run_checks
from tests.monitoring.quality.households import COUNTY_PATH, only_checks, too_soon
from web.shipped_processes import deploy_shipped


@pytest.fixture
def only_q101(monkeypatch):
    only_checks(monkeypatch, "Q101")  # the households here trip Q101 alone, whatever checks the catalogue gains


@pytest.mark.usefixtures("only_q101")
def test_the_task_page_shows_what_the_village_still_has_to_correct(app, engine, session, pages, clock):
    deploy_shipped(session)
    mine = too_soon(session)
    too_soon(session)
    run_checks(session, CheckScope(COUNTY_PATH, clock.now().date()), "qi", clock.now())
    start_corrections(engine, session, COUNTY_PATH, "qi")
    session.commit()
    task_id = session.execute(select(Task.id).where(Task.bpmn_id == "correct", Task.state == TaskState.READY)) \
        .scalar_one()

    cun = pages("cun")
    inbox = cun.get("/tasks/").get_data(as_text=True)
    assert "整改问题数据" in inbox and task_id in inbox
    page = cun.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert "艾力嘎查 · 待整改的问题数据" in page
    assert re.search(r"共 <b>2</b> 条（错误 2 条，提示 0 条），涉及 2 户", page), page
    assert "识别当月或次月即帮扶消除" in page and "rule=Q101" in page and "打开本村问题清单" in page
    assert pages("cun3").get(f"/tasks/{task_id}").status_code == 404  # another township's village

    mine.eliminated_on = date(2026, 8, 31)
    session.commit()
    still = cun.post(f"/tasks/{task_id}", {"action": "submit", "checked": "true"})
    assert still.status_code == 302, still.get_data(as_text=True)
    (again,) = session.execute(select(Task.id).where(Task.bpmn_id == "correct", Task.state == TaskState.READY)) \
        .scalars().all()
    page = cun.get(f"/tasks/{again}").get_data(as_text=True)
    assert re.search(r"共 <b>1</b> 条（错误 1 条，提示 0 条），涉及 1 户", page), page


@pytest.mark.usefixtures("only_q101")
def test_a_county_running_the_checks_hands_its_villages_their_tasks(app, session, pages, clock):
    deploy_shipped(session)
    too_soon(session)
    session.commit()
    qi = pages("qi")
    qi.get("/quality/")
    done = qi.post("/quality/run", {"place": "150223000000"}, follow_redirects=True).get_data(as_text=True)
    assert "已向 1 个嘎查村下发整改任务" in done
    again = qi.post("/quality/run", {"place": "150223000000"}, follow_redirects=True).get_data(as_text=True)
    assert "检查完成" in again and "下发整改任务" not in again  # the village's case still runs

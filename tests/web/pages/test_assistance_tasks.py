"""The assistance case's task pages: at the consultation the county sees the household's plan as it stands, its
warnings and a link to add a measure, and submitting with no measure names the problem; a department's inbox lists
its measure's task, whose page shows that measure alone and starts from what the measure records, and records
progress through the form. The page scanner checks every page for login ids, codes and English.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from monitoring.models import Measure
from tests.web.test_assistance import add_measure, assistance_case, departments, identified  # noqa: F401
from web.boundary import engine


def task_id(html: str, name: str) -> str:
    """The id of the first task link next to ``name`` in an inbox page."""
    found = re.search(r'href="/tasks/([0-9a-f-]{36})"[^<]*</a>', html[html.index(name):])
    assert found, html
    return found.group(1)


@pytest.mark.usefixtures("departments")
def test_the_consultation_shows_the_plan_its_warnings_and_where_to_add_a_measure(api, pages, clock):
    household, since = identified(api, clock)
    case_id = assistance_case(api, household)
    plan_task = next(t for t in api("qi").get("/tasks").json if t["instance_id"] == case_id)
    qi = pages("qi")

    refused = qi.post(f"/tasks/{plan_task['id']}", {"action": "submit", "consulted_on": since, "departments": "civil"})

    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "<li>请先在农户页添加帮扶措施，再确认帮扶计划</li>" in page
    assert f'href="/measures/household/{household["id"]}/new">添加帮扶措施</a>' in page
    assert "<li>风险类型“因病”缺少对应措施，应有健康帮扶或社会帮扶</li>" in page  # the plan's warning as it stands
    add_measure(api, household, since, category="health", subtype="family_doctor", content="签约家庭医生")
    page = qi.get(f"/tasks/{plan_task['id']}").get_data(as_text=True)
    assert '帮扶计划 <span class="muted small">1项措施</span>' in page and "签约家庭医生" in page
    assert "缺少对应措施" not in page  # warnings are the plan's now, not those of the refused submission
    assert qi.post(f"/tasks/{plan_task['id']}", {"action": "submit", "consulted_on": since,
                                                 "departments": "health"}).status_code == 302


@pytest.mark.usefixtures("departments")
def test_a_department_records_its_measure_from_its_inbox(api, pages, clock, session):
    household, since = identified(api, clock)
    case_id = assistance_case(api, household)
    doctor = add_measure(api, household, since)
    add_measure(api, household, since, category="employment", subtype="public_welfare_post", department="hrss",
                content="村保洁公益岗位", amount=6000)
    county = api("qi")
    plan = next(t for t in county.get("/tasks").json if t["instance_id"] == case_id)
    assert county.post(f"/tasks/{plan['id']}/complete",
                       json={"data": {"consulted_on": since, "departments": ["health", "hrss"]}}).status_code == 200
    weijian = pages("weijian")

    inbox = weijian.get("/tasks/").get_data(as_text=True)
    assert inbox.count("落实帮扶措施") >= 1 and "公益岗位" not in inbox
    task = task_id(inbox, "落实帮扶措施")
    page = weijian.get(f"/tasks/{task}").get_data(as_text=True)
    assert "本任务落实的措施" in page and "签约家庭医生" in page and "村保洁公益岗位" not in page
    assert 'value="120' in page  # the form starts from the measure's amount

    done = weijian.post(f"/tasks/{task}", {"action": "submit", "status": "done",
                                           "done_on": engine().today().isoformat(), "result": "已签约，完成随访",
                                           "amount": "120"})

    assert done.status_code == 302, done.get_data(as_text=True)
    session.expire_all()
    measure = session.execute(select(Measure).where(Measure.id == doctor)).scalar_one()
    assert (measure.status, measure.result) == ("done", "已签约，完成随访")
    assert "共 0 项" in weijian.get("/tasks/").get_data(as_text=True)

"""The household page's form and the measure's edit page go through the same rules as the API: a measure the county
adds after the plan was confirmed is in its lead department's inbox at once (its task and case pages read as any
other's), and the edit page refuses a new lead department while the measure's task waits, saying so at the field and
changing nothing.
"""

from __future__ import annotations

import pytest

from monitoring.models import Measure
from tests.web.test_assistance import departments, planned  # noqa: F401 (fixtures)
from tests.web.test_assistance_later_measures import tasks_for


@pytest.mark.usefixtures("departments")
def test_a_measure_added_on_the_household_page_after_the_plan_goes_to_its_department(api, pages, clock, session):
    _, doctor, _ = planned(api, clock, session)
    household_id, since = session.get(Measure, doctor).household_id, session.get(Measure, doctor).start_on
    form = {"kind": "social_security.subsistence_allowance", "content": "纳入农村低保，按月发放", "department": "civil",
            "responsible": "民政 赵敏", "start_on": since.isoformat(), "end_on": "", "amount": "4800"}

    saved = pages("qi").post(f"/measures/household/{household_id}/new", form)

    assert saved.status_code == 302, saved.get_data(as_text=True)
    [allowance] = [m["id"] for m in api("qi").get(f"/households/{household_id}/measures").json
                   if m["subtype"] == "subsistence_allowance"]
    [task] = tasks_for(api("minzheng"), allowance)
    minzheng = pages("minzheng")
    assert "纳入农村低保" in minzheng.get(f"/tasks/{task['id']}").get_data(as_text=True)
    case = minzheng.get(f"/cases/{task['instance_id']}")
    assert case.status_code == 200 and "落实帮扶措施" in case.get_data(as_text=True)
    household = pages("qi").get(f"/households/{household_id}").get_data(as_text=True)
    assert household.count(f'href="/cases/{task["instance_id"]}"') >= 1  # the later case beside the first


@pytest.mark.usefixtures("departments")
def test_the_edit_page_refuses_a_new_lead_while_the_task_waits(api, pages, clock, session):
    _, doctor, _ = planned(api, clock, session)
    measure = session.get(Measure, doctor)
    form = {"kind": "health.family_doctor", "content": "改由民政落实", "department": "civil",
            "responsible": measure.responsible, "start_on": measure.start_on.isoformat(), "end_on": "",
            "amount": "120", "reason": ""}

    refused = pages("qi").post(f"/measures/{doctor}/edit", form)

    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "该措施的“落实帮扶措施”正在卫健的待办中，办结前不能更换牵头部门" in page
    session.expire_all()
    assert (session.get(Measure, doctor).department, session.get(Measure, doctor).content) == (
        "health", "签约家庭医生，每季度随访")
    assert len(tasks_for(api("weijian"), doctor)) == 1

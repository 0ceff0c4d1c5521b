"""What a waiting task's step sees (``engine.tasks.waiting_data``): a multi-instance child's own item, which the case's
data does not hold, so a task page can show which item the task is about; nothing once the task no longer waits.
Fixture ``department_routing.bpmn``: one ``act`` per item, each routed to its item's department.
"""

from __future__ import annotations

from engine import tasks
from engine.models import Task
from tests.engine.test_department_routing import ITEMS, departments, started, steps  # noqa: F401 (fixtures)


def test_each_child_task_sees_its_own_item_until_it_is_done(steps, actors, departments):  # noqa: F811
    instance_id = started(steps, actors["county"])
    [health_task], [hrss_task] = steps.inbox(departments["health"]), steps.inbox(departments["hrss"])

    assert tasks.waiting_data(steps.engine, steps.session, health_task)["item"] == ITEMS[0]
    assert tasks.waiting_data(steps.engine, steps.session, hrss_task)["item"] == ITEMS[1]
    assert "item" not in steps.instance(instance_id).data  # the case's data cannot tell the children apart

    steps.run(tasks.complete_task, health_task.id, departments["health"], {"result": "已办理医疗救助"})

    steps.session.expire_all()
    assert tasks.waiting_data(steps.engine, steps.session, steps.session.get(Task, health_task.id)) == {}
    assert tasks.waiting_data(steps.engine, steps.session, steps.session.get(Task, hrss_task.id))["item"] == ITEMS[1]

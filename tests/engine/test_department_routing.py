"""Tasks routed to a department (``engine.routing``): each child of a multi-instance task goes to its item's
department, and only that department at the task's place or above it works on it, reads its case, and counts it.

The fixture ``department_routing.bpmn``: the county starts a case over ``items``; the lane ``department``
holds ``act``, one child per item, routed by ``item["department"]``; then the county's ``review``.
Each test runs on SQLite and PostgreSQL, every step in its own committed transaction.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine import instances, queries, tasks
from engine.assignment import Actor
from engine.deploy import SourceFile
from engine.errors import DeployError, NotFound
from engine.models import InstanceStatus, Task, TaskState
from engine.paging import Window
from engine.versions import deploy
from monitoring import places, worklist
from tests.conftest import FIXTURES, model_files
from tests.engine.steps import Steps

COUNTY = "150223000000"
FILE = "department_routing.bpmn"
MODEL = (FIXTURES / "processes" / FILE).read_text(encoding="utf-8")
EXPRESSION = 'value="item[&quot;department&quot;]"'
ITEMS = [{"department": "health", "measure": "医疗救助"}, {"department": "hrss", "measure": "就业帮扶"}]


@pytest.fixture
def steps(engine, session, actors) -> Steps:
    steps = Steps(engine, session, actors["designer"])
    steps.deploy(FILE)
    return steps


@pytest.fixture
def departments(create_user, session, tree) -> dict[str, Actor]:
    """卫健 and 人社 of the county, 民政 of the county, and 卫健 of a neighbouring county."""
    places.add_place(session, "150221000000", "土右旗", "150000000000", "county")
    session.commit()
    return {
        "health": create_user("weijian", "department", COUNTY, "health"),
        "hrss": create_user("renshe", "department", COUNTY, "hrss"),
        "civil": create_user("minzheng", "department", COUNTY, "civil"),
        "health_elsewhere": create_user("weijian2", "department", "150221000000", "health"),
    }


def started(steps: Steps, county: Actor, items: list[dict] = ITEMS) -> int:
    return steps.start(county, "department_routing", {"items": items}, place_code=COUNTY)


def test_each_child_task_is_stored_with_its_items_department(steps, actors):
    instance_id = started(steps, actors["county"])

    rows = steps.session.execute(select(Task.department, Task.role, Task.place_code)
                                 .where(Task.instance_id == instance_id, Task.bpmn_id == "act")).all()
    assert sorted(rows) == [("health", "department", COUNTY), ("hrss", "department", COUNTY)]


def test_each_department_sees_and_completes_only_its_own_child_task(steps, actors, departments):
    instance_id = started(steps, actors["county"])
    health, hrss = departments["health"], departments["hrss"]

    [health_task] = steps.inbox(health)
    [hrss_task] = steps.inbox(hrss)
    assert (health_task.department, hrss_task.department) == ("health", "hrss")
    with pytest.raises(NotFound):
        tasks.visible_task(steps.session, hrss_task.id, health)
    with pytest.raises(NotFound):
        steps.run(tasks.complete_task, hrss_task.id, health, {"result": "代办"})
    with pytest.raises(NotFound):
        steps.run(tasks.claim_task, hrss_task.id, health)

    steps.run(tasks.claim_task, health_task.id, health)
    steps.run(tasks.complete_task, health_task.id, health, {"result": "已办理医疗救助"})
    assert steps.inbox(health) == [] and steps.inbox(hrss) == [hrss_task]
    assert steps.task_row(health_task.id).completed_by == "weijian"

    steps.run(tasks.complete_task, hrss_task.id, hrss, {"result": "已推荐就业岗位"})
    review = steps.task(actors["county"], instance_id, "review")
    assert review.department is None
    assert steps.instance(instance_id).data["results"] == ["已办理医疗救助", "已推荐就业岗位"]


def test_no_one_else_has_a_routed_task_not_another_department_another_county_nor_the_county(
        steps, actors, departments):
    instance_id = started(steps, actors["county"])
    health_task = steps.inbox(departments["health"])[0]

    for outsider in (departments["civil"], departments["health_elsewhere"], actors["county"], actors["admin"]):
        assert steps.inbox(outsider) == []
        with pytest.raises(NotFound):
            tasks.visible_task(steps.session, health_task.id, outsider)
    # the county sees the case by its place, and its tasks only in its own lane
    assert [t.bpmn_id for t in steps.inbox(actors["county"], instance_id)] == []
    assert not actors["county"].may_work_on(health_task)


def test_a_department_at_a_higher_place_has_the_tasks_routed_to_it_below(steps, actors, create_user):
    region_health = create_user("qu_weijian", "department", "150000000000", "health")
    started(steps, actors["county"])

    assert [t.department for t in steps.inbox(region_health)] == ["health"]


def test_a_department_reads_the_case_of_its_task_but_no_other_case_and_cannot_act_on_it_beyond_its_task(
        steps, actors, departments):
    routed = started(steps, actors["county"])
    other = started(steps, actors["county"], [{"department": "hrss", "measure": "就业帮扶"}])
    health, civil = departments["health"], departments["civil"]

    assert instances.visible_instance(steps.session, routed, health).id == routed
    for instance_id, actor in ((other, health), (routed, civil), (routed, departments["health_elsewhere"])):
        with pytest.raises(NotFound):
            instances.visible_instance(steps.session, instance_id, actor)
    with pytest.raises(NotFound):
        steps.run(instances.send_message, routed, health, "anything", {})
    with pytest.raises(NotFound):
        steps.run(instances.cancel_instance, routed, health, "部门撤销")
    assert queries.visible_instances(steps.session, health) == []  # the case list stays the place's

    steps.complete(health, routed, "act", {"result": "已办理"})
    assert instances.visible_instance(steps.session, routed, health).id == routed  # its done work stays readable


def test_the_inbox_stays_one_query_and_its_counts_are_only_the_actors_tasks(steps, actors, departments, session):
    started(steps, actors["county"])
    started(steps, actors["county"], [{"department": "health", "measure": "慢病签约"}])

    health = departments["health"]
    statement = str(queries.inbox_query(health).compile(compile_kwargs={"literal_binds": True}))
    assert statement.count("SELECT") == 1 and "tasks.department = 'health'" in statement
    counted = session.execute(select(func.count()).select_from(queries.inbox_query(health).subquery())).scalar()
    assert counted == 2
    assert len(queries.inbox(session, departments["hrss"])) == 1
    worklist_of = {name: worklist.inbox(session, actor, worklist.Filters(), steps.engine.now(), Window())
                   for name, actor in (("health", health), ("county", actors["county"]))}
    assert (worklist_of["health"].total, worklist_of["health"].steps) == \
        (2, [("department_routing", "act", "部门落实措施", 2)])
    assert (worklist_of["county"].total, worklist_of["county"].steps) == (0, [])


# --- bad expressions -------------------------------------------------------------------------------------------


def model_with(expression: str) -> list[SourceFile]:
    return model_files(SourceFile(FILE, MODEL.replace(EXPRESSION, f'value="{expression}"').encode("utf-8")))


@pytest.mark.parametrize(("expression", "why"), [("item[", "无法编译"), ("  ", "部门表达式为空")])
def test_a_department_expression_that_does_not_compile_or_is_blank_is_refused_at_deploy_with_file_and_line(
        engine, session, actors, expression, why):
    line = next(n for n, text in enumerate(MODEL.splitlines(), start=1) if EXPRESSION in text)

    with pytest.raises(DeployError) as refused:
        deploy(engine, session, model_with(expression), actors["designer"])

    [problem] = refused.value.problems
    assert (problem.file, problem.line) == (FILE, line) and why in problem.message


@pytest.mark.parametrize(("expression", "why"), [
    ("item[&quot;office&quot;]", "无法求值"),  # a key the items lack
    ("len(items)", "实际为 int"),
    ("&quot;&quot;", "不是有效的部门代码"),
    ("&quot;health care&quot;", "不是有效的部门代码"),
    ("&quot;x&quot; * 41", "不是有效的部门代码"),
])
def test_a_department_expression_without_a_usable_value_fails_the_step_and_stores_no_task(
        engine, session, actors, departments, expression, why):
    steps = Steps(engine, session, actors["designer"])
    steps.run(deploy, model_with(expression), actors["designer"])

    instance_id = started(steps, actors["county"])

    instance = steps.instance(instance_id)
    assert instance.status == InstanceStatus.ERROR
    assert instance.error.startswith("RoutingError: 任务“部门落实措施”") and why in instance.error
    assert session.execute(select(Task.id).where(Task.instance_id == instance_id,
                                                 Task.state == TaskState.READY)).all() == []
    assert [e.type for e in steps.events(instance_id)][-1] == "error"

"""What a task is about (``engine.subjects``): a user task's ``subject`` expression is evaluated in the task's data
when it becomes READY (each multi-instance child in its own item) and stored on the task row, so an inbox names each
of one department's many tasks of a step without loading a workflow. Deploy compiles it; a value that is no text
fails the step. The fixture is ``department_routing.bpmn`` with a subject on its multi-instance ``act``.
Each test runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.deploy import SourceFile
from engine.errors import DeployError
from engine.models import InstanceStatus, Task, TaskState
from engine.versions import deploy
from tests.conftest import model_files
from tests.engine.steps import Steps
from tests.engine.test_department_routing import COUNTY, EXPRESSION, FILE, ITEMS, MODEL

SUBJECT = 'name="subject" value="SUBJECT"'


def model_with(subject: str) -> list[SourceFile]:
    property_ = SUBJECT.replace("SUBJECT", subject)
    text = MODEL.replace(EXPRESSION, f'{EXPRESSION} /><spiffworkflow:property {property_}', 1)
    return model_files(SourceFile(FILE, text.encode("utf-8")))


def started(engine, session, actors, subject: str) -> tuple[Steps, int]:
    steps = Steps(engine, session, actors["designer"])
    steps.run(deploy, model_with(subject), actors["designer"])
    return steps, steps.start(actors["county"], "department_routing", {"items": ITEMS}, place_code=COUNTY)


def test_each_child_task_is_stored_with_its_own_item_s_subject(engine, session, actors):
    steps, instance_id = started(engine, session, actors, "item[&quot;measure&quot;] + &quot;（&quot; + "
                                                          "item[&quot;department&quot;] + &quot;）&quot;")

    rows = steps.session.execute(select(Task.department, Task.subject)
                                 .where(Task.instance_id == instance_id, Task.bpmn_id == "act")).all()
    assert sorted(rows) == [("health", "医疗救助（health）"), ("hrss", "就业帮扶（hrss）")]


def test_a_task_without_a_subject_stores_none(engine, session, actors):
    steps = Steps(engine, session, actors["designer"])
    steps.deploy(FILE)
    instance_id = steps.start(actors["county"], "department_routing", {"items": ITEMS}, place_code=COUNTY)

    assert set(steps.session.execute(select(Task.subject).where(Task.instance_id == instance_id)).scalars()) == {None}


@pytest.mark.parametrize(("subject", "why"), [("item[", "无法编译"), ("  ", "事项表达式为空")])
def test_a_subject_that_does_not_compile_or_is_blank_is_refused_at_deploy_with_file_and_line(
        engine, session, actors, subject, why):
    with pytest.raises(DeployError) as refused:
        deploy(engine, session, model_with(subject), actors["designer"])

    [problem] = refused.value.problems
    assert problem.file == FILE and problem.line is not None and why in problem.message


@pytest.mark.parametrize(("subject", "why"), [("item[&quot;office&quot;]", "无法求值"), ("len(items)", "实际为 int")])
def test_a_subject_without_text_fails_the_step_and_stores_no_task(engine, session, actors, subject, why):
    steps, instance_id = started(engine, session, actors, subject)

    instance = steps.instance(instance_id)
    assert instance.status == InstanceStatus.ERROR
    assert instance.error.startswith("SubjectError: 任务“部门落实措施”的事项表达式") and why in instance.error
    assert session.execute(select(Task.id).where(Task.instance_id == instance_id,
                                                 Task.state == TaskState.READY)).all() == []

"""A step may start a follow-up case (``start_process``): the engine starts the latest version of the named process
for the same business key and place, by the step's user, in the step's own transaction once the step is saved.
If the follow-up cannot start, the step fails as any failed script does and nothing of either case stays.

Fixtures: ``follow_up_parent.bpmn`` (the village acts; a script writes a calendar row through a domain function
and starts ``follow_up_child`` with the submitted divisor), ``follow_up_child.bpmn`` (its first script divides by
it, then the county checks), ``follow_up_itself.bpmn`` (starts itself). Each test runs on SQLite and PostgreSQL,
every step in its own committed transaction.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from engine import instances
from engine.core import MAX_FOLLOW_UP_DEPTH, Engine
from engine.deploy import SourceFile
from engine.errors import DeployError, InvalidData
from engine.models import AuditEvent, CalendarOverride, InstanceStatus, ProcessInstance, Task, TaskState
from engine.scripting import current_step
from engine.versions import deploy
from monitoring.models import Role
from tests.conftest import FIXTURES
from tests.engine.steps import VILLAGE, Steps

PARENT = (FIXTURES / "processes" / "follow_up_parent.bpmn").read_text(encoding="utf-8")


def note_holiday(day: str) -> None:
    """A domain function that writes a row through the step's session, as the monitoring functions do."""
    if day == "refuse":
        raise InvalidData("日期无效", {"day": "日期无效"})
    session = current_step().session
    session.add(CalendarOverride(day=date.fromisoformat(day), is_working_day=False, note="follow-up test"))
    session.flush()


@pytest.fixture
def steps(app, clock, session, actors) -> Steps:
    engine = Engine(roles=[r.value for r in Role], clock=clock,
                    functions={"note_holiday": note_holiday})
    return Steps(engine, session, actors["designer"])


def parent_case(steps: Steps, actors) -> int:
    """A parent case of household 7 at the village, waiting at ``act``."""
    return steps.run(instances.start_instance, "follow_up_parent", VILLAGE, steps.place_path(VILLAGE),
                     actors["village"], {}, business_key="household:7")


def instance_counts(steps: Steps) -> dict[str, int]:
    key = ProcessInstance.process_key
    return dict(steps.session.execute(select(key, func.count()).group_by(key)).all())


def events(steps: Steps, instance_id: int) -> list[AuditEvent]:
    return list(steps.session.execute(select(AuditEvent).where(AuditEvent.instance_id == instance_id)
                                      .order_by(AuditEvent.id)).scalars())


def test_a_step_starts_its_follow_up_for_the_same_household_and_place_by_the_steps_user(steps, actors):
    steps.deploy("follow_up_child.bpmn")
    steps.deploy("follow_up_parent.bpmn")
    parent_id = parent_case(steps, actors)

    steps.complete(actors["village"], parent_id, "act", {"day": "2026-05-04", "divisor": 4})

    parent = steps.session.get(ProcessInstance, parent_id)
    child = steps.session.execute(select(ProcessInstance).where(ProcessInstance.process_key == "follow_up_child")
                                  ).scalar_one()
    assert parent.status == InstanceStatus.COMPLETED
    assert (child.status, child.business_key, child.place_code, child.created_by) == (
        InstanceStatus.RUNNING, "household:7", VILLAGE, "cun")
    assert child.data["ratio"] == 0.25
    [check] = steps.inbox(actors["county"], child.id)
    assert check.bpmn_id == "check" and steps.inbox(actors["village"], child.id) == []
    started = [e for e in events(steps, parent_id) if e.type == "follow_up_started"]
    assert [(e.actor, e.detail["key"], e.detail["instance_id"]) for e in started] == [
        ("cun", "follow_up_child", child.id)]
    first = events(steps, child.id)[0]
    assert first.type == "instance_started"
    assert first.detail["started_by"] == {"instance_id": parent_id, "key": "follow_up_parent"}


def test_the_latest_version_of_the_follow_up_is_started(steps, actors):
    steps.deploy("follow_up_child.bpmn")
    child_file = (FIXTURES / "processes" / "follow_up_child.bpmn").read_text(encoding="utf-8")
    newer = SourceFile("follow_up_child.bpmn", child_file.replace('name="核对"', 'name="复核"').encode())
    steps.run(deploy, [newer], actors["designer"])
    steps.deploy("follow_up_parent.bpmn")
    parent_id = parent_case(steps, actors)

    steps.complete(actors["village"], parent_id, "act", {"day": "2026-05-04", "divisor": 2})

    [task] = [t for t in steps.inbox(actors["county"]) if t.process_key == "follow_up_child"]
    assert task.name == "复核"


def test_a_follow_up_may_carry_its_own_business_key(steps, actors):
    """A case that is its own matter (a place's part of a campaign) is started under the key the step names."""
    steps.deploy("follow_up_child.bpmn")
    keyed = PARENT.replace('{"divisor": divisor})', '{"divisor": divisor}, business_key="household:7:part")')
    steps.run(deploy, [SourceFile("follow_up_parent.bpmn", keyed.encode())], actors["designer"])
    parent_id = parent_case(steps, actors)

    steps.complete(actors["village"], parent_id, "act", {"day": "2026-05-04", "divisor": 4})

    keys = dict(steps.session.execute(select(ProcessInstance.process_key, ProcessInstance.business_key)).all())
    assert keys == {"follow_up_parent": "household:7", "follow_up_child": "household:7:part"}


def test_a_follow_up_business_key_must_be_a_non_empty_string(steps, actors):
    steps.deploy("follow_up_child.bpmn")
    keyed = PARENT.replace('{"divisor": divisor})', '{"divisor": divisor}, business_key=" ")')
    steps.run(deploy, [SourceFile("follow_up_parent.bpmn", keyed.encode())], actors["designer"])
    parent_id = parent_case(steps, actors)

    steps.complete(actors["village"], parent_id, "act", {"day": "2026-05-04", "divisor": 4})

    parent = steps.session.get(ProcessInstance, parent_id)
    assert parent.status == InstanceStatus.ERROR and "business_key" in parent.error
    assert instance_counts(steps) == {"follow_up_parent": 1}


def test_a_follow_up_that_is_not_deployed_fails_the_step_and_keeps_nothing_of_it(steps, actors):
    steps.deploy("follow_up_parent.bpmn")
    parent_id = parent_case(steps, actors)

    steps.complete(actors["village"], parent_id, "act", {"day": "2026-05-04", "divisor": 2})

    parent = steps.session.get(ProcessInstance, parent_id)
    assert parent.status == InstanceStatus.ERROR
    assert "后续流程“follow_up_child”未能启动" in parent.error and "尚未部署" in parent.error
    assert steps.session.execute(select(CalendarOverride)).first() is None  # the step's own write is gone
    assert instance_counts(steps) == {"follow_up_parent": 1}
    assert [e.type for e in events(steps, parent_id)][-1] == "error"


def test_a_follow_up_whose_first_step_raises_fails_the_step_and_nothing_of_either_stays(steps, actors):
    steps.deploy("follow_up_child.bpmn")
    steps.deploy("follow_up_parent.bpmn")
    parent_id = parent_case(steps, actors)
    act = steps.task(actors["village"], parent_id, "act")

    steps.complete(actors["village"], parent_id, "act", {"day": "2026-05-04", "divisor": 0})

    parent = steps.session.get(ProcessInstance, parent_id)
    assert parent.status == InstanceStatus.ERROR and "ZeroDivisionError" in parent.error
    assert instance_counts(steps) == {"follow_up_parent": 1}  # no child row, not even as an error
    assert steps.session.execute(select(CalendarOverride)).first() is None
    assert steps.session.execute(select(func.count()).select_from(Task)
                                 .where(Task.instance_id != parent_id)).scalar() == 0
    assert steps.session.get(Task, act.id).state != TaskState.READY
    assert [e.type for e in events(steps, parent_id)] == ["instance_started", "task_completed", "error"]


def test_a_follow_up_refused_by_a_domain_rule_refuses_the_whole_request(steps, actors):
    """InvalidData from the follow-up's first step is a refusal (422), as from the step's own scripts."""
    child = (FIXTURES / "processes" / "follow_up_child.bpmn").read_text(encoding="utf-8")
    steps.run(deploy, [SourceFile("follow_up_child.bpmn",
                                  child.replace("ratio = 1 / divisor", 'note_holiday("refuse")').encode())],
              actors["designer"])
    steps.deploy("follow_up_parent.bpmn")
    parent_id = parent_case(steps, actors)

    with pytest.raises(InvalidData):
        steps.complete(actors["village"], parent_id, "act", {"day": "2026-05-04", "divisor": 1})

    parent = steps.session.get(ProcessInstance, parent_id)
    assert parent.status == InstanceStatus.RUNNING
    assert steps.task(actors["village"], parent_id, "act").state == TaskState.READY
    assert instance_counts(steps) == {"follow_up_parent": 1}
    assert steps.session.execute(select(CalendarOverride)).first() is None


def test_a_process_that_starts_itself_stops_at_the_depth_limit_and_stores_nothing_but_the_error(steps, actors):
    steps.deploy("follow_up_itself.bpmn")

    instance_id = steps.start(actors["village"], "follow_up_itself")

    first = steps.session.get(ProcessInstance, instance_id)
    assert first.status == InstanceStatus.ERROR
    assert f"已达 {MAX_FOLLOW_UP_DEPTH} 层" in first.error
    assert instance_counts(steps) == {"follow_up_itself": 1}
    assert steps.inbox(actors["village"]) == []
    assert [e.type for e in events(steps, instance_id)] == ["instance_started", "error"]


def test_deploy_refuses_a_follow_up_named_by_anything_but_a_string_literal(steps, actors):
    computed = PARENT.replace('start_process("follow_up_child",', 'start_process("follow_up_" + kind,')

    with pytest.raises(DeployError) as refused:
        steps.run(deploy, [SourceFile("follow_up_parent.bpmn", computed.encode())], actors["designer"])

    [problem] = refused.value.problems
    assert "start_process 的第一个参数应为流程标识的字符串常量" in problem.message
    assert problem.file == "follow_up_parent.bpmn" and problem.line is not None


def test_deploy_warns_while_the_follow_up_is_not_deployed(steps, actors):
    before = steps.run(deploy, [SourceFile("follow_up_parent.bpmn", PARENT.encode())], actors["designer"])
    steps.deploy("follow_up_child.bpmn")
    again = steps.run(deploy, [SourceFile("follow_up_parent.bpmn", PARENT.encode())], actors["designer"])

    assert before.created
    assert before.warnings == ("没有流程测试", "后续流程“follow_up_child”尚未部署: 发起它的步骤将失败, 请先部署该流程")
    assert not again.created and again.warnings == ("没有流程测试",)

"""A batch decided at one sitting: shared answers once, each case's own answers per task, all or nothing."""

from __future__ import annotations

import pytest

from engine import tasks
from engine.batch import parent_path, per_case_fields
from engine.errors import InvalidData
from engine.models import InstanceStatus, TaskState
from tests.engine.steps import VILLAGE, VILLAGE_2, VILLAGE_OTHER, Steps

MEETING = {"meeting_date": "2026-03-02", "attendees": 20}


@pytest.fixture
def steps(engine, session, actors) -> Steps:
    steps = Steps(engine, session, actors["designer"])
    steps.deploy("meeting_batch.bpmn")
    return steps


def open_meetings(steps: Steps, actor, count: int, place_code: str = VILLAGE) -> tuple[list[int], list[str]]:
    instance_ids = [steps.start(actor, "meeting_batch", place_code=place_code) for _ in range(count)]
    return instance_ids, [steps.task(actor, i, "decide").id for i in instance_ids]


def assert_untouched(steps: Steps, instance_ids: list[int], task_ids: list[str]) -> None:
    assert [steps.task_row(t).state for t in task_ids] == [TaskState.READY] * len(task_ids)
    assert [steps.instance(i).status for i in instance_ids] == [InstanceStatus.RUNNING] * len(instance_ids)
    assert steps.count_events("task_completed") == 0


def test_the_form_says_which_answers_each_case_gives_on_its_own(steps, actors):
    instance_id = open_meetings(steps, actors["village"], 1)[0][0]
    schema = steps.engine.versions.get(steps.session, steps.instance(instance_id).version_id).forms["meeting.json"]
    assert per_case_fields(schema) == ["votes_for", "approved", "reason"]
    assert per_case_fields({"properties": {"a": {"type": "string", "x-per-case": "yes"}}}) == []
    assert parent_path("/15/1502/150223/150223100000/150223100201/") == "/15/1502/150223/150223100000/"


def test_each_case_has_its_own_votes_and_result_in_one_submission(steps, actors):
    cun = actors["village"]
    instance_ids, task_ids = open_meetings(steps, cun, 3)
    own = {task_ids[0]: {"votes_for": 18, "approved": True},
           task_ids[1]: {"votes_for": 4, "approved": False, "reason": "多数代表认为收入稳定"},
           task_ids[2]: {"votes_for": 15, "approved": True}}

    done = steps.run(tasks.complete_tasks, task_ids, cun, MEETING, own)

    assert sorted(done) == instance_ids
    assert [steps.instance(i).data.get("votes_for") for i in instance_ids] == [18, 4, 15]
    assert {steps.instance(i).data["attendees"] for i in instance_ids} == {20}
    assert steps.end_reached(instance_ids[1]) == "end_not_approved"
    assert steps.instance(instance_ids[1]).data["reason"] == "多数代表认为收入稳定"
    assert [steps.instance(i).status for i in (instance_ids[0], instance_ids[2])] == [InstanceStatus.RUNNING] * 2


def test_one_bad_answer_of_one_case_refuses_the_whole_batch_naming_the_case_and_field(steps, actors):
    cun = actors["village"]
    instance_ids, task_ids = open_meetings(steps, cun, 3)
    own = {task_ids[0]: {"votes_for": 18, "approved": True},
           task_ids[1]: {"votes_for": -1, "approved": False},  # no reason either
           task_ids[2]: {"approved": True}}  # votes missing

    with pytest.raises(InvalidData) as refused:
        steps.run(tasks.complete_tasks, task_ids, cun, {"attendees": 0}, own)

    assert refused.value.fields == {
        "meeting_date": "必填", "attendees": "不能小于1",  # shared answers: named once
        f"per_task.{task_ids[1]}.votes_for": "不能小于0", f"per_task.{task_ids[1]}.reason": "必填",
        f"per_task.{task_ids[2]}.votes_for": "必填"}
    assert_untouched(steps, instance_ids, task_ids)


def test_shared_data_alone_still_decides_every_case_alike(steps, actors):
    """The old contract: without per-task answers the one data dict is every task's, errors unprefixed."""
    cun = actors["village"]
    _instance_ids, task_ids = open_meetings(steps, cun, 2)
    with pytest.raises(InvalidData) as refused:
        steps.run(tasks.complete_tasks, task_ids, cun, {**MEETING, "approved": True})
    assert refused.value.fields == {"votes_for": "必填"}
    steps.run(tasks.complete_tasks, task_ids, cun, {**MEETING, "approved": True, "votes_for": 12})
    assert [steps.task_row(t).state for t in task_ids] == [TaskState.COMPLETED] * 2


@pytest.mark.parametrize(("own", "field", "reason"), [
    ("not an object", "per_task", "应为对象：任务编号 → 该户的填写内容"),
    ({"00000000-0000-0000-0000-000000000000": {"approved": True}}, "per_task.00000000-0000-0000-0000-000000000000",
     "不是本批提交的任务"),
    ({0: [True]}, "per_task.{0}", "应为对象"),
    ({0: {"attendees": 30}}, "per_task.{0}.attendees", "此项不是逐户填写的内容，应填在共用内容中"),
    ({0: {"surprise": 1}}, "per_task.{0}.surprise", "此项不是逐户填写的内容，应填在共用内容中"),
])
def test_per_task_answers_are_guarded(steps, actors, own, field, reason):
    cun = actors["village"]
    instance_ids, task_ids = open_meetings(steps, cun, 2)
    if isinstance(own, dict):
        own = {task_ids[k] if k == 0 else k: v for k, v in own.items()}
    with pytest.raises(InvalidData) as refused:
        steps.run(tasks.complete_tasks, task_ids, cun, {**MEETING, "votes_for": 12, "approved": True}, own)
    assert refused.value.fields == {field.format(task_ids[0]): reason}
    assert_untouched(steps, instance_ids, task_ids)


def test_a_task_outside_the_batch_cannot_be_given_answers(steps, actors):
    """Answers for a task the batch does not name are refused, even a task the user may work on."""
    cun = actors["village"]
    instance_ids, task_ids = open_meetings(steps, cun, 3)
    with pytest.raises(InvalidData) as refused:
        steps.run(tasks.complete_tasks, task_ids[:2], cun, MEETING,
                  {t: {"votes_for": 15, "approved": True} for t in task_ids})
    assert set(refused.value.fields) == {f"per_task.{task_ids[2]}"}
    assert_untouched(steps, instance_ids, task_ids)


def at_confirm(steps: Steps, village, count: int, place_code: str) -> tuple[list[int], list[str]]:
    instance_ids, decide_ids = open_meetings(steps, village, count, place_code)
    steps.run(tasks.complete_tasks, decide_ids, village, {**MEETING, "votes_for": 15, "approved": True})
    return instance_ids, decide_ids


def test_a_step_marked_parent_batches_the_villages_of_one_township(steps, actors):
    zhen = actors["township"]
    first, _ = at_confirm(steps, actors["village"], 2, VILLAGE)
    second, _ = at_confirm(steps, actors["village2"], 1, VILLAGE_2)
    confirm_ids = [steps.task(zhen, i, "confirm").id for i in [*first, *second]]
    own = {confirm_ids[1]: {"approved": False, "reason": "人均纯收入高于监测线"}}

    steps.run(tasks.complete_tasks, confirm_ids, zhen, {"approved": True, "reviewer_note": "逐户审核"}, own)

    ends = [steps.end_reached(i) for i in [*first, *second]]
    assert ends == ["end_confirmed", "end_refused", "end_confirmed"]


def test_a_step_marked_parent_refuses_villages_of_two_townships(steps, actors, create_user):
    supervisor = create_user("zhen_qi", "township", "150223000000")  # a township-role user seeing the banner
    first, _ = at_confirm(steps, actors["village"], 1, VILLAGE)
    other, _ = at_confirm(steps, actors["village_other"], 1, VILLAGE_OTHER)
    confirm_ids = [steps.task(supervisor, i, "confirm").id for i in [*first, *other]]
    with pytest.raises(InvalidData) as refused:
        steps.run(tasks.complete_tasks, confirm_ids, supervisor, {"approved": True})
    assert set(refused.value.fields) == {"task_ids"}
    assert [steps.task_row(t).state for t in confirm_ids] == [TaskState.READY] * 2


def test_a_step_marked_true_still_keeps_a_batch_to_one_place(steps, actors, create_user):
    grid = create_user("wangge", "village", "150223100000")  # sees both villages of the township
    first, first_tasks = open_meetings(steps, actors["village"], 1, VILLAGE)
    second, second_tasks = open_meetings(steps, actors["village2"], 1, VILLAGE_2)
    with pytest.raises(InvalidData) as refused:
        steps.run(tasks.complete_tasks, [*first_tasks, *second_tasks], grid,
                  {**MEETING, "votes_for": 15, "approved": True})
    assert set(refused.value.fields) == {"task_ids"}
    assert_untouched(steps, [*first, *second], [*first_tasks, *second_tasks])

"""Whole processes driven through the engine's use cases, every step its own committed transaction.

Every scenario runs twice: on one worker that keeps its version cache, and with a fresh worker for
every step, which restores the process specs from the database before it acts, as a different
thread or machine would.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from engine import tasks
from engine.assignment import Actor
from engine.errors import Conflict, DeployError, InvalidData, NotFound
from engine.models import CalendarOverride, InstanceStatus, Task, TaskState
from tests.conftest import CST
from tests.engine.steps import VILLAGE, Steps


@pytest.fixture(params=["one_worker", "fresh_worker_per_step"])
def steps(request, engine, session, actors) -> Steps:
    return Steps(engine, session, actors["designer"], fresh_worker=request.param == "fresh_worker_per_step")


@pytest.fixture
def approval(steps):
    return steps.deploy("approval.bpmn")


@pytest.fixture
def deadline(steps):
    return steps.deploy("deadline.bpmn")


def task_states(steps: Steps, instance_id: int) -> dict[str, tuple[str, str | None]]:
    """bpmn_id -> (state, completed_by) of every task row the instance ever had (one per element)."""
    rows = steps.session.execute(select(Task).where(Task.instance_id == instance_id)).scalars()
    return {row.bpmn_id: (row.state, row.completed_by) for row in rows}


def notice_started(steps: Steps, village: Actor) -> int:
    """An application whose home visit found the household eligible: the 5-day public notice runs."""
    instance_id = steps.start(village, "approval", {"applicant": "王某"})
    steps.complete(village, instance_id, "visit", {"eligible": True, "income": 4200})
    return instance_id


def at_township_review(steps: Steps, actors: dict[str, Actor], clock) -> int:
    instance_id = notice_started(steps, actors["village"])
    clock.advance(timedelta(days=5, minutes=1))
    assert steps.run_timers() == 1
    return instance_id


# --- three lanes, three levels ---------------------------------------------------------------------


def test_an_eligible_case_goes_from_village_to_township_to_county_each_in_its_own_lane_and_place(
        steps, approval, actors, clock):
    cun, zhen, qi = actors["village"], actors["township"], actors["county"]
    instance_id = steps.start(cun, "approval", {"applicant": "王某"})
    assert steps.open_tasks(instance_id) == [("visit", "village")]
    assert steps.inbox(zhen) == [] and steps.inbox(qi) == []
    assert steps.inbox(actors["village2"]) == []  # the neighbouring village under the same township

    steps.complete(cun, instance_id, "visit", {"eligible": True, "income": 4200})
    assert steps.open_tasks(instance_id) == []  # public notice
    clock.advance(timedelta(days=5, minutes=1))
    assert steps.run_timers() == 1

    review = steps.task(zhen, instance_id, "review")
    assert (review.role, review.place_code, review.form) == ("township", VILLAGE, "review.json")
    assert steps.inbox(actors["township_other"]) == []
    assert steps.inbox(cun) == [] and steps.inbox(qi) == []
    clock.advance(timedelta(hours=2))
    steps.complete(zhen, instance_id, "review", {"approved": True})

    assert steps.inbox(zhen) == []
    steps.task(qi, instance_id, "approve")
    clock.advance(timedelta(hours=2))
    steps.complete(qi, instance_id, "approve", {"approved": True, "reason": "符合条件"})

    instance = steps.instance(instance_id)
    assert instance.status == InstanceStatus.COMPLETED
    assert instance.ended_at == clock.now()
    assert steps.end_reached(instance_id) == "end_approved"
    assert task_states(steps, instance_id) == {
        "visit": (TaskState.COMPLETED, "cun"),
        "review": (TaskState.COMPLETED, "zhen"),
        "approve": (TaskState.COMPLETED, "qi"),
    }


def test_an_ineligible_household_ends_at_end_ineligible_without_a_notice(steps, approval, actors):
    cun = actors["village"]
    instance_id = steps.start(cun, "approval", {"applicant": "张某"})
    steps.complete(cun, instance_id, "visit", {"eligible": False, "income": 12000, "note": "收入高于监测线"})

    instance = steps.instance(instance_id)
    assert instance.status == InstanceStatus.COMPLETED
    assert steps.end_reached(instance_id) == "end_ineligible"
    assert instance.waiting == [] and instance.wake_at is None
    assert instance.data["eligible"] is False and instance.data["applicant"] == "张某"
    assert steps.open_tasks(instance_id) == []


# --- the 5-day public notice raced by an objection -------------------------------------------------


def test_the_notice_ends_after_five_days_without_objection_and_the_case_goes_to_the_township(
        steps, approval, actors, clock):
    cun, zhen = actors["village"], actors["township"]
    instance_id = notice_started(steps, cun)
    noticed_at = clock.now()
    instance = steps.instance(instance_id)
    assert instance.wake_at == noticed_at + timedelta(days=5)
    assert {(w["type"], w.get("name")) for w in instance.waiting} == {("timer", None), ("message", "objection")}

    clock.advance(timedelta(days=5) - timedelta(minutes=1))
    assert steps.run_timers() == 0
    assert steps.inbox(zhen) == []

    clock.advance(timedelta(minutes=2))
    assert steps.run_timers() == 1
    assert steps.run_timers() == 0  # a timer fires once
    steps.task(zhen, instance_id, "review")
    assert steps.instance(instance_id).waiting == []
    assert "timer_fired" in [e.type for e in steps.events(instance_id)]

    with pytest.raises(Conflict):  # the objection lost the race
        steps.send(cun, instance_id, "objection", {"by": "村民李某", "content": "收入不实"})
    assert steps.open_tasks(instance_id) == [("review", "township")]


def test_an_objection_during_the_notice_sends_the_case_back_to_the_visit_and_restarts_the_notice(
        steps, approval, actors, clock):
    cun, zhen = actors["village"], actors["township"]
    instance_id = steps.start(cun, "approval", {"applicant": "王某"})
    first_visit = steps.complete(cun, instance_id, "visit", {"eligible": True, "income": 4200})

    clock.advance(timedelta(days=2))
    steps.send(cun, instance_id, "objection", {"by": "村民李某", "content": "收入不实"})
    second_visit = steps.task(cun, instance_id, "visit")
    assert second_visit.id != first_visit
    instance = steps.instance(instance_id)
    assert instance.data["objection"] == {"by": "村民李某", "content": "收入不实"}
    assert instance.wake_at is None  # the notice timer was withdrawn with the gateway
    with pytest.raises(Conflict):  # nobody waits for a second objection now
        steps.send(cun, instance_id, "objection", {"by": "村民赵某", "content": "重复"})

    clock.advance(timedelta(days=4))  # past the end of the first notice
    assert steps.run_timers() == 0
    assert steps.inbox(zhen) == []

    steps.complete(cun, instance_id, "visit", {"eligible": True, "income": 4100})
    assert steps.instance(instance_id).wake_at == clock.now() + timedelta(days=5)
    clock.advance(timedelta(days=5, seconds=1))
    assert steps.run_timers() == 1
    steps.task(zhen, instance_id, "review")
    types = [e.type for e in steps.events(instance_id)]
    assert types.count("task_completed") == 2 and types.count("message_received") == 1


# --- a deadline in working days, on a boundary timer ----------------------------------------------


def test_the_verification_deadline_skips_the_2026_spring_festival_and_escalates_only_after_it(
        steps, deadline, actors, clock):
    """Five working days after Thu 12 Feb 2026: Fri 13, Sat 14 (a make-up workday), the holiday from
    Sun 15 to Mon 23, then Tue 24, Wed 25 and Thu 26; the deadline passes at midnight CST into Fri 27."""
    cun, zhen = actors["village"], actors["township"]
    clock.set(datetime(2026, 2, 12, 9, 0, tzinfo=CST))
    instance_id = steps.start(cun, "deadline", {"applied_on": "2026-02-12"})

    verify = steps.task(cun, instance_id, "verify")
    due = datetime(2026, 2, 27, 0, 0, tzinfo=CST)
    assert verify.due_at == due
    assert steps.instance(instance_id).wake_at == due

    clock.set(due - timedelta(minutes=1))
    assert steps.run_timers() == 0
    assert steps.open_tasks(instance_id) == [("verify", "village")]
    assert steps.inbox(zhen) == []

    clock.set(due + timedelta(minutes=1))
    assert steps.run_timers() == 1
    assert steps.task_row(verify.id).state == TaskState.CANCELLED
    assert steps.inbox(cun) == []
    steps.task(zhen, instance_id, "escalate")
    steps.complete(zhen, instance_id, "escalate", {"approved": True})
    assert steps.instance(instance_id).status == InstanceStatus.COMPLETED
    assert steps.end_reached(instance_id) == "end_escalated"


def test_a_verification_done_in_time_ends_the_process_and_its_deadline_never_fires(steps, deadline, actors, clock):
    cun, zhen = actors["village"], actors["township"]
    clock.set(datetime(2026, 2, 12, 9, 0, tzinfo=CST))
    instance_id = steps.start(cun, "deadline", {"applied_on": "2026-02-12"})

    clock.set(datetime(2026, 2, 26, 17, 30, tzinfo=CST))  # the last working day
    steps.complete(cun, instance_id, "verify", {"verified": True})
    instance = steps.instance(instance_id)
    assert instance.status == InstanceStatus.COMPLETED
    assert steps.end_reached(instance_id) == "end_verified"
    assert instance.wake_at is None and instance.waiting == []

    clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=CST))
    assert steps.run_timers() == 0
    assert steps.inbox(zhen) == []
    assert "timer_fired" not in [e.type for e in steps.events(instance_id)]


def test_a_deadline_running_into_2027_counts_monday_to_friday_where_the_official_calendar_ends(
        steps, deadline, actors, clock):
    """chinese-calendar knows 2026 only: Tue 29, Wed 30, Thu 31 Dec 2026, then Fri 1 Jan 2027 (not yet
    known as New Year's Day) and Mon 4 Jan; the deadline passes at midnight CST into Tue 5 Jan 2027."""
    cun, zhen = actors["village"], actors["township"]
    clock.set(datetime(2026, 12, 28, 9, 0, tzinfo=CST))
    instance_id = steps.start(cun, "deadline", {"applied_on": "2026-12-28"})

    verify = steps.task(cun, instance_id, "verify")
    due = datetime(2027, 1, 5, 0, 0, tzinfo=CST)
    assert verify.due_at == due
    assert steps.instance(instance_id).wake_at == due

    clock.set(due - timedelta(seconds=1))
    assert steps.run_timers() == 0
    assert steps.inbox(zhen) == []
    clock.set(due + timedelta(seconds=1))
    assert steps.run_timers() == 1
    steps.task(zhen, instance_id, "escalate")
    assert steps.task_row(verify.id).state == TaskState.CANCELLED


def test_a_holiday_entered_for_2027_by_an_administrator_moves_the_deadline(steps, deadline, actors, clock, session):
    session.add(CalendarOverride(day=date(2027, 1, 1), is_working_day=False, note="元旦"))
    session.commit()
    cun = actors["village"]
    clock.set(datetime(2026, 12, 28, 9, 0, tzinfo=CST))
    instance_id = steps.start(cun, "deadline", {"applied_on": "2026-12-28"})

    due = datetime(2027, 1, 6, 0, 0, tzinfo=CST)
    assert steps.task(cun, instance_id, "verify").due_at == due
    assert steps.instance(instance_id).wake_at == due


def test_a_deadline_from_a_utc_timestamp_counts_working_days_from_that_day_in_china(steps, deadline, actors, clock):
    """Applied at 07:00 CST on Mon 2 Mar 2026 and sent as UTC (as a browser's toISOString() does), when it
    is still Sunday in UTC: five working days after Monday end on Mon 9 Mar, so the deadline passes at
    midnight CST into Tue 10 Mar, not into Sat 7 Mar as if the application had come in on Sunday."""
    cun = actors["village"]
    clock.set(datetime(2026, 3, 1, 23, 0, tzinfo=UTC))
    instance_id = steps.start(cun, "deadline", {"applied_on": "2026-03-01T23:00:00Z"})

    due = datetime(2026, 3, 10, 0, 0, tzinfo=CST)
    assert steps.task(cun, instance_id, "verify").due_at == due
    assert steps.instance(instance_id).wake_at == due


# --- a call activity -------------------------------------------------------------------------------


def test_a_called_household_check_receives_the_household_and_returns_only_its_result(steps, actors):
    cun, zhen = actors["village"], actors["township"]
    steps.deploy("call_activity.bpmn", "household_check.bpmn")
    instance_id = steps.start(cun, "household_support",
                              {"household": {"id": "H-001", "head": "王某"}, "phone": "13800000000"})

    inspect = steps.task(cun, instance_id, "inspect")
    assert (inspect.process_key, inspect.role, inspect.place_code, inspect.form) == (
        "household_support", "village", VILLAGE, "inspect.json")
    assert steps.inbox(zhen) == []
    with pytest.raises(InvalidData):
        steps.complete(cun, instance_id, "inspect", {"residents": 0, "income": 20000})

    steps.complete(cun, instance_id, "inspect", {"residents": 4, "income": 20000})
    steps.task(zhen, instance_id, "decide")
    data = steps.instance(instance_id).data
    assert data["check_result"] == {"household_id": "H-001", "per_capita": 5000.0, "below_line": True}
    assert data["phone"] == "13800000000"  # the caller's own data is kept
    assert "residents" not in data and "per_capita" not in data  # the child's working data stays there

    steps.complete(zhen, instance_id, "decide", {"approved": True})
    assert steps.instance(instance_id).status == InstanceStatus.COMPLETED
    assert steps.end_reached(instance_id) == "end_decided"
    assert task_states(steps, instance_id) == {
        "inspect": (TaskState.COMPLETED, "cun"),
        "decide": (TaskState.COMPLETED, "zhen"),
    }


def test_a_process_with_a_call_activity_is_refused_without_the_process_it_calls(steps):
    with pytest.raises(DeployError, match="household_check"):
        steps.deploy("call_activity.bpmn")


# --- a parallel multi-instance task ----------------------------------------------------------------

MEMBERS = [{"name": "王某", "relation": "户主"}, {"name": "李某", "relation": "配偶"},
           {"name": "王小某", "relation": "子女"}]


@pytest.fixture
def multi_sign(steps):
    return steps.deploy("multi_sign.bpmn")


def test_every_household_member_signs_in_a_task_of_its_own_and_the_case_moves_on_when_all_have(
        steps, multi_sign, actors):
    cun, zhen = actors["village"], actors["township"]
    instance_id = steps.start(cun, "multi_sign", {"members": MEMBERS})

    signs = steps.inbox(cun, instance_id)
    assert [t.bpmn_id for t in signs] == ["sign"] * 3
    assert len({t.id for t in signs}) == 3
    assert {(t.name, t.role, t.form) for t in signs} == {("家庭成员签字", "village", "sign.json")}

    for task, agreed in zip(signs[:2], [True, False], strict=True):
        steps.run(tasks.complete_task, task.id, cun, {"agreed": agreed})
        assert steps.inbox(zhen, instance_id) == []
    assert steps.open_tasks(instance_id) == [("sign", "village")]
    assert steps.instance(instance_id).status == InstanceStatus.RUNNING

    steps.run(tasks.complete_task, signs[2].id, cun, {"agreed": True, "remark": "同意"})
    steps.task(zhen, instance_id, "file_signatures")
    assert steps.open_tasks(instance_id) == [("file_signatures", "township")]
    data = steps.instance(instance_id).data
    assert sorted(data["agreements"]) == [False, True, True]
    assert data["members"] == MEMBERS


def test_one_decision_may_sign_for_all_members_in_a_single_step(steps, multi_sign, actors):
    cun, zhen = actors["village"], actors["township"]
    instance_id = steps.start(cun, "multi_sign", {"members": MEMBERS})
    signs = [t.id for t in steps.inbox(cun, instance_id)]

    assert steps.run(tasks.complete_tasks, signs, cun, {"agreed": True}) == [instance_id]
    steps.task(zhen, instance_id, "file_signatures")
    assert steps.instance(instance_id).data["agreements"] == [True, True, True]


def test_a_household_without_members_skips_the_signatures(steps, multi_sign, actors):
    cun, zhen = actors["village"], actors["township"]
    instance_id = steps.start(cun, "multi_sign", {"members": []})
    assert steps.inbox(cun, instance_id) == []
    steps.task(zhen, instance_id, "file_signatures")


# --- one decision for several instances: all or nothing -------------------------------------------


def open_visits(steps: Steps, village: Actor, count: int) -> tuple[list[int], list[str]]:
    instance_ids = [steps.start(village, "approval", {"applicant": f"申请人{n}"}) for n in range(count)]
    return instance_ids, [steps.task(village, i, "visit").id for i in instance_ids]


def assert_nothing_completed(steps: Steps, instance_ids: list[int], task_ids: list[str]) -> None:
    assert [steps.task_row(t).state for t in task_ids] == [TaskState.READY] * len(task_ids)
    assert [steps.instance(i).status for i in instance_ids] == [InstanceStatus.RUNNING] * len(instance_ids)
    assert steps.count_events("task_completed") == 0


def test_one_decision_completes_the_visits_of_several_instances(steps, approval, actors):
    cun = actors["village"]
    instance_ids, task_ids = open_visits(steps, cun, 3)

    done = steps.run(tasks.complete_tasks, task_ids, cun, {"eligible": False, "income": 9000})
    assert sorted(done) == instance_ids
    for instance_id in instance_ids:
        assert steps.instance(instance_id).status == InstanceStatus.COMPLETED
        assert steps.end_reached(instance_id) == "end_ineligible"
    assert {steps.task_row(t).completed_by for t in task_ids} == {"cun"}


def test_a_batch_with_one_unknown_task_completes_nothing(steps, approval, actors):
    cun = actors["village"]
    instance_ids, task_ids = open_visits(steps, cun, 2)
    with pytest.raises(NotFound):
        steps.run(tasks.complete_tasks, [*task_ids, "00000000-0000-0000-0000-000000000000"], cun,
                  {"eligible": False, "income": 9000})
    assert_nothing_completed(steps, instance_ids, task_ids)


def test_a_batch_with_a_task_of_another_village_completes_nothing(steps, approval, actors):
    cun, cun2 = actors["village"], actors["village2"]
    instance_ids, task_ids = open_visits(steps, cun, 2)
    other = steps.start(cun2, "approval", place_code="150223100202")
    other_task = steps.task(cun2, other, "visit").id
    with pytest.raises(NotFound):
        steps.run(tasks.complete_tasks, [*task_ids, other_task], cun, {"eligible": False, "income": 9000})
    assert_nothing_completed(steps, [*instance_ids, other], [*task_ids, other_task])


def test_a_batch_with_a_task_already_done_completes_nothing(steps, approval, actors):
    cun = actors["village"]
    _instance_ids, task_ids = open_visits(steps, cun, 3)
    steps.run(tasks.complete_task, task_ids[2], cun, {"eligible": False, "income": 9000})
    with pytest.raises(Conflict):
        steps.run(tasks.complete_tasks, task_ids, cun, {"eligible": False, "income": 9000})
    assert [steps.task_row(t).state for t in task_ids] == [TaskState.READY, TaskState.READY, TaskState.COMPLETED]
    assert steps.count_events("task_completed") == 1


def test_a_batch_refused_on_its_last_instance_undoes_the_instances_already_stepped(steps, approval, deadline, actors):
    """Instances are stepped in id order; the third one's form refuses the data after two were stepped."""
    cun = actors["village"]
    instance_ids, task_ids = open_visits(steps, cun, 2)
    verifying = steps.start(cun, "deadline", {"applied_on": "2026-03-02"})
    verify = steps.task(cun, verifying, "verify").id
    revisions = [steps.instance(i).revision for i in [*instance_ids, verifying]]

    with pytest.raises(InvalidData):
        steps.run(tasks.complete_tasks, [*task_ids, verify], cun, {"eligible": False, "income": 9000})
    assert_nothing_completed(steps, [*instance_ids, verifying], [*task_ids, verify])
    assert [steps.instance(i).revision for i in [*instance_ids, verifying]] == revisions


def test_a_batch_must_name_each_task_once(steps, approval, actors):
    cun = actors["village"]
    instance_ids, task_ids = open_visits(steps, cun, 1)
    with pytest.raises(InvalidData):
        steps.run(tasks.complete_tasks, [task_ids[0], task_ids[0]], cun, {"eligible": False, "income": 1})
    with pytest.raises(InvalidData):
        steps.run(tasks.complete_tasks, [], cun, {"eligible": False, "income": 1})
    assert_nothing_completed(steps, instance_ids, task_ids)


# --- claiming ---------------------------------------------------------------------------------------


def test_a_claimed_task_belongs_to_its_claimer_until_released(steps, approval, actors, create_user):
    cun = actors["village"]
    colleague = create_user("cun_b", "village", VILLAGE)
    instance_id = steps.start(cun, "approval")
    task_id = steps.task(cun, instance_id, "visit").id

    assert steps.run(tasks.claim_task, task_id, cun).claimed_by == "cun"
    assert steps.run(tasks.claim_task, task_id, cun).claimed_by == "cun"  # claiming again changes nothing
    with pytest.raises(Conflict):
        steps.run(tasks.claim_task, task_id, colleague)
    with pytest.raises(Conflict):
        steps.run(tasks.complete_task, task_id, colleague, {"eligible": False, "income": 1})
    with pytest.raises(Conflict):
        steps.run(tasks.unclaim_task, task_id, colleague)
    assert steps.task_row(task_id).claimed_by == "cun"

    assert steps.run(tasks.unclaim_task, task_id, cun).claimed_by is None
    assert steps.run(tasks.claim_task, task_id, colleague).claimed_by == "cun_b"
    steps.run(tasks.complete_task, task_id, colleague, {"eligible": False, "income": 1})
    assert steps.task_row(task_id).completed_by == "cun_b"
    with pytest.raises(Conflict):
        steps.run(tasks.claim_task, task_id, cun)
    types = [e.type for e in steps.events(instance_id)]
    assert types.count("task_claimed") == 3 and types.count("task_unclaimed") == 1


def test_a_claim_by_another_user_blocks_a_batch_that_contains_the_task(steps, approval, actors, create_user):
    cun = actors["village"]
    colleague = create_user("cun_b", "village", VILLAGE)
    instance_ids, task_ids = open_visits(steps, cun, 2)
    steps.run(tasks.claim_task, task_ids[1], colleague)
    with pytest.raises(Conflict):
        steps.run(tasks.complete_tasks, task_ids, cun, {"eligible": False, "income": 9000})
    assert_nothing_completed(steps, instance_ids, task_ids)


def test_only_a_supervisor_may_release_a_colleagues_claim(steps, approval, actors, create_user, clock):
    zhen, qi = actors["township"], actors["county"]
    zhen_b = create_user("zhen_b", "township", "150223100000")
    qi_b = create_user("qi_b", "county", "150223000000")
    instance_id = at_township_review(steps, actors, clock)

    review = steps.task(zhen, instance_id, "review").id
    steps.run(tasks.claim_task, review, zhen_b)
    with pytest.raises(Conflict):  # township is no supervisor role
        steps.run(tasks.unclaim_task, review, zhen)
    steps.run(tasks.complete_task, review, zhen_b, {"approved": True})

    approve = steps.task(qi, instance_id, "approve").id
    steps.run(tasks.claim_task, approve, qi_b)
    assert steps.run(tasks.unclaim_task, approve, qi).claimed_by is None  # county supervises
    steps.run(tasks.complete_task, approve, qi, {"approved": True})
    assert steps.end_reached(instance_id) == "end_approved"

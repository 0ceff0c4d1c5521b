"""A completion that is its caller's only write (``sole_write``) reads its case without locking it on PostgreSQL and
saves the step in one statement that commits itself; a step saved in between makes it write nothing, and it is done
again, locked: nothing is lost, doubled or left half-written. Another connection really completes, claims or saves
between the read and the write here: the statement that listens for the save runs it, and it commits."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from engine import audit, drafts, tasks
from engine.core import Engine
from engine.errors import Conflict
from engine.models import AuditEvent, InstanceStatus, TaskDraft, TaskState
from monitoring.models import Role
from tests.engine.steps import Steps
from tests.engine.test_follow_ups import note_holiday, parent_case


@pytest.fixture
def steps(engine, session, actors) -> Steps:
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("SQLite locks the whole database from a step's first write: every step is locked")
    found = Steps(engine, session, actors["designer"])
    found.deploy("migration_parallel_v1.bpmn")
    found.deploy("approval.bpmn")
    return found


@contextmanager
def meanwhile(steps: Steps, work: Callable[[Session], object]) -> Iterator[list[str]]:
    """Run ``work`` on a connection of its own, committed, just before the first step's save reaches the database;
    yields the first word of each statement the block sends but ``work``'s (``BEGIN`` where a transaction begins)."""
    bind, sent = steps.session.get_bind(), []
    ran = running = False  # whether ``work`` has run, and is running (its statements are not the block's)

    def before(_connection, _cursor, statement, *_args) -> None:
        nonlocal ran, running
        if running:
            return
        sent.append(statement.split(None, 1)[0])
        if statement.startswith("WITH saved") and not ran:
            ran = running = True
            try:
                with Session(bind) as other:
                    work(other)
                    other.commit()
            finally:
                running = False

    event.listen(bind, "before_cursor_execute", before)
    try:
        yield sent
    finally:
        event.remove(bind, "before_cursor_execute", before)


def _open(steps: Steps, actor, instance_id: int, bpmn_id: str) -> str:
    return steps.task(actor, instance_id, bpmn_id).id


def test_a_step_saved_meanwhile_makes_the_completion_start_again_locked_and_both_steps_stay(steps, actors):
    village = actors["village"]
    instance_id = steps.start(village, "migration_parallel")
    check, compare = _open(steps, village, instance_id, "check"), _open(steps, village, instance_id, "compare")
    revision = steps.instance(instance_id).revision

    other = lambda session: tasks.complete_task(steps.engine, session, compare, village, {}, sole_write=True)  # noqa: E731
    with meanwhile(steps, other) as sent:
        steps.run(tasks.complete_task, check, village, {}, sole_write=True)

    # the unlocked attempt wrote nothing; the second, locked, saw the other step and joined the branches
    assert sent.count("WITH") == 2 and sent.count("BEGIN") == 1, sent
    instance = steps.instance(instance_id)
    assert instance.status == InstanceStatus.COMPLETED and instance.revision == revision + 2
    assert {steps.task_row(t).state for t in (check, compare)} == {TaskState.COMPLETED}
    completed = [e.task_id for e in steps.events(instance_id) if e.type == "task_completed"]
    assert sorted(completed) == sorted([check, compare])  # one audit row each, none from the attempt
    assert audit.verify(steps.session).broken_at is None


def test_the_same_task_completed_meanwhile_is_a_conflict_and_not_completed_twice(steps, actors):
    village = actors["village"]
    instance_id = steps.start(village, "migration_parallel")
    check = _open(steps, village, instance_id, "check")

    other = lambda session: tasks.complete_task(steps.engine, session, check, village, {}, sole_write=True)  # noqa: E731
    with meanwhile(steps, other), pytest.raises(Conflict):
        steps.run(tasks.complete_task, check, village, {}, sole_write=True)

    events = steps.session.execute(select(AuditEvent.task_id).where(AuditEvent.type == "task_completed")).all()
    assert events == [(check,)]
    assert steps.instance(instance_id).status == InstanceStatus.RUNNING  # 部门比对 still open


def test_a_task_claimed_by_someone_else_meanwhile_is_not_completed_by_the_first(steps, actors, create_user):
    village, colleague = actors["village"], create_user("cun_b", "village", "150223100201")
    instance_id = steps.start(village, "migration_parallel")
    check = _open(steps, village, instance_id, "check")

    other = lambda session: tasks.claim_task(steps.engine, session, check, colleague)  # noqa: E731
    with meanwhile(steps, other), pytest.raises(Conflict, match="认领"):
        steps.run(tasks.complete_task, check, village, {}, sole_write=True)

    assert steps.task_row(check).state == TaskState.READY and steps.task_row(check).claimed_by == "cun_b"


def test_a_task_with_a_draft_is_completed_locked_and_its_draft_goes_with_the_step(steps, actors):
    village = actors["village"]
    instance_id = steps.start(village, "approval")
    task_id = _open(steps, village, instance_id, "visit")
    with steps.session_scope() as session:
        drafts.save_draft(session, task_id, village, {"income": 1}, steps.engine.now())

    with meanwhile(steps, lambda _session: None) as sent:
        steps.run(tasks.complete_task, task_id, village, {"eligible": True, "income": 4200}, sole_write=True)

    assert sent[0] == "SELECT" and "BEGIN" in sent, sent  # read unlocked, then done again in a transaction
    assert steps.session.execute(select(TaskDraft.task_id)).all() == []
    assert steps.task_row(task_id).state == TaskState.COMPLETED


def test_a_step_whose_code_writes_locks_its_case_first_thing_in_its_transaction(steps, actors, clock):
    """The parent's script writes a calendar row through a domain function and starts a follow-up: BEGIN with the
    case's lock, then the rest; so two steps of one case never each hold rows the other waits for (every step locks
    the case before it writes)."""
    steps = Steps(Engine(roles=[r.value for r in Role], clock=clock, functions={"note_holiday": note_holiday}),
                  steps.session, actors["designer"])
    steps.deploy("follow_up_child.bpmn")
    steps.deploy("follow_up_parent.bpmn")
    parent_id = parent_case(steps, actors)
    act = _open(steps, actors["village"], parent_id, "act")
    sent: list[str] = []

    def note(_connection, _cursor, statement, *_args) -> None:
        sent.append(" ".join(statement.split()))

    event.listen(steps.session.get_bind(), "before_cursor_execute", note)
    try:
        steps.run(tasks.complete_task, act, actors["village"], {"day": "2026-05-04", "divisor": 4}, sole_write=True)
    finally:
        event.remove(steps.session.get_bind(), "before_cursor_execute", note)

    begin = next(i for i, s in enumerate(sent) if s.startswith("BEGIN"))
    assert sent[begin] == f"BEGIN; SELECT 1 FROM process_instances WHERE id = {parent_id} FOR NO KEY UPDATE"  # one trip
    assert not any(s.startswith(("INSERT", "UPDATE", "WITH", "SAVEPOINT")) for s in sent[:begin]), sent[:begin]
    assert any(s.startswith("INSERT INTO calendar_overrides") for s in sent[begin:]), sent
    assert steps.instance(parent_id).status == InstanceStatus.COMPLETED


def test_without_sole_write_the_case_is_locked_as_it_is_read(steps, actors):
    village = actors["village"]
    instance_id = steps.start(village, "migration_parallel")
    check = _open(steps, village, instance_id, "check")

    with meanwhile(steps, lambda _session: None) as sent:
        steps.run(tasks.complete_task, check, village, {})

    assert sent[:2] == ["BEGIN", "SELECT"] and sent.count("WITH") == 1, sent

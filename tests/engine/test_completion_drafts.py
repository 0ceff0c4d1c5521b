"""Drafts of a task's form are deleted when the task completes, and only then: the completion reads whether the task has
any drafts with its task row, so a task nobody drafted costs no statement on ``task_drafts`` (one round trip less on
PostgreSQL for most completions)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, select

from engine import drafts
from engine.models import TaskDraft
from tests.engine.steps import VILLAGE, Steps

ANSWERS = {"eligible": True, "income": 4200}


@pytest.fixture
def steps(engine, session, actors) -> Steps:
    found = Steps(engine, session, actors["designer"])
    found.deploy("approval.bpmn")
    return found


@contextmanager
def statements(session) -> Iterator[list[str]]:
    sent: list[str] = []

    def note(_connection, _cursor, statement, *_args) -> None:
        sent.append(" ".join(statement.split()))

    bind = session.get_bind()
    event.listen(bind, "before_cursor_execute", note)
    try:
        yield sent
    finally:
        event.remove(bind, "before_cursor_execute", note)


def _draft(steps: Steps, task_id: str, actor, clock) -> None:
    steps.run(lambda _engine, session: drafts.save_draft(session, task_id, actor, {"income": 1}, clock.now()))


def test_every_user_s_draft_of_a_task_is_deleted_when_it_completes(steps, actors, create_user, clock):
    colleague = create_user("cun_b", "village", VILLAGE)
    instance_id = steps.start(actors["village"], "approval")
    task_id = steps.task(actors["village"], instance_id, "visit").id
    for actor in (actors["village"], colleague):
        _draft(steps, task_id, actor, clock)

    steps.complete(actors["village"], instance_id, "visit", ANSWERS)

    assert steps.session.execute(select(TaskDraft)).all() == []


def test_a_draft_of_another_task_stays(steps, actors, clock):
    first, second = (steps.start(actors["village"], "approval") for _ in range(2))
    other_id = steps.task(actors["village"], second, "visit").id
    _draft(steps, other_id, actors["village"], clock)

    steps.complete(actors["village"], first, "visit", ANSWERS)

    assert steps.session.execute(select(TaskDraft.task_id)).scalars().all() == [other_id]


def test_completing_a_task_nobody_drafted_sends_nothing_to_task_drafts(steps, actors):
    instance_id = steps.start(actors["village"], "approval")

    with statements(steps.session) as sent:
        steps.complete(actors["village"], instance_id, "visit", ANSWERS)

    assert any("UPDATE tasks" in s for s in sent)  # the completion did run (on PostgreSQL in the step's one WITH)
    assert not [s for s in sent if s.startswith(("DELETE FROM task_drafts", "SELECT task_drafts"))], sent

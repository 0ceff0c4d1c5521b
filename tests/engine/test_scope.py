"""The scope rule: a user sees its own place and everything below it, and works only in its own lane.

Whatever lies outside is reported as NotFound, never as Forbidden, so that nobody learns what exists
in another village. Forbidden is kept for what the user does see but its role may not do.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine import instances, queries, tasks
from engine.errors import Forbidden, NotFound
from monitoring import places
from tests.engine.steps import TOWNSHIP, VILLAGE, VILLAGE_2, VILLAGE_OTHER, Steps


@pytest.fixture
def steps(engine, session, actors) -> Steps:
    return Steps(engine, session, actors["designer"])


@pytest.fixture
def cases(steps: Steps, actors, clock) -> dict[str, int]:
    """One approval per village, each past its public notice: a township review is open in each."""
    steps.deploy("approval.bpmn")
    started = {
        VILLAGE: steps.start(actors["village"], "approval", place_code=VILLAGE),
        VILLAGE_2: steps.start(actors["village2"], "approval", place_code=VILLAGE_2),
        VILLAGE_OTHER: steps.start(actors["village_other"], "approval", place_code=VILLAGE_OTHER),
    }
    for user, place in (("village", VILLAGE), ("village2", VILLAGE_2), ("village_other", VILLAGE_OTHER)):
        steps.complete(actors[user], started[place], "visit", {"eligible": True, "income": 3000})
    clock.advance(timedelta(days=5, minutes=1))
    assert steps.run_timers() == 3
    return started


@pytest.fixture
def visits(steps: Steps, actors) -> dict[str, int]:
    """One approval per village, each waiting for its home visit."""
    steps.deploy("approval.bpmn")
    return {
        VILLAGE: steps.start(actors["village"], "approval", place_code=VILLAGE),
        VILLAGE_2: steps.start(actors["village2"], "approval", place_code=VILLAGE_2),
        VILLAGE_OTHER: steps.start(actors["village_other"], "approval", place_code=VILLAGE_OTHER),
    }


def places_of(rows) -> set[str]:
    return {row.place_code for row in rows}


def test_a_village_user_sees_only_its_own_villages_tasks_and_instances(steps, visits, actors, session):
    cun = actors["village"]
    assert [(t.instance_id, t.bpmn_id) for t in steps.inbox(cun)] == [(visits[VILLAGE], "visit")]
    assert [i.id for i in queries.visible_instances(session, cun)] == [visits[VILLAGE]]
    assert places_of(steps.inbox(actors["village2"])) == {VILLAGE_2}
    assert places_of(steps.inbox(actors["village_other"])) == {VILLAGE_OTHER}


def test_a_township_user_sees_its_lanes_tasks_in_all_its_villages_but_not_another_townships(
        steps, cases, actors, session):
    zhen, sumu = actors["township"], actors["township_other"]
    assert places_of(steps.inbox(zhen)) == {VILLAGE, VILLAGE_2}
    assert {t.bpmn_id for t in steps.inbox(zhen)} == {"review"}
    assert places_of(steps.inbox(sumu)) == {VILLAGE_OTHER}
    assert places_of(queries.visible_instances(session, zhen)) == {VILLAGE, VILLAGE_2}
    assert places_of(queries.visible_instances(session, sumu)) == {VILLAGE_OTHER}

    foreign = steps.task(sumu, cases[VILLAGE_OTHER], "review").id
    for attempt in (lambda: tasks.visible_task(session, foreign, zhen),
                    lambda: steps.run(tasks.claim_task, foreign, zhen),
                    lambda: steps.run(tasks.complete_task, foreign, zhen, {"approved": True}),
                    lambda: instances.visible_instance(session, cases[VILLAGE_OTHER], zhen)):
        with pytest.raises(NotFound):
            attempt()
    assert steps.task_row(foreign).claimed_by is None


def test_a_county_user_sees_every_instance_of_its_county_but_only_its_own_lanes_tasks(steps, cases, actors, session):
    qi = actors["county"]
    assert places_of(queries.visible_instances(session, qi)) == {VILLAGE, VILLAGE_2, VILLAGE_OTHER}
    assert steps.inbox(qi) == []


def test_another_villages_user_gets_not_found_for_the_task_and_the_instance(steps, visits, actors, session):
    cun, neighbour = actors["village"], actors["village2"]
    instance_id = visits[VILLAGE]
    task_id = steps.task(cun, instance_id, "visit").id

    attempts = [
        lambda: tasks.visible_task(session, task_id, neighbour),
        lambda: steps.run(tasks.claim_task, task_id, neighbour),
        lambda: steps.run(tasks.unclaim_task, task_id, neighbour),
        lambda: steps.run(tasks.complete_task, task_id, neighbour, {"eligible": False, "income": 1}),
        lambda: steps.run(tasks.complete_tasks, [task_id], neighbour, {"eligible": False, "income": 1}),
        lambda: instances.visible_instance(session, instance_id, neighbour),
        lambda: steps.run(instances.send_message, instance_id, neighbour, "objection", {"content": "x"}),
        lambda: steps.run(instances.cancel_instance, instance_id, neighbour, "不是我的"),
    ]
    for attempt in attempts:
        with pytest.raises(NotFound):
            attempt()
    assert steps.open_tasks(instance_id) == [("visit", "village")]
    assert steps.task_row(task_id).claimed_by is None


def test_a_user_whose_role_is_not_the_tasks_lane_gets_not_found_even_in_scope(steps, visits, cases, actors, session):
    visit = steps.task(actors["village"], visits[VILLAGE], "visit").id
    review = steps.task(actors["township"], cases[VILLAGE], "review").id
    outsiders = {visit: [actors["township"], actors["county"], actors["admin"]],
                 review: [actors["village"], actors["county"], actors["admin"]]}
    for task_id, users in outsiders.items():
        for user in users:
            with pytest.raises(NotFound):
                tasks.visible_task(session, task_id, user)
            with pytest.raises(NotFound):
                steps.run(tasks.claim_task, task_id, user)
            with pytest.raises(NotFound):
                steps.run(tasks.complete_task, task_id, user, {"approved": True})
            assert task_id not in {t.id for t in steps.inbox(user)}
    # the instance itself is visible to everyone above the village
    assert instances.visible_instance(session, visits[VILLAGE], actors["county"]).id == visits[VILLAGE]


def test_starting_at_a_place_outside_ones_scope_is_not_found(steps, actors, session):
    steps.deploy("approval.bpmn")
    for user, place in (("village", VILLAGE_2), ("village", TOWNSHIP), ("village_other", VILLAGE)):
        with pytest.raises(NotFound):
            steps.start(actors[user], "approval", place_code=place)
    assert queries.visible_instances(session, actors["admin"]) == []


def test_starting_a_process_whose_start_lane_is_another_role_is_forbidden(steps, actors, session):
    steps.deploy("approval.bpmn")
    for user in ("township", "county"):
        with pytest.raises(Forbidden):
            steps.start(actors[user], "approval", place_code=VILLAGE)
    assert queries.visible_instances(session, actors["admin"]) == []


def test_a_process_that_does_not_exist_is_not_found(steps, actors):
    with pytest.raises(NotFound):
        steps.start(actors["village"], "no_such_process", place_code=VILLAGE)


def test_a_village_whose_code_begins_with_another_villages_code_sees_nothing_of_it(
        steps, visits, create_user, session):
    places.add_place(session, "15022310020", "测试嘎查", TOWNSHIP, "village")
    session.commit()
    lookalike = create_user("cun_lookalike", "village", "15022310020")
    assert steps.inbox(lookalike) == []
    assert queries.visible_instances(session, lookalike) == []
    with pytest.raises(NotFound):
        instances.visible_instance(session, visits[VILLAGE], lookalike)

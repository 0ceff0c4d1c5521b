"""Tasks and follow-up cases placed at another place than their case's (``engine.placement``).

Fixtures: ``placed_tasks.bpmn`` (a county's case: each village fills in at its village, each township checks at
itself, the league above acknowledges), ``placed_follow_up.bpmn`` (the county starts ``follow_up_child`` at the place
it names). The tree has a league between the region and the county, and a sibling county under the same league.
Each test runs on SQLite and PostgreSQL, every step in its own committed transaction, on the app's engine, whose
place lookup ``web.boundary`` wires to the places table.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from engine import drafts, instances, tasks
from engine.assignment import Actor
from engine.core import Engine
from engine.deploy import SourceFile
from engine.errors import DeployError, NotFound
from engine.models import InstanceStatus, ProcessInstance, Task, TaskState
from engine.versions import deploy
from monitoring import codelists, places
from tests.conftest import FIXTURES, PASSWORD
from tests.engine.steps import Steps
from web.boundary import place_paths

REGION, LEAGUE, COUNTY, SIBLING_COUNTY = "150000000000", "150200000000", "150223000000", "150222000000"
TOWNSHIP, TOWNSHIP_2, SIBLING_TOWNSHIP = "150223100000", "150223200000", "150222100000"
VILLAGE, VILLAGE_2, VILLAGE_3 = "150223100201", "150223100202", "150223200201"
LINE = [  # code, name, parent, level
    (REGION, "自治区", None, "region"),
    (LEAGUE, "包头市", REGION, "league"),
    (COUNTY, "达茂旗", LEAGUE, "county"),
    (TOWNSHIP, "百灵庙镇", COUNTY, "township"),
    (TOWNSHIP_2, "查干哈达苏木", COUNTY, "township"),
    (VILLAGE, "艾力嘎查", TOWNSHIP, "village"),
    (VILLAGE_2, "新宝力格嘎查", TOWNSHIP, "village"),
    (VILLAGE_3, "巴音敖包嘎查", TOWNSHIP_2, "village"),
    (SIBLING_COUNTY, "固阳县", LEAGUE, "county"),
    (SIBLING_TOWNSHIP, "金山镇", SIBLING_COUNTY, "township"),
]
USERS = {  # key: username, role, place
    "village": ("cun", "village", VILLAGE), "village2": ("cun2", "village", VILLAGE_2),
    "village3": ("cun3", "village", VILLAGE_3), "township": ("zhen", "township", TOWNSHIP),
    "township2": ("sumu", "township", TOWNSHIP_2), "county": ("qi", "county", COUNTY),
    "league": ("meng", "region", LEAGUE), "region": ("qu", "region", REGION),
    "designer": ("sheji", "designer", REGION),
}
UNITS = [{"village": VILLAGE, "township": TOWNSHIP}, {"village": VILLAGE_2, "township": TOWNSHIP},
         {"village": VILLAGE_3, "township": TOWNSHIP_2}]


def build_line(session) -> dict[str, Actor]:
    """The places of ``LINE`` and a user of each of ``USERS``, committed."""
    for code, name, parent, level in LINE:
        places.add_place(session, code, name, parent, level)
    codelists.seed(session)
    users = {key: places.add_user(session, username, role, place, PASSWORD)
             for key, (username, role, place) in USERS.items()}
    session.commit()
    return {key: places.actor_for(session, user) for key, user in users.items()}


def county_case_data(league: Any = LEAGUE, units: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"units": UNITS if units is None else units, "league": league}


@pytest.fixture
def line(session) -> dict[str, Actor]:
    return build_line(session)


@pytest.fixture
def steps(engine, session, line) -> Steps:
    found = Steps(engine, session, line["designer"])
    found.deploy("placed_tasks.bpmn")
    return found


def start_county_case(steps: Steps, actors: dict[str, Actor], data: dict[str, Any] | None = None) -> int:
    return steps.start(actors["county"], "placed_tasks", data or county_case_data(), place_code=COUNTY)


def task_rows(steps: Steps, instance_id: int, bpmn_id: str | None = None) -> list[Task]:
    query = select(Task).where(Task.instance_id == instance_id).order_by(Task.place_code)
    return list(steps.session.execute(query if bpmn_id is None else query.where(Task.bpmn_id == bpmn_id)).scalars())


def finish_villages_and_townships(steps: Steps, actors: dict[str, Actor], instance_id: int, *,
                                  last_check: bool = True) -> None:
    """Every village fills in; every township checks (but the last, unless ``last_check``)."""
    for key in ("village", "village2", "village3"):
        steps.complete(actors[key], instance_id, "fill", {"filled": True})
    steps.complete(actors["township"], instance_id, "check", {"checked": True})
    if last_check:
        steps.complete(actors["township2"], instance_id, "check", {"checked": True})


def test_each_village_task_sits_at_its_village_and_reaches_only_that_villages_inbox(steps, line):
    instance_id = start_county_case(steps, line)

    fills = task_rows(steps, instance_id, "fill")
    assert [(t.place_code, t.place_path) for t in fills] == [
        (VILLAGE, steps.place_path(VILLAGE)), (VILLAGE_2, steps.place_path(VILLAGE_2)),
        (VILLAGE_3, steps.place_path(VILLAGE_3))]
    mine = steps.task(line["village"], instance_id, "fill")
    assert mine.place_code == VILLAGE and steps.inbox(line["village2"], instance_id)[0].place_code == VILLAGE_2
    assert steps.inbox(line["county"], instance_id) == []  # the county's lane has no work here yet
    with pytest.raises(NotFound):
        tasks.visible_task(steps.session, mine.id, line["village2"])
    with pytest.raises(NotFound):  # a village must not read the county's case
        instances.visible_instance(steps.session, instance_id, line["village"])


def test_townships_check_at_themselves_and_the_league_above_acknowledges(steps, line):
    instance_id = start_county_case(steps, line)
    for key in ("village", "village2", "village3"):
        steps.complete(line[key], instance_id, "fill", {"filled": True})

    checks = task_rows(steps, instance_id, "check")
    assert [t.place_code for t in checks] == [TOWNSHIP, TOWNSHIP_2]
    assert steps.task(line["township"], instance_id, "check").place_code == TOWNSHIP
    assert steps.task(line["township2"], instance_id, "check").place_code == TOWNSHIP_2
    steps.complete(line["township"], instance_id, "check", {"checked": True})
    steps.complete(line["township2"], instance_id, "check", {"checked": True})

    acknowledge = steps.task(line["league"], instance_id, "acknowledge")
    assert (acknowledge.place_code, acknowledge.role) == (LEAGUE, "region")
    assert steps.inbox(line["county"], instance_id) == []  # above the county: not the county's work
    steps.complete(line["league"], instance_id, "acknowledge", {"acknowledged": True})
    assert steps.session.get(ProcessInstance, instance_id).status == InstanceStatus.COMPLETED


@pytest.mark.parametrize(("league", "shown"), [
    (SIBLING_COUNTY, f"“{SIBLING_COUNTY}”不在本案件所在地区"),
    ("159999000000", "“159999000000”不存在"),
    (42, "实际为 int: 42"),
    ("  ", "地点为空"),
])
def test_a_place_off_the_cases_line_fails_the_step_and_keeps_nothing_of_it(steps, line, league, shown):
    instance_id = start_county_case(steps, line, county_case_data(league))
    finish_villages_and_townships(steps, line, instance_id, last_check=False)
    before = steps.session.get(ProcessInstance, instance_id).state

    steps.complete(line["township2"], instance_id, "check", {"checked": True})

    instance = steps.session.get(ProcessInstance, instance_id)
    steps.session.refresh(instance)
    assert instance.status == InstanceStatus.ERROR
    assert "任务“盟市确认”的地点" in instance.error and shown in instance.error
    assert instance.state == before
    assert task_rows(steps, instance_id, "acknowledge") == []


def test_a_multi_instance_item_off_the_line_fails_the_start_with_no_task_at_all(steps, line):
    units = [*UNITS, {"village": SIBLING_TOWNSHIP, "township": TOWNSHIP}]

    instance_id = start_county_case(steps, line, county_case_data(units=units))

    instance = steps.session.get(ProcessInstance, instance_id)
    assert instance.status == InstanceStatus.ERROR and f"任务“村级填报”的地点“{SIBLING_TOWNSHIP}”" in instance.error
    assert task_rows(steps, instance_id) == []


def test_a_step_looks_up_all_the_places_its_new_tasks_name_in_one_call(app, clock, session, line):
    calls: list[set[str]] = []

    def counted(session_, codes):
        calls.append(set(codes))
        return place_paths(session_, codes)

    engine = Engine(roles=app.extensions["fangpin_engine"].roles, clock=clock,
                    place_paths=counted)
    counting = Steps(engine, session, line["designer"])
    counting.deploy("placed_tasks.bpmn")

    instance_id = start_county_case(counting, line)

    assert calls == [{VILLAGE, VILLAGE_2, VILLAGE_3}]
    assert len(task_rows(counting, instance_id, "fill")) == 3


def _refused_everything(steps: Steps, task: Task, actor: Actor) -> None:
    """The actor finds ``task`` nowhere: not in its inbox, not to open, claim, draft, complete alone or in a batch."""
    assert steps.inbox(actor, task.instance_id) == []
    engine = steps.engine
    attempts = [lambda session: tasks.visible_task(session, task.id, actor),
                lambda session: tasks.claim_task(engine, session, task.id, actor),
                lambda session: tasks.complete_task(engine, session, task.id, actor, {}),
                lambda session: tasks.complete_tasks(engine, session, [task.id], actor, {}),
                lambda session: drafts.save_draft(session, task.id, actor, {}, engine.now())]
    for attempt in attempts:
        with pytest.raises(NotFound), steps.session_scope() as session:
            attempt(session)


def test_a_placed_task_is_its_places_alone_not_a_place_above_in_the_same_role(steps, line):
    """The region above the league holds the lane (region) and sees the league's place, yet the league's
    acknowledgement is the league's: the region can neither take it (locking the league out) nor give it."""
    instance_id = start_county_case(steps, line)
    finish_villages_and_townships(steps, line, instance_id)
    acknowledge = steps.task(line["league"], instance_id, "acknowledge")
    assert acknowledge.placed is True

    _refused_everything(steps, acknowledge, line["region"])

    assert instances.visible_instance(steps.session, instance_id, line["region"]).id == instance_id  # still read
    assert steps.run(tasks.claim_task, acknowledge.id, line["league"]).claimed_by == "meng"
    steps.run(tasks.complete_task, acknowledge.id, line["league"], {"acknowledged": True})
    assert steps.session.get(ProcessInstance, instance_id).status == InstanceStatus.COMPLETED


def test_a_village_lane_user_above_the_villages_has_none_of_their_placed_tasks_even_as_a_batch(steps, line):
    instance_id = start_county_case(steps, line)
    fills = {t.place_code: t for t in task_rows(steps, instance_id, "fill")}
    township_clerk = Actor("zhen-cun", "village", steps.place_path(TOWNSHIP))  # both villages lie under it

    _refused_everything(steps, fills[VILLAGE], township_clerk)
    with pytest.raises(NotFound):
        steps.run(tasks.complete_tasks, [fills[VILLAGE].id, fills[VILLAGE_2].id], township_clerk, {"filled": True})

    assert {t.state for t in task_rows(steps, instance_id, "fill")} == {TaskState.READY}


def test_an_unplaced_task_stays_the_work_of_every_place_above_it_in_its_lane(steps, line):
    """Without a ``place`` the acknowledgement sits at the county's own place: the league and the region above
    both have it, as every unplaced task always had."""
    steps.run(deploy, _placed_tasks_with(None), line["designer"])
    instance_id = start_county_case(steps, line)
    finish_villages_and_townships(steps, line, instance_id)
    acknowledge = steps.task(line["region"], instance_id, "acknowledge")
    assert (acknowledge.place_code, acknowledge.placed) == (COUNTY, False)
    assert [t.id for t in steps.inbox(line["league"], instance_id)] == [acknowledge.id]

    assert steps.run(tasks.claim_task, acknowledge.id, line["region"]).claimed_by == "qu"
    steps.run(tasks.complete_task, acknowledge.id, line["region"], {"acknowledged": True})

    assert steps.session.get(ProcessInstance, instance_id).status == InstanceStatus.COMPLETED


def _follow_up_case(steps: Steps, line: dict[str, Actor], target: Any) -> tuple[int, ProcessInstance]:
    steps.deploy("follow_up_child.bpmn")
    steps.deploy("placed_follow_up.bpmn")
    parent_id = steps.start(line["county"], "placed_follow_up", place_code=COUNTY)
    steps.complete(line["county"], parent_id, "act", {"target": target})
    parent = steps.session.get(ProcessInstance, parent_id)
    steps.session.refresh(parent)
    return parent_id, parent


def _children(steps: Steps) -> list[ProcessInstance]:
    return list(steps.session.execute(select(ProcessInstance)
                                      .where(ProcessInstance.process_key == "follow_up_child")).scalars())


@pytest.mark.parametrize("target", [VILLAGE, LEAGUE])
def test_a_follow_up_starts_at_a_place_below_or_above_the_case(steps, line, target):
    _, parent = _follow_up_case(steps, line, target)

    [child] = _children(steps)
    assert parent.status == InstanceStatus.COMPLETED
    assert (child.status, child.place_code, child.place_path) == (
        InstanceStatus.RUNNING, target, steps.place_path(target))
    assert [t.place_code for t in task_rows(steps, child.id)] == [target]


@pytest.mark.parametrize(("target", "shown"), [
    (SIBLING_COUNTY, f"“{SIBLING_COUNTY}”不在本案件所在地区"),
    ("159999000000", "“159999000000”不存在"),
    (42, "地点 place 应为地点代码"),
])
def test_a_follow_up_off_the_line_fails_the_step_and_starts_nothing(steps, line, target, shown):
    parent_id, parent = _follow_up_case(steps, line, target)

    assert parent.status == InstanceStatus.ERROR and shown in parent.error
    assert _children(steps) == []
    assert [t.state for t in task_rows(steps, parent_id)] != []  # the parent's own task row stays


def _placed_tasks_with(place_value: str | None) -> list[SourceFile]:
    """``placed_tasks.bpmn`` with the acknowledgement's place expression replaced, or removed (None)."""
    text = (FIXTURES / "processes" / "placed_tasks.bpmn").read_text(encoding="utf-8")
    league = '<spiffworkflow:property name="place" value="league" />'
    assert league in text
    return [SourceFile("placed_tasks.bpmn", text.replace(
        league, "" if place_value is None else league.replace("league", place_value)).encode())]


@pytest.mark.parametrize(("value", "shown"), [("league[", "无法编译"), ("  ", "地点表达式为空")])
def test_deploy_refuses_a_place_expression_that_does_not_compile_or_is_blank(steps, line, session, value, shown):
    with pytest.raises(DeployError) as refused:
        deploy(steps.engine, session, _placed_tasks_with(value), line["designer"])
    session.rollback()
    assert [problem.file for problem in refused.value.problems if shown in problem.message] == ["placed_tasks.bpmn"]



def test_a_task_after_a_placed_task_keeps_its_case_s_place_and_none_of_the_first_s_properties(engine, session, line):
    """A task's properties are its own (or, for a multi-instance child, its multi-instance's): the task after a
    placed one with a subject and a due date is stored at the case's place, about nothing, due never."""
    steps = Steps(engine, session, line["designer"])
    steps.deploy("sequential_properties.bpmn")
    instance_id = steps.start(line["county"], "sequential_properties", {"elsewhere": TOWNSHIP}, place_code=COUNTY)
    first = steps.task(line["township"], instance_id, "first")
    assert (first.place_code, first.placed, first.subject, first.due_at is not None) == (
        TOWNSHIP, True, "第一步的事项", True)

    steps.complete(line["township"], instance_id, "first", {})

    second = steps.session.execute(select(Task).where(Task.instance_id == instance_id,
                                                      Task.bpmn_id == "second")).scalar_one()
    assert (second.place_code, second.placed, second.subject, second.due_at) == (COUNTY, False, None, None)

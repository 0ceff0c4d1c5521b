"""Moving running instances onto another version (engine.migration), on SQLite and PostgreSQL.

``migration_v1.bpmn``: 入户核查 (village) → 乡镇审核 (township). Its second versions: ``_added`` puts 旗县审定 (county)
after 乡镇审核; ``_removed`` drops 入户核查; ``_lane`` gives 乡镇审核 to the county; ``_placed`` places 乡镇审核 at the
township its case names in ``review_place``. ``migration_wait_*`` wait for a timer before 乡镇审核; ``approval.bpmn``
waits in its notice (an event-based gateway); ``call_activity.bpmn`` runs inside the process it calls.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine import migration, tasks, versions
from engine.deploy import SourceFile, with_forms
from engine.drafts import save_draft
from engine.models import AuditEvent, InstanceStatus, ProcessInstance, Task, TaskDraft, TaskState
from monitoring import places
from tests.conftest import FIXTURES, PASSWORD, fixture_files
from tests.engine.steps import TOWNSHIP, Steps

KEY = "migration"


@pytest.fixture
def steps(engine, session, actors) -> Steps:
    found = Steps(engine, session, actors["designer"])
    found.deploy("migration_v1.bpmn")
    return found


def at_review(steps: Steps, actors, **data) -> int:
    """A case whose 入户核查 is done: 乡镇审核 waits in the township's inbox."""
    instance_id = steps.start(actors["village"], KEY, {"applicant": "巴特尔", **data})
    steps.complete(actors["village"], instance_id, "check", {"checked": True})
    return instance_id


def migrate(steps: Steps, actor, instance_ids, dry_run=False) -> list[migration.InstanceMigration]:
    return steps.run(migration.migrate, actor, KEY, 1, 2, instance_ids, dry_run)


def variant(name: str, *changes: tuple[str, str]) -> SourceFile:
    """A fixture model with each change's old text replaced by its new text throughout."""
    text = (FIXTURES / "processes" / name).read_text()
    for old, new in changes:
        text = text.replace(old, new)
    return SourceFile(name, text.encode())


def deploy_variant(steps: Steps, actors, *files: SourceFile) -> None:
    steps.run(versions.deploy, with_forms(list(files), FIXTURES / "forms"), actors["designer"])


def snapshot(steps: Steps, instance_id: int):
    """Everything a migration may change about an instance: its row, its task rows, its audit chain."""
    steps.session.expire_all()
    row = steps.session.execute(select(ProcessInstance.version_id, ProcessInstance.state, ProcessInstance.revision,
                                       ProcessInstance.audit_hash, ProcessInstance.status)
                                .where(ProcessInstance.id == instance_id)).one()
    rows = steps.session.execute(select(Task.id, Task.bpmn_id, Task.role, Task.state, Task.claimed_by, Task.place_code)
                                 .where(Task.instance_id == instance_id).order_by(Task.id)).all()
    events = steps.session.execute(select(AuditEvent.id, AuditEvent.hash)
                                   .where(AuditEvent.instance_id == instance_id).order_by(AuditEvent.id)).all()
    return tuple(row), rows, events


def test_a_task_added_after_the_current_one_is_where_the_migrated_case_goes_next(steps, actors):
    instance_id = at_review(steps, actors)
    review = steps.task(actors["township"], instance_id, "review")
    steps.run(tasks.claim_task, review.id, actors["township"])
    steps.deploy("migration_v2_added.bpmn")

    [moved] = migrate(steps, actors["designer"], [instance_id])

    assert moved.reasons == [] and moved == migration.InstanceMigration(instance_id, True, [], True, ["乡镇审核"])
    kept = steps.task_row(review.id)  # unchanged but for what follows it: the same task, claim and all
    assert (kept.state, kept.claimed_by, kept.role) == (TaskState.READY, actors["township"].username, "township")
    version_2 = steps.run(lambda engine, session: versions.get_version(session, KEY, 2))
    assert steps.instance(instance_id).version_id == version_2.id
    [event] = [e for e in steps.events(instance_id) if e.type == "instance_migrated"]
    assert (event.actor, event.detail) == (actors["designer"].username, {
        "key": KEY, "from_version": 1, "to_version": 2, "tasks_before": ["乡镇审核"], "tasks_after": ["乡镇审核"]})

    steps.complete(actors["township"], instance_id, "review", {"approved": True})
    assert steps.open_tasks(instance_id) == [("approve", "county")]
    steps.complete(actors["county"], instance_id, "approve", {"approved": True})
    assert steps.instance(instance_id).status == InstanceStatus.COMPLETED
    assert steps.end_reached(instance_id) == "end"


def test_a_dry_run_says_what_would_happen_and_changes_nothing(steps, actors):
    instance_id = at_review(steps, actors)
    steps.deploy("migration_v2_lane.bpmn")
    before = snapshot(steps, instance_id)

    [would] = migrate(steps, actors["designer"], [instance_id], dry_run=True)

    assert would == migration.InstanceMigration(instance_id, True, [], False, ["乡镇审核"])
    assert snapshot(steps, instance_id) == before
    assert steps.count_events("instance_migrated") == 0


def test_a_version_without_a_task_the_case_already_did_is_refused_and_nothing_changes(steps, actors):
    instance_id = at_review(steps, actors)
    steps.deploy("migration_v2_removed.bpmn")
    before = snapshot(steps, instance_id)

    for dry_run in (True, False):
        [refused] = migrate(steps, actors["designer"], [instance_id], dry_run=dry_run)
        assert not refused.migratable and not refused.migrated
        # the start now leads elsewhere, which changes nothing it did
        assert refused.reasons == ["已办理的任务“入户核查”在新版本中已删除", "此案件留在第 1 版，将按第 1 版办完"]
    assert snapshot(steps, instance_id) == before


def test_a_version_without_the_current_task_is_refused(steps, actors):
    instance_id = steps.start(actors["village"], KEY, {"applicant": "巴特尔"})
    steps.deploy("migration_v2_removed.bpmn")

    [refused] = migrate(steps, actors["designer"], [instance_id])

    assert "当前任务“入户核查”在新版本中已删除" in refused.reasons and not refused.migrated


def test_a_current_task_given_to_another_lane_moves_to_that_roles_inbox(steps, actors):
    instance_id = at_review(steps, actors)
    review = steps.task(actors["township"], instance_id, "review")
    steps.run(tasks.claim_task, review.id, actors["township"])
    steps.deploy("migration_v2_lane.bpmn")

    [moved] = migrate(steps, actors["designer"], [instance_id])

    assert moved.migrated
    assert steps.inbox(actors["township"], instance_id) == []
    [row] = steps.inbox(actors["county"], instance_id)
    assert (row.id, row.role, row.claimed_by) == (review.id, "county", None)  # the claim was the township's
    steps.complete(actors["county"], instance_id, "review", {"approved": True})
    assert steps.instance(instance_id).status == InstanceStatus.COMPLETED


def test_in_a_bulk_migration_the_instance_whose_new_place_fails_is_rolled_back_whole_and_the_others_move(
        steps, actors):
    good = [at_review(steps, actors, review_place=TOWNSHIP) for _ in range(2)]
    bad = at_review(steps, actors)  # names no review_place: 乡镇审核's place cannot be evaluated in v2
    steps.deploy("migration_v2_placed.bpmn")
    before = snapshot(steps, bad)

    dry = migrate(steps, actors["designer"], [good[0], bad, good[1]], dry_run=True)
    assert [r.migratable for r in dry] == [True, False, True]  # the dry run finds what the migration will meet
    results = {r.id: r for r in migrate(steps, actors["designer"], [good[0], bad, good[1]])}

    assert [results[i].migrated for i in good] == [True, True]
    assert not results[bad].migrated and not results[bad].migratable
    assert "乡镇审核" in results[bad].reasons[0] and "地点表达式 review_place 无法求值" in results[bad].reasons[0]
    assert snapshot(steps, bad) == before
    assert steps.instance(bad).status == InstanceStatus.RUNNING and steps.instance(bad).error is None
    for instance_id in good:
        [row] = steps.inbox(actors["township"], instance_id)
        assert (row.place_code, row.placed) == (TOWNSHIP, True)


def test_a_task_draft_stays_with_an_unchanged_task(steps, actors):
    instance_id = at_review(steps, actors)
    review = steps.task(actors["township"], instance_id, "review")
    steps.run(lambda e, s: save_draft(s, review.id, actors["township"], {"note": "半"}, e.now()))
    steps.deploy("migration_v2_added.bpmn")

    [moved] = migrate(steps, actors["designer"], [instance_id])

    assert moved.migrated
    assert steps.session.get(TaskDraft, (review.id, actors["township"].username), populate_existing=True).data == \
        {"note": "半"}


def test_instances_outside_the_designers_place_are_neither_listed_nor_migrated(steps, actors, session):
    instance_id = at_review(steps, actors)
    places.add_place(session, "150224000000", "另一旗", "150000000000", "county")
    session.commit()
    elsewhere = places.actor_for(session, places.add_user(session, "sheji2", "designer", "150224000000", PASSWORD))
    session.commit()
    steps.deploy("migration_v2_added.bpmn")
    before = snapshot(steps, instance_id)

    version_1 = steps.instance(instance_id).version_id
    assert steps.run(lambda engine, session: migration.running_instance_ids(session, elsewhere, version_1)) == []
    [refused] = migrate(steps, elsewhere, [instance_id])
    assert refused.reasons == ["未找到此流程实例"] and not refused.migrated
    assert migrate(steps, elsewhere, None) == []  # "all" is every running instance the designer sees: none
    assert snapshot(steps, instance_id) == before


def test_an_instance_no_longer_running_or_on_another_version_is_refused(steps, actors):
    done = at_review(steps, actors)
    steps.complete(actors["township"], done, "review", {"approved": True})
    steps.deploy("migration_v2_added.bpmn")
    newer = at_review(steps, actors)  # started on version 2

    results = migrate(steps, actors["designer"], [done, newer])

    assert [r.reasons for r in results] == [["流程实例不在运行中"], ["流程实例不在“migration”的版本 1 上"]]


def test_a_case_waiting_for_a_timer_whose_definition_changed_is_refused(steps, actors):
    steps.deploy("migration_wait_v1.bpmn")
    instance_id = steps.start(actors["village"], "migration_wait")
    steps.deploy("migration_wait_v2_longer.bpmn")

    [refused] = steps.run(migration.migrate, actors["designer"], "migration_wait", 1, 2, [instance_id], False)

    assert refused.reasons == ["等待中的定时器“公示期满”在新版本中已修改（定时器）",
                               "此案件留在第 1 版，将按第 1 版办完"]
    assert not refused.migrated


def test_a_timer_the_case_waits_for_keeps_its_moment_when_what_follows_it_changes(steps, actors, clock):
    steps.deploy("migration_wait_v1.bpmn")
    instance_id = steps.start(actors["village"], "migration_wait")
    wake_at = steps.instance(instance_id).wake_at
    clock.advance(timedelta(days=3))
    steps.deploy("migration_wait_v2_renamed.bpmn")

    [moved] = steps.run(migration.migrate, actors["designer"], "migration_wait", 1, 2, [instance_id], False)

    assert moved.migrated and steps.instance(instance_id).wake_at == wake_at  # not restarted by the migration
    clock.set(wake_at + timedelta(minutes=1))
    assert steps.run_timers() == 1
    assert [t.name for t in steps.inbox(actors["township"], instance_id)] == ["乡镇复核"]


def test_a_case_inside_a_called_process_the_new_version_no_longer_has_is_refused(steps, actors):
    steps.deploy("call_activity.bpmn", "household_check.bpmn")
    instance_id = steps.start(actors["village"], "household_support", {"household": {"id": "H-001", "head": "王某"}})
    assert steps.open_tasks(instance_id) == [("inspect", "village")]
    deploy_variant(steps, actors, *(variant(name, ("household_check", "household_visit"))
                                    for name in ("call_activity.bpmn", "household_check.bpmn")))
    before = snapshot(steps, instance_id)

    [refused] = steps.run(migration.migrate, actors["designer"], "household_support", 1, 2, [instance_id], False)

    assert refused.reasons == ["运行中的子流程“家庭情况核查 (被调用)”在新版本中已不存在",
                               "进行中的环节“家庭情况核查”在新版本中已修改（调用流程）",  # it calls another process now
                               "此案件留在第 1 版，将按第 1 版办完"]
    assert snapshot(steps, instance_id) == before


def test_a_case_inside_a_called_process_moves_with_it_and_its_task_follows_the_new_name(steps, actors):
    steps.deploy("call_activity.bpmn", "household_check.bpmn")
    instance_id = steps.start(actors["village"], "household_support", {"household": {"id": "H-001", "head": "王某"}})
    inspect = steps.task(actors["village"], instance_id, "inspect")
    deploy_variant(steps, actors, *fixture_files("call_activity.bpmn"),
                   variant("household_check.bpmn", ("入户核查家庭情况", "入户核实家庭情况")))

    [moved] = steps.run(migration.migrate, actors["designer"], "household_support", 1, 2, [instance_id], False)

    assert moved.reasons == [] and moved.tasks == ["入户核实家庭情况"]
    assert (steps.task_row(inspect.id).name, steps.task_row(inspect.id).state) == ("入户核实家庭情况", TaskState.READY)
    steps.complete(actors["village"], instance_id, "inspect", {"residents": 4, "income": 20000})
    steps.complete(actors["township"], instance_id, "decide", {"approved": True})
    assert steps.end_reached(instance_id) == "end_decided"


def test_a_case_waiting_for_a_timer_with_a_task_inserted_before_it_moves_and_the_timer_keeps_its_moment(
        steps, actors, clock):
    steps.deploy("migration_wait_v1.bpmn")
    instance_id = steps.start(actors["village"], "migration_wait")
    wake_at = steps.instance(instance_id).wake_at
    deploy_variant(steps, actors, variant(
        "migration_wait_v1.bpmn",
        ("<bpmn:flowNodeRef>notice</bpmn:flowNodeRef>",
         "<bpmn:flowNodeRef>register</bpmn:flowNodeRef><bpmn:flowNodeRef>notice</bpmn:flowNodeRef>"),
        ("<bpmn:incoming>f_start</bpmn:incoming>\n      <bpmn:outgoing>f_notice</bpmn:outgoing>",
         "<bpmn:incoming>f_register</bpmn:incoming>\n      <bpmn:outgoing>f_notice</bpmn:outgoing>"),
        ('<bpmn:sequenceFlow id="f_start" sourceRef="start" targetRef="notice" />',
         '<bpmn:sequenceFlow id="f_start" sourceRef="start" targetRef="register" />'
         '<bpmn:userTask id="register" name="登记"><bpmn:incoming>f_start</bpmn:incoming>'
         '<bpmn:outgoing>f_register</bpmn:outgoing></bpmn:userTask>'
         '<bpmn:sequenceFlow id="f_register" sourceRef="register" targetRef="notice" />')))

    [moved] = steps.run(migration.migrate, actors["designer"], "migration_wait", 1, 2, [instance_id], False)

    assert moved.migrated and moved.notes == ["此案件已过新增的任务“登记”，迁移后不会再办理它"]
    assert steps.instance(instance_id).wake_at == wake_at
    clock.set(wake_at + timedelta(minutes=1))
    assert steps.run_timers() == 1
    assert [t.name for t in steps.inbox(actors["township"], instance_id)] == ["乡镇审核"]


def test_a_case_waiting_in_a_notice_whose_period_changed_is_refused(steps, actors):
    steps.deploy("approval.bpmn")
    instance_id = steps.start(actors["village"], "approval")
    steps.complete(actors["village"], instance_id, "visit", {"eligible": True, "income": 3000})
    deploy_variant(steps, actors, variant("approval.bpmn", ('"P5D"', '"P10D"')))

    [refused] = steps.run(migration.migrate, actors["designer"], "approval", 1, 2, [instance_id], True)

    assert refused.reasons == ["等待中的事件“公示”在新版本中已修改（“公示期满5天”的定时器）",
                               "此案件留在第 1 版，将按第 1 版办完"]


def test_a_case_waiting_in_a_notice_moves_when_only_the_steps_after_it_changed(steps, actors, clock):
    steps.deploy("approval.bpmn")
    instance_id = steps.start(actors["village"], "approval")
    steps.complete(actors["village"], instance_id, "visit", {"eligible": True, "income": 3000})
    wake_at = steps.instance(instance_id).wake_at
    deploy_variant(steps, actors, variant("approval.bpmn", ('name="乡镇审核"', 'name="乡镇复核"')))

    [moved] = steps.run(migration.migrate, actors["designer"], "approval", 1, 2, [instance_id], False)

    assert moved.migrated and steps.instance(instance_id).wake_at == wake_at
    clock.set(wake_at + timedelta(minutes=1))
    assert steps.run_timers() == 1
    assert [t.name for t in steps.inbox(actors["township"], instance_id)] == ["乡镇复核"]


def test_a_step_not_reached_yet_may_be_dropped(steps, actors):
    instance_id = steps.start(actors["village"], KEY, {"applicant": "巴特尔"})  # 乡镇审核 lies ahead
    steps.deploy("migration_v2_shorter.bpmn")

    [moved] = migrate(steps, actors["designer"], [instance_id])

    assert moved.reasons == [] and moved.migrated
    steps.complete(actors["village"], instance_id, "check", {"checked": True})
    assert steps.instance(instance_id).status == InstanceStatus.COMPLETED


def test_a_case_halfway_through_a_multi_instance_step_moves_and_its_signatures_stay(steps, actors):
    steps.deploy("multi_sign.bpmn")
    members = [{"name": "王某"}, {"name": "李某"}, {"name": "王小某"}]
    instance_id = steps.start(actors["village"], "multi_sign", {"members": members})
    signs = steps.inbox(actors["village"], instance_id)
    steps.run(tasks.complete_task, signs[0].id, actors["village"], {"agreed": True})
    deploy_variant(steps, actors, variant("multi_sign.bpmn", ('<bpmn:lane id="lane_township" name="township">',
                                                             '<bpmn:lane id="lane_township" name="county">')))

    [moved] = steps.run(migration.migrate, actors["designer"], "multi_sign", 1, 2, [instance_id], False)

    assert moved.reasons == [] and moved.tasks == ["家庭成员签字", "家庭成员签字"]
    assert {t.id for t in steps.inbox(actors["village"], instance_id)} == {t.id for t in signs[1:]}
    for task in signs[1:]:
        steps.run(tasks.complete_task, task.id, actors["village"], {"agreed": False})
    steps.task(actors["county"], instance_id, "file_signatures")  # the filing is the county's in version 2
    assert sorted(steps.instance(instance_id).data["agreements"]) == [False, False, True]


def test_a_case_past_an_inserted_task_moves_is_told_it_skips_it_and_completes_on_the_new_version(steps, actors):
    instance_id = at_review(steps, actors)  # 入户核查 is done; 入户复核 is inserted right after it
    steps.deploy("migration_v2_inserted.bpmn")
    skipped = ["此案件已过新增的任务“入户复核”，迁移后不会再办理它"]

    [would] = migrate(steps, actors["designer"], [instance_id], dry_run=True)
    assert (would.migratable, would.reasons, would.notes, would.tasks) == (True, [], skipped, ["乡镇审核"])
    [moved] = migrate(steps, actors["designer"], [instance_id])

    assert moved.migrated and moved.notes == skipped
    steps.complete(actors["township"], instance_id, "review", {"approved": True})
    assert steps.instance(instance_id).status == InstanceStatus.COMPLETED
    assert steps.end_reached(instance_id) == "end"


def test_a_case_before_an_inserted_task_moves_without_a_note_and_does_it(steps, actors):
    instance_id = steps.start(actors["village"], KEY, {"applicant": "巴特尔"})  # at 入户核查
    steps.deploy("migration_v2_inserted.bpmn")

    [moved] = migrate(steps, actors["designer"], [instance_id])

    assert moved.migrated and moved.notes == []
    steps.complete(actors["village"], instance_id, "check", {"checked": True})
    assert steps.open_tasks(instance_id) == [("recheck", "village")]


def test_a_refusal_says_in_the_diffs_words_what_changed_and_that_the_case_finishes_on_its_version(steps, actors):
    instance_id = at_review(steps, actors)
    deploy_variant(steps, actors, variant("migration_v1.bpmn", ('name="入户核查"', 'name="入户核实"'),
                                          ('<bpmn:lane id="lane_village" name="village">',
                                           '<bpmn:lane id="lane_village" name="township">')))

    [refused] = migrate(steps, actors["designer"], [instance_id], dry_run=True)

    assert refused.reasons == ["已办理的任务“入户核查”在新版本中已修改（名称、泳道）",
                               "此案件留在第 1 版，将按第 1 版办完"]


def test_a_case_past_a_parallel_split_given_another_branch_is_refused_as_it_would_wait_for_it_forever(steps, actors):
    steps.deploy("migration_parallel_v1.bpmn")
    instance_id = steps.start(actors["village"], "migration_parallel")
    deploy_variant(steps, actors, variant(
        "migration_parallel_v1.bpmn",
        ("<bpmn:flowNodeRef>join</bpmn:flowNodeRef>",
         "<bpmn:flowNodeRef>join</bpmn:flowNodeRef><bpmn:flowNodeRef>visit</bpmn:flowNodeRef>"),
        ('<bpmn:outgoing>f_compare</bpmn:outgoing>\n    </bpmn:parallelGateway>',
         '<bpmn:outgoing>f_compare</bpmn:outgoing><bpmn:outgoing>f_visit</bpmn:outgoing></bpmn:parallelGateway>'),
        ('<bpmn:incoming>f_compare_done</bpmn:incoming>',
         '<bpmn:incoming>f_compare_done</bpmn:incoming><bpmn:incoming>f_visit_done</bpmn:incoming>'),
        ('<bpmn:sequenceFlow id="f_join"',
         '<bpmn:userTask id="visit" name="走访"><bpmn:incoming>f_visit</bpmn:incoming>'
         '<bpmn:outgoing>f_visit_done</bpmn:outgoing></bpmn:userTask>'
         '<bpmn:sequenceFlow id="f_visit" sourceRef="split" targetRef="visit" />'
         '<bpmn:sequenceFlow id="f_visit_done" sourceRef="visit" targetRef="join" />'
         '<bpmn:sequenceFlow id="f_join"')))

    [refused] = steps.run(migration.migrate, actors["designer"], "migration_parallel", 1, 2, [instance_id], False)

    assert refused.reasons == ["已办理的任务“分头核查”在新版本中已修改（之后的流程）",
                               "此案件留在第 1 版，将按第 1 版办完"]
    steps.complete(actors["village"], instance_id, "check", {})  # it ends on version 1
    steps.complete(actors["village"], instance_id, "compare", {})
    assert steps.instance(instance_id).status == InstanceStatus.COMPLETED


def test_a_case_at_a_join_given_another_way_in_is_refused_as_the_join_would_wait_for_it_forever(steps, actors):
    steps.deploy("migration_parallel_v1.bpmn")
    instance_id = steps.start(actors["village"], "migration_parallel")
    steps.complete(actors["village"], instance_id, "check", {})  # 汇总 waits for 部门比对
    deploy_variant(steps, actors, variant(
        "migration_parallel_v1.bpmn",
        ("<bpmn:flowNodeRef>join</bpmn:flowNodeRef>",
         "<bpmn:flowNodeRef>join</bpmn:flowNodeRef><bpmn:flowNodeRef>recheck</bpmn:flowNodeRef>"),
        ('<bpmn:incoming>f_check_done</bpmn:incoming>', '<bpmn:incoming>f_recheck_done</bpmn:incoming>'),
        ('<bpmn:sequenceFlow id="f_check_done" sourceRef="check" targetRef="join" />',
         '<bpmn:sequenceFlow id="f_check_done" sourceRef="check" targetRef="recheck" />'
         '<bpmn:userTask id="recheck" name="复核"><bpmn:incoming>f_check_done</bpmn:incoming>'
         '<bpmn:outgoing>f_recheck_done</bpmn:outgoing></bpmn:userTask>'
         '<bpmn:sequenceFlow id="f_recheck_done" sourceRef="recheck" targetRef="join" />')))

    [refused] = steps.run(migration.migrate, actors["designer"], "migration_parallel", 1, 2, [instance_id], False)

    assert refused.reasons == ["等待中的环节“汇总”在新版本中已修改（之前的流程）", "此案件留在第 1 版，将按第 1 版办完"]

"""A step keeps what it decided (``engine.decision_log``): a decision table's matching row, the inputs it was matched
on and what it gave, as a ``decision`` event of the case at the task that ran it — and a step that fails keeps none.
A domain function's rule (``decision_log.record``) is kept the same way, at the script that called it.
Fixtures: ``graded.bpmn`` + ``grade.dmn``. SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from engine import decision_log, versions
from engine.core import Engine
from engine.deploy import SourceFile
from engine.errors import DeployError
from engine.models import InstanceStatus
from monitoring.models import Role
from tests.conftest import FIXTURES, model_files
from tests.engine.steps import Steps


def note_rule(score: int) -> None:
    """A domain function applying a rule of its own."""
    decision_log.record("bonus", "加分", [{"rule": "over_90", "text": "90分以上加分"}],
                        [{"name": "score", "label": "得分", "value": score}], {"bonus": score > 90})


@pytest.fixture
def steps(app, clock, session, actors) -> Steps:
    engine = Engine(roles=[r.value for r in Role], clock=clock, functions={"note_rule": note_rule})
    return Steps(engine, session, actors["designer"])


def decisions(steps: Steps, instance_id: int) -> list[dict]:
    return [e.detail for e in steps.events(instance_id) if e.type == decision_log.DECISION_EVENT]


def test_the_table_s_matching_row_inputs_and_outputs_are_kept_at_the_task_that_ran_it(steps, actors):
    steps.deploy("graded.bpmn", "grade.dmn")
    case = steps.start(actors["village"], "graded", {"pass_mark": 60})

    steps.complete(actors["village"], case, "enter", {"score": 58, "divisor": 2})

    assert steps.instance(case).data["result"] == {"grade": "不及格"}
    kept, bonus = decisions(steps, case)
    assert kept == {
        "decision": "grade_table", "title": "评定等级", "element": "grade_it", "name": "评定等级",
        "rows": [{"row": 1, "rule": "fail", "text": "低于及格线为不及格", "outputs": {"result.grade": "不及格"}}],
        "inputs": [{"name": "score", "label": "得分", "value": 58},
                   {"name": "pass_mark", "label": "及格线", "value": 60}],
        "outputs": {"result.grade": "不及格"},
    }
    assert bonus == {"decision": "bonus", "title": "加分", "element": "divide", "name": "计算",
                     "rows": [{"rule": "over_90", "text": "90分以上加分"}],
                     "inputs": [{"name": "score", "label": "得分", "value": 58}], "outputs": {"bonus": False}}
    assert {e.actor for e in steps.events(case) if e.type == decision_log.DECISION_EVENT} == {"system"}


def test_a_step_that_fails_after_the_table_decided_keeps_no_decision(steps, actors):
    steps.deploy("graded.bpmn", "grade.dmn")
    case = steps.start(actors["village"], "graded", {"pass_mark": 60})

    steps.complete(actors["village"], case, "enter", {"score": 75, "divisor": 0})

    assert steps.instance(case).status == InstanceStatus.ERROR
    assert decisions(steps, case) == []


def test_the_stored_spec_runs_the_recording_table_after_a_restart(steps, actors, clock, session):
    """A second engine restores the version from its stored spec (no parser): its table records too."""
    steps.deploy("graded.bpmn", "grade.dmn")
    case = steps.start(actors["village"], "graded", {"pass_mark": 60})
    steps.engine = Engine(roles=[r.value for r in Role], clock=clock, functions={"note_rule": note_rule})

    steps.complete(actors["village"], case, "enter", {"score": 90, "divisor": 3})

    kept, _bonus = decisions(steps, case)
    assert kept["rows"][0]["rule"] == "pass" and kept["outputs"] == {"result.grade": "及格"}


def test_a_row_condition_that_reaches_outside_the_sandbox_is_refused_at_deploy(steps):
    dmn = (FIXTURES / "processes" / "grade.dmn").read_text(encoding="utf-8")
    dmn = dmn.replace("<text>&lt; pass_mark</text>", "<text>&lt; __import__('os').getpid()</text>")
    files = model_files(SourceFile("graded.bpmn", (FIXTURES / "processes" / "graded.bpmn").read_bytes()),
                        SourceFile("grade.dmn", dmn.encode()))

    with pytest.raises(DeployError) as refused:
        steps.run(versions.deploy, files, steps.designer)

    [problem] = refused.value.problems
    assert problem.file == "grade.dmn"
    assert "决策表表达式无法编译" in problem.message and "__import__" in problem.message


def test_a_model_deployed_without_the_table_it_calls_is_told_so_in_chinese_at_the_task(steps):
    files = model_files(SourceFile("graded.bpmn", (FIXTURES / "processes" / "graded.bpmn").read_bytes()))

    with pytest.raises(DeployError) as refused:
        steps.run(versions.deploy, files, steps.designer)

    [problem] = refused.value.problems
    assert (problem.file, problem.element) == ("graded.bpmn", "grade_it") and problem.line
    assert "业务规则任务调用的决策“grade”不在上传的DMN文件中（已有：无）" in problem.message


def test_rows_of_a_unique_table_that_overlap_fail_the_step_naming_the_rows(steps, actors):
    """Spiff would take the first row and hide the overlap; the case fails, saying which rows, and keeps nothing."""
    dmn = (FIXTURES / "processes" / "grade.dmn").read_text(encoding="utf-8")
    overlapping = dmn.replace('<inputEntry id="fail_score"><text>&lt; pass_mark</text>',
                              '<inputEntry id="fail_score"><text>-</text>')
    files = model_files(SourceFile("graded.bpmn", (FIXTURES / "processes" / "graded.bpmn").read_bytes()),
                        SourceFile("grade.dmn", overlapping.encode()))
    steps.run(versions.deploy, files, steps.designer)
    case = steps.start(actors["village"], "graded", {"pass_mark": 60})

    steps.complete(actors["village"], case, "enter", {"score": 75, "divisor": 1})

    failed = steps.instance(case)
    assert failed.status == InstanceStatus.ERROR
    assert "决策表“grade_table”要求唯一命中，但第1、2行同时符合" in failed.error
    assert decisions(steps, case) == []


def test_a_column_no_row_reads_may_name_data_the_case_lacks_as_in_spiff(steps, actors):
    """Spiff evaluates a column only for a row that uses it; the kept value of one it cannot compute is None."""
    dmn = (FIXTURES / "processes" / "grade.dmn").read_text(encoding="utf-8")
    unread = dmn.replace("<text>pass_mark</text></inputExpression>", "<text>no_such_value</text></inputExpression>")
    files = model_files(SourceFile("graded.bpmn", (FIXTURES / "processes" / "graded.bpmn").read_bytes()),
                        SourceFile("grade.dmn", unread.encode()))
    steps.run(versions.deploy, files, steps.designer)
    case = steps.start(actors["village"], "graded", {"pass_mark": 60})

    steps.complete(actors["village"], case, "enter", {"score": 75, "divisor": 1})

    kept, _bonus = decisions(steps, case)
    assert kept["outputs"] == {"result.grade": "及格"}
    assert kept["inputs"][1] == {"name": "pass_mark", "label": "及格线", "value": None}


def test_a_question_mark_inside_quotes_is_text_not_the_input(steps):
    """As Spiff reads a row condition: ``!= "待定?"`` compares with the text; only a bare ``?`` stands for the input."""
    dmn = (FIXTURES / "processes" / "grade.dmn").read_text(encoding="utf-8")
    quoted = dmn.replace('<inputEntry id="pass_mark_any"><text>-</text>',
                         '<inputEntry id="pass_mark_any"><text>!= "待定?"</text>')
    files = model_files(SourceFile("graded.bpmn", (FIXTURES / "processes" / "graded.bpmn").read_bytes()),
                        SourceFile("grade.dmn", quoted.encode()))

    assert steps.run(versions.deploy, files, steps.designer).version.version == 1

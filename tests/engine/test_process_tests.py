"""Process tests (``{stem}.tests.json``): the file's shape, the in-memory runner, and the publish gate.

The runner drives real SpiffWorkflow through the real sandbox on a clock of the scenario's own; these tests run it
on small models written here, on the three-level approval fixture, and on every shipped model.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from sqlalchemy import func, select

from engine import scenario_runner, scenarios
from engine.clock import FrozenClock
from engine.core import Engine
from engine.deploy import SourceFile, compile_model
from engine.errors import DeployError
from engine.models import Base
from engine.sandbox import sandboxed_script_engine, take_output
from engine.step_budget import StepLimits
from engine.versions import check, deploy
from tests.conftest import FIXTURES, START, shipped_files

ROOT = Path(__file__).resolve().parents[2]
ROLES = {"village", "township", "county", "department", "league", "region", "designer", "admin"}
AT = "2026-03-02T09:00:00+08:00"
SHIPPED = ["identification", "risk_elimination", "assistance", "major_event", "annual_adjustment"]


def scenario(name: str = "通过", steps: list[dict[str, Any]] | None = None, **fields: Any) -> dict[str, Any]:
    return {"name": name, "start": fields.pop("start", {"at": AT}), "steps": steps or [], **fields}


def scenario_file(*each: dict[str, Any], name: str = "approval.tests.json") -> SourceFile:
    return SourceFile(name, json.dumps({"scenarios": list(each)}, ensure_ascii=False).encode())


def approval_model(*each: dict[str, Any]) -> Any:
    files = [SourceFile(name, (FIXTURES / folder / name).read_bytes())
             for folder, name in [("processes", "approval.bpmn"), ("forms", "visit.json"), ("forms", "review.json")]]
    return compile_model([*files, scenario_file(*each)], ROLES)


def bpmn(process_id: str, body: str, flows: list[tuple[str, str, str | None]]) -> SourceFile:
    """A model of ``body``'s elements joined by (source, target, condition) flows, without lanes."""
    joined = "".join(
        f'<bpmn:sequenceFlow id="{source}_{target}" sourceRef="{source}" targetRef="{target}">'
        + (f"<bpmn:conditionExpression>{condition}</bpmn:conditionExpression>" if condition else "")
        + "</bpmn:sequenceFlow>" for source, target, condition in flows)
    return SourceFile(f"{process_id}.bpmn", f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="http://x"
                  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core">
  <bpmn:process id="{process_id}" isExecutable="true">{body}{joined}</bpmn:process>
</bpmn:definitions>""".encode())


def script_model(process_id: str, script: str, *each: dict[str, Any]) -> Any:
    """start → a script task ``run`` → end ``done``."""
    body = (f'<bpmn:startEvent id="start"/><bpmn:scriptTask id="run"><bpmn:script>{script}</bpmn:script>'
            '</bpmn:scriptTask><bpmn:endEvent id="done"/>')
    files = [bpmn(process_id, body, [("start", "run", None), ("run", "done", None)]),
             scenario_file(*each, name=f"{process_id}.tests.json")]
    return compile_model(files, ROLES)


def plain_engine(**options: Any) -> Engine:
    return Engine(roles=ROLES, clock=FrozenClock(START), **options)


def only(results: list[scenarios.ScenarioResult]) -> scenarios.ScenarioResult:
    (result,) = results
    return result


VISIT = {"task": "visit", "data": {"eligible": True, "income": 4200}}
APPROVED = [VISIT, {"wait": "P6D"}, {"task": "review", "data": {"approved": True}},
            {"task": "approve", "data": {"approved": True, "reason": "符合条件"}}]


# --- the runner ---------------------------------------------------------------------------------------------------

def test_a_scenario_that_takes_the_expected_path_to_the_expected_end_passes():
    model = approval_model(scenario(steps=APPROVED, expect={"end": "end_approved", "path": ["visit", "approve"]}))
    result = only(scenarios.run(plain_engine(), model))
    assert result.passed and result.message == ""
    assert (result.file, result.name, result.end) == ("approval.tests.json", "通过", "end_approved")
    assert result.path == ["visit", "review", "approve"]
    assert scenarios.problems([result]) == []


def test_a_wrong_expected_end_is_a_problem_at_the_end_reached():
    model = approval_model(scenario(steps=APPROVED, expect={"end": "end_rejected_county"}))
    (problem,) = scenarios.problems(scenarios.run(plain_engine(), model))
    assert (problem.file, problem.element) == ("approval.tests.json", "end_approved")
    assert problem.message == "场景“通过”结束时: 应到达结束事件“end_rejected_county”, 实际到达“end_approved”"


def test_a_path_out_of_order_names_the_activity_missing_and_the_path_taken():
    model = approval_model(scenario(steps=APPROVED, expect={"path": ["review", "visit"]}))
    result = only(scenarios.run(plain_engine(), model))
    assert not result.passed and result.element == "visit"
    assert "应在“review”之后经过“visit”; 实际经过: visit → review → approve" in result.message


def test_a_task_that_is_not_ready_stops_the_scenario_at_its_step_naming_what_is():
    model = approval_model(scenario(steps=[VISIT, {"wait": "P6D"}, {"task": "approve", "data": {"approved": True}}]))
    result = only(scenarios.run(plain_engine(), model))
    assert (result.passed, result.step, result.element) == (False, 3, "review")
    assert result.message.startswith("场景“通过”第3步 (办理 approve（旗县审定）): 任务“approve”当前不可办理;"
                                     " 可办理的任务: review（乡镇审核）。")
    assert result.ready == [{"id": "review", "name": "乡镇审核"}]


def test_a_failure_names_its_line_in_the_tests_file_and_suggests_the_step_the_case_waits_for():
    """A newcomer reads where the step is and what to add: the task the case waits for, with its form's required
    fields filled with example values."""
    steps = [VISIT, {"wait": "P6D"}, {"task": "approve", "data": {"approved": True}}]
    text = json.dumps({"scenarios": [scenario("先到", [VISIT]), scenario(steps=steps)]}, ensure_ascii=False, indent=2)
    files = [SourceFile(name, (FIXTURES / folder / name).read_bytes())
             for folder, name in [("processes", "approval.bpmn"), ("forms", "visit.json"), ("forms", "review.json")]]
    model = compile_model([*files, SourceFile("approval.tests.json", text.encode())], ROLES)
    first, result = scenarios.run(plain_engine(), model)
    lines = text.splitlines()
    assert lines[result.line - 1].strip() == "{" and '"task": "approve"' in lines[result.line]
    assert result.suggestion == {
        "after_step": 2, "step": {"task": "review", "data": {"approved": True}},
        "message": '流程在此处等待任务“乡镇审核”（review），请在第 2 步后加一步'
                   ' {"task": "review", "data": {"approved": true}}'}
    assert result.message.endswith(result.suggestion["message"])
    assert result.path_names == ["入户核查"] and result.path == ["visit"]
    (problem,) = [p for p in scenarios.problems([first, result]) if p.element == "review"]
    assert problem.line == result.line


def test_a_scenario_that_stops_short_of_its_end_suggests_the_step_after_its_last():
    model = approval_model(scenario(steps=[VISIT, {"wait": "P6D"}], expect={"end": "end_approved"}))
    result = only(scenarios.run(plain_engine(), model))
    assert (result.step, result.element) == (None, "review")
    assert result.suggestion["after_step"] == 2 and result.suggestion["step"]["task"] == "review"
    assert "请在第 2 步后加一步" in result.message


def test_form_data_is_checked_by_the_tasks_form_and_names_the_fields():
    model = approval_model(scenario(steps=[{"task": "visit", "data": {"eligible": "yes", "extra": 1}}]))
    result = only(scenarios.run(plain_engine(), model))
    assert (result.step, result.element, result.path) == (1, "visit", [])
    assert "表单数据无效" in result.message
    for reason in ("eligible: 应为是或否", "income: 必填", "extra: 不允许的字段"):
        assert reason in result.message


def test_a_timer_fires_only_once_a_wait_passes_it():
    review = {"task": "review", "data": {"approved": True}}
    model = approval_model(scenario("太早", [VISIT, {"wait": "P4D"}, review]),
                           scenario("期满", [VISIT, {"wait": "P4D"}, {"wait": "P2D"}, review],
                                    expect={"path": ["visit", "review"]}))
    early, done = scenarios.run(plain_engine(), model)
    assert (early.passed, early.step, early.element) == (False, 3, "notice")
    assert "没有可办理的任务; 等待: 定时器 notice (至 2026-03-07 09:00)、消息“objection”" in early.message
    assert done.passed and done.end is None


def test_a_message_is_delivered_to_the_event_waiting_for_it_and_refused_when_none_waits():
    objection = {"message": "objection", "payload": {"by": "村民李某", "content": "收入不实"}}
    back = scenario("异议", [VISIT, {"wait": "P2D"}, objection, {"task": "visit", "data": {"eligible": False,
                                                                                            "income": 9000}}],
                    expect={"end": "end_ineligible", "path": ["visit", "visit"]})
    nobody = scenario("无人等待", [objection])
    sent_back, refused = scenarios.run(plain_engine(), approval_model(back, nobody))
    assert sent_back.passed and sent_back.path == ["visit", "visit"]
    assert (refused.passed, refused.step, refused.element) == (False, 1, "visit")
    assert "流程当前不在等待消息“objection”" in refused.message


def test_a_declared_domain_function_answers_and_one_that_raises_fails_the_step_at_its_task():
    called = []
    engine = plain_engine(functions={"lookup_household": lambda code: called.append(code)})
    model = script_model("lookup", 'household = lookup_household("H1")\nname = household["name"]',
                         scenario("答复", functions={"lookup_household": {"returns": {"name": "王某"}}},
                                  expect={"end": "done"}),
                         scenario("出错", functions={"lookup_household": {"raises": "户籍系统不可用"}}))
    answered, raised = scenarios.run(engine, model)
    assert answered.passed and answered.path == ["run"]
    assert (raised.passed, raised.step, raised.element, raised.end) == (False, 0, "run", None)
    assert raised.message.startswith("场景“出错”启动时: ") and "户籍系统不可用" in raised.message
    assert called == []  # the real function is never called


def test_the_calls_a_domain_function_got_are_compared_and_a_difference_shown_at_the_element_that_called():
    engine = plain_engine(functions={"record_rejection": lambda step, reason: None})
    reason_told = ["township_review", "家中新购轿车"]

    def expecting(name: str, *calls: list[str]) -> dict[str, Any]:
        return scenario(name, expect={"calls": {"record_rejection": list(calls)}})

    model = script_model("told", 'record_rejection("township_review", "家中新购轿车")',
                         expecting("告知原因", reason_told), expecting("原因不同", ["township_review", "收入超标"]),
                         expecting("少调用", reason_told, reason_told), expecting("多调用"))
    told, other_reason, missing, extra = scenarios.run(engine, model)
    assert told.passed
    assert (other_reason.element, other_reason.step) == ("run", None)
    assert other_reason.message == ("场景“原因不同”结束时: 函数“record_rejection”第1次调用的参数应为"
                                    ' ["township_review", "收入超标"], 实际为 ["township_review", "家中新购轿车"]')
    assert "应被调用 2 次, 实际 1 次; 缺少第2次调用" in missing.message
    assert extra.element == "run" and "多出第1次调用" in extra.message


def test_an_undeclared_domain_function_answers_none_and_an_engine_function_may_not_be_declared():
    engine = plain_engine(functions={"lookup_household": lambda code: {"name": "真实"}})
    model = script_model("lookup", 'missing = lookup_household("H1") is None\nday = str(today())',
                         scenario("未声明", expect={"end": "done"}),
                         scenario("声明引擎函数", functions={"today": {"returns": "2020-01-01"}}),
                         scenario("未知函数", functions={"nonexistent": {"returns": 1}}))
    undeclared, engine_function, unknown = scenarios.run(engine, model)
    assert undeclared.passed
    assert "函数“today”是引擎函数" in engine_function.message
    assert "函数“nonexistent”不是流程可调用的函数; 可声明: lookup_household" in unknown.message


def test_a_task_whose_department_expression_fails_fails_the_step_that_made_it_ready_as_in_production():
    body = ('<bpmn:startEvent id="start"/><bpmn:userTask id="carry_out" name="落实"><bpmn:extensionElements>'
            '<spiffworkflow:properties><spiffworkflow:property name="department" value="measure[&quot;dept&quot;]"/>'
            '</spiffworkflow:properties></bpmn:extensionElements></bpmn:userTask><bpmn:endEvent id="done"/>')
    result = only(scenarios.run(plain_engine(), compile_model([
        bpmn("routed", body, [("start", "carry_out", None), ("carry_out", "done", None)]),
        scenario_file(scenario(start={"at": AT, "data": {"measure": {"department": "health"}}}),
                      name="routed.tests.json")], ROLES)))
    assert (result.passed, result.step, result.element) == (False, 0, "carry_out")
    assert "任务“落实”的部门表达式 measure[\"dept\"] 无法求值" in result.message


def test_a_process_that_loops_forever_is_stopped_by_the_step_budget_at_its_element():
    model = loop_model('n = get("n", 0) + 1', scenario("循环"))
    result = only(scenarios.run(plain_engine(step_limits=StepLimits(max_tasks=40)), model))
    assert (result.passed, result.step) == (False, 0)
    assert result.element in {"count", "enough"}
    assert "自动执行的任务超过 40 个" in result.message


def loop_model(script: str, *each: dict[str, Any]) -> Any:
    """start → script task ``count`` (``script``) → back to ``count`` until n > 1,000,000 → end."""
    body = (f'<bpmn:startEvent id="start"/><bpmn:scriptTask id="count"><bpmn:script>{script}'
            '</bpmn:script></bpmn:scriptTask><bpmn:exclusiveGateway id="enough" default="enough_count"/>'
            '<bpmn:endEvent id="done"/>')
    flows = [("start", "count", None), ("count", "enough", None), ("enough", "done", "n &gt; 1000000"),
             ("enough", "count", None)]
    return compile_model([bpmn("looping", body, flows), scenario_file(*each, name="looping.tests.json")], ROLES)


def test_a_script_task_looping_to_itself_is_stopped_by_the_files_task_budget_and_the_rest_are_not_run():
    model = loop_model('n = get("n", 0) + 1', scenario("循环"), scenario("之后"))
    looped, after = scenarios.run(plain_engine(), model, limits=scenario_runner.RunLimits(max_tasks=60))
    assert (looped.passed, looped.step, looped.element) == (False, 0, "count")
    assert looped.message == "场景“循环”启动时: 流程测试共自动执行的任务超过 60 个, 流程可能在循环, 已停止"
    assert not after.passed and "未运行" in after.message


def test_the_files_time_is_read_on_a_wall_clock_for_the_whole_file_and_stops_the_step_that_passes_it():
    ticks = iter(range(0, 10**9, 3))  # wall seconds, as RunLimits' clock reads them
    limits = scenario_runner.RunLimits(max_seconds=20, clock=lambda: next(ticks))
    results = scenarios.run(plain_engine(), approval_model(*(scenario(f"场景{n}", APPROVED) for n in range(4))),
                            limits=limits)
    failed = [result for result in results if not result.passed]
    assert failed and failed[0].step and failed[0].message.endswith("流程测试总用时超过 20 秒 (含脚本运行时间), 已停止")
    assert all(result.message.endswith("未运行") for result in failed[1:])


def test_time_scripts_spend_in_the_sandbox_counts_against_the_files_budget():
    """Each script burns its CPU in a sandbox worker, not in this thread (the step limits' clock never sees it);
    the file's wall clock does. Without it this loop would run 300 scripts of real work and pass."""
    burn = 'n = get("n", 0) + 1\nx = 0\nfor i in range(200000):\n    x = x + i\nn = n if n &lt; 300 else 2000000'
    limits = scenario_runner.RunLimits(max_seconds=1.0)
    burned, after = scenarios.run(plain_engine(), loop_model(burn, scenario("耗时", expect={"end": "done"}),
                                                              scenario("之后")), limits=limits)
    assert (burned.passed, burned.step) == (False, 0) and burned.element in {"count", "enough"}  # where time ran out
    assert "流程测试总用时超过 1 秒 (含脚本运行时间), 已停止" in burned.message
    assert not after.passed and "未运行" in after.message


def test_a_sandbox_escape_in_a_script_is_refused_inside_a_scenario_as_in_production(tmp_path):
    target = tmp_path / "escaped.txt"
    attempts = [f"open({str(target)!r}, 'w').write('x')", "leak = '{0.__class__.__base__}'.format(1)"]
    for number, script in enumerate(attempts):
        result = only(scenarios.run(plain_engine(), script_model(f"escape{number}", script,
                                                                 scenario(expect={"end": "done"}))))
        assert (result.passed, result.step, result.element) == (False, 0, "run")
        assert result.message.startswith("场景“通过”启动时: 脚本或表达式出错: ")
        assert "Exception" not in result.message and "ScriptError" not in result.message
    assert not target.exists()


def test_a_scripts_python_error_is_told_in_chinese():
    failing = {"x = undefined_thing + 1": "名称“undefined_thing”未定义", "x = 1/0": "除数为零 (division by zero)",
               "x = {}['a']": "数据中没有此项 ('a')"}
    for number, (script, told) in enumerate(failing.items()):
        result = only(scenarios.run(plain_engine(), script_model(f"failing{number}", script, scenario())))
        assert result.message == f"场景“通过”启动时: 脚本或表达式出错: {told}"


def test_what_scenario_scripts_print_stays_out_of_the_callers_step_log():
    sandboxed_script_engine().environment.execute("print('调用方的输出')", {}, {})
    model = script_model("printing", "print('场景的输出')", scenario(expect={"end": "done"}))
    assert only(scenarios.run(plain_engine(), model)).passed
    assert take_output() == "调用方的输出\n"


def test_follow_ups_are_recorded_not_started_and_compared_with_the_expected_keys():
    model = script_model("parent", 'start_process("assistance", {"from": "scenario"})',
                         scenario("发起", expect={"follow_ups": ["assistance"]}),
                         scenario("未预期", expect={"follow_ups": []}))
    started, unexpected = scenarios.run(plain_engine(), model)
    assert started.passed and started.follow_ups == ["assistance"]
    assert unexpected.element is None
    assert unexpected.message == "场景“未预期”结束时: 应发起后续流程 [], 实际发起 [assistance]"


def test_the_engines_clock_does_not_move():
    engine = plain_engine()
    assert only(scenarios.run(engine, approval_model(scenario(steps=APPROVED)))).passed
    assert engine.now() == START


def test_a_form_date_not_after_today_is_held_to_the_scenarios_day_not_the_servers():
    """The engine's clock says 2026-03-02; the scenario lives in 2027, so a 2027 visit date is no future date."""
    form = {"type": "object", "properties": {"visited_on": {"type": "string", "format": "date",
                                                             "x-not-after-today": True}}}
    body = ('<bpmn:startEvent id="start"/><bpmn:userTask id="visit" name="走访"><bpmn:extensionElements>'
            '<spiffworkflow:properties><spiffworkflow:property name="formJsonSchemaFilename" value="dated.json"/>'
            '</spiffworkflow:properties></bpmn:extensionElements></bpmn:userTask><bpmn:endEvent id="done"/>')
    source = bpmn("dated", body, [("start", "visit", None), ("visit", "done", None)])
    steps = [{"task": "visit", "data": {"visited_on": "2027-06-01"}}]
    model = compile_model([source, SourceFile("dated.json", json.dumps(form).encode()), scenario_file(
        scenario("当天", steps, start={"at": "2027-06-01T09:00:00+08:00"}, expect={"end": "done"}),
        scenario("前一天", steps, start={"at": "2027-05-31T09:00:00+08:00"}), name="dated.tests.json")], ROLES)
    same_day, day_before = scenarios.run(plain_engine(), model)
    assert same_day.passed
    assert "visited_on: 不能晚于今天（2027年5月31日）" in day_before.message


@pytest.mark.parametrize("stem", SHIPPED)
def test_every_shipped_models_scenarios_pass_on_its_bpmn(stem):
    from monitoring.process_functions import FUNCTIONS
    from web.app import FORMATS

    model = compile_model(shipped_files(stem), ROLES)
    assert model.scenario_file == f"{stem}.tests.json"
    results = scenarios.run(plain_engine(functions=FUNCTIONS, formats=FORMATS), model)
    assert results and [r.message for r in results if not r.passed] == []


# --- nothing stored, and the gate ---------------------------------------------------------------------------------

def row_counts(session) -> dict[str, int]:
    return {table.name: session.execute(select(func.count()).select_from(table)).scalar()
            for table in Base.metadata.sorted_tables}


def test_running_the_shipped_scenarios_writes_nothing_to_the_database(engine, session, tree):
    model = compile_model(shipped_files("identification"), ROLES)
    before = row_counts(session)
    assert all(result.passed for result in scenarios.run(engine, model))
    session.flush()
    assert row_counts(session) == before
    assert engine.now() == START


def test_publishing_is_refused_while_a_scenario_fails_and_nothing_is_stored(engine, session, actors):
    files = [SourceFile(name, (FIXTURES / folder / name).read_bytes())
             for folder, name in [("processes", "approval.bpmn"), ("forms", "visit.json"), ("forms", "review.json")]]
    failing = scenario_file(scenario(steps=APPROVED, expect={"end": "end_rejected_county"}))
    before = row_counts(session)
    with pytest.raises(DeployError) as refused:
        deploy(engine, session, [*files, failing], actors["designer"])
    (problem,) = refused.value.problems
    assert (problem.file, problem.element) == ("approval.tests.json", "end_approved")
    assert problem.message.startswith("场景“通过”结束时")
    assert row_counts(session) == before

    passing = scenario_file(scenario(steps=APPROVED, expect={"end": "end_approved"}))
    deployment = deploy(engine, session, [*files, passing], actors["designer"])
    assert deployment.created and "没有流程测试" not in deployment.warnings
    assert deployment.version.files["approval.tests.json"] == passing.content.decode()


def test_deploying_content_already_stored_runs_no_process_tests_again(session, actors):
    """``fangpin db upgrade`` deploys the shipped models on every start: their tests ran when they were stored. The
    second engine lacks the function the scenario declares, so its tests would fail there — and are not run."""
    files = [SourceFile(name, (FIXTURES / folder / name).read_bytes())
             for folder, name in [("processes", "approval.bpmn"), ("forms", "visit.json"), ("forms", "review.json")]]
    files.append(scenario_file(scenario(steps=[VISIT], functions={"lookup_household": {"returns": None}})))
    first = deploy(plain_engine(functions={"lookup_household": lambda code: None}), session, files, actors["designer"])
    without = plain_engine()
    assert "不是流程可调用的函数" in check(without, session, files)[0].message

    again = deploy(without, session, files, actors["designer"])

    assert first.created and not again.created and again.version.id == first.version.id


def test_a_model_without_scenarios_is_published_with_a_warning(engine, session, actors):
    files = [SourceFile(name, (FIXTURES / folder / name).read_bytes())
             for folder, name in [("processes", "approval.bpmn"), ("forms", "visit.json"), ("forms", "review.json")]]
    deployment = deploy(engine, session, files, actors["designer"])
    assert deployment.created and "没有流程测试" in deployment.warnings


# --- the file's shape ---------------------------------------------------------------------------------------------

def shape_problems(document: Any) -> list[str]:
    with pytest.raises(DeployError) as refused:
        scenarios.parse(json.dumps(document, ensure_ascii=False))
    return [problem.message for problem in refused.value.problems]


def test_a_file_that_is_not_json_says_where():
    with pytest.raises(DeployError) as refused:
        scenarios.parse('{"scenarios": [\n  {"name": }]}')
    (problem,) = refused.value.problems
    assert problem.line == 2 and problem.message.startswith("不是有效的JSON")


def test_a_file_nested_too_deep_anywhere_is_a_problem_not_a_recursion_error():
    hole = "[" * 100_000 + "]" * 100_000
    for deep in ({"scenarios": "HOLE"}, {"scenarios": [scenario(functions={"f": {"returns": "HOLE"}})]},
                 {"scenarios": [scenario(start={"at": AT, "data": {"x": "HOLE"}})]}):
        with pytest.raises(DeployError) as refused:
            scenarios.parse(json.dumps(deep).replace('"HOLE"', hole))
        (problem,) = refused.value.problems
        assert problem.message == "不是有效的JSON: 嵌套层数过多（最多 40 层）"


def test_each_shape_problem_names_its_scenario_and_field():
    problems = shape_problems({"scenarios": [
        {"name": "甲", "start": {"at": "2026-03-02T09:00:00"}, "colour": 1, "functions": {"f": {"returns": 1,
                                                                                               "raises": "x"}},
         "steps": [{"task": "visit", "wait": "P1D"}, {"wait": "P3X"}, {"wait": "P0D"}, {"message": ""},
                   {"task": "visit", "data": []}, {"task": "visit", "by": "cun"}],
         "expect": {"end": "", "path": "visit", "colour": 2, "calls": {"f": ["x"]}}},
        {"start": {"at": AT}, "steps": []},
        {"name": "甲", "start": {"at": AT}, "steps": []},
    ], "version": 2})
    assert problems == [
        "未知字段“version”",
        "场景“甲”: 未知字段“colour”",
        "场景“甲”: start.at: 必填, 应为带时区的ISO 8601时间, 例如 2026-03-02T09:00:00+08:00",
        "场景“甲”: functions.f: 应为 {\"returns\": 值} 或 {\"raises\": \"错误信息\"} 之一",
        "场景“甲”: steps[1]: 应为 task (办理任务)、wait (等待时长) 或 message (收到消息) 之一",
        "场景“甲”: steps[2].wait: 应为ISO 8601时长, 例如 P6D、PT2H、P1DT12H",
        "场景“甲”: steps[3].wait: 时长应大于零且不超过 3660 天",
        "场景“甲”: steps[4].message: 应为消息名称",
        "场景“甲”: steps[5].data: 应为对象",
        "场景“甲”: steps[6]: 未知字段“by”",
        "场景“甲”: expect: 未知字段“colour”",
        "场景“甲”: expect.end: 应为结束事件的ID",
        "场景“甲”: expect.path: 应为ID (字符串) 的列表",
        "场景“甲”: expect.calls: 应为对象 {函数名: [[第1次调用的参数…], [第2次调用的参数…]]}",
        "第2个场景: name: 必填, 应为场景名称",
        "场景“甲”: name: 与前面的场景重名",
    ]


def test_the_file_is_bounded_in_scenarios_and_steps():
    many = [scenario(f"场景{n}") for n in range(scenarios.MAX_SCENARIOS + 1)]
    assert f"场景最多 {scenarios.MAX_SCENARIOS} 个, 实际 {len(many)} 个" in shape_problems({"scenarios": many})
    long = scenario("长", [{"wait": "PT1M"}] * (scenarios.MAX_STEPS + 1))
    assert shape_problems({"scenarios": [long]}) == [
        f"场景“长”: steps: 最多 {scenarios.MAX_STEPS} 步, 实际 {scenarios.MAX_STEPS + 1} 步"]


def test_a_wait_of_a_huge_count_is_refused_from_its_text_without_counting_it(monkeypatch):
    """Spiff adds years one at a time: "P999999999Y" would keep the thread busy for days before the bound."""
    asked = []
    real = TimerEventDefinition.get_timedelta_from_start
    monkeypatch.setattr(TimerEventDefinition, "get_timedelta_from_start",
                        staticmethod(lambda parsed, since: asked.append(parsed) or real(parsed, since)))
    steps = [{"wait": "P999999999Y"}, {"wait": "P3660DT999999999S"}, {"wait": "P9999999999D"}, {"wait": "P3660D"}]
    assert shape_problems({"scenarios": [scenario("久", steps)]}) == [
        "场景“久”: steps[1].wait: 时长应大于零且不超过 3660 天",
        "场景“久”: steps[2].wait: 时长应大于零且不超过 3660 天",
        "场景“久”: steps[3].wait: 应为ISO 8601时长, 例如 P6D、PT2H、P1DT12H"]
    assert len(asked) == 1  # only the wait within the bound was counted by Spiff


def test_a_scenario_clock_starting_where_its_waits_could_pass_year_9999_is_refused():
    late = scenario("晚", [{"wait": "P3000D"}], start={"at": "9999-12-01T00:00:00+00:00"})
    assert shape_problems({"scenarios": [late]}) == ["场景“晚”: start.at: 年份应在 1970 到 2200 之间"]
    latest = scenario("最晚", [{"wait": "P3660D"}] * scenarios.MAX_STEPS, start={"at": "2200-12-31T00:00:00+00:00"})
    assert scenarios.parse(json.dumps({"scenarios": [latest]}))


def test_a_well_formed_file_parses_to_its_scenarios():
    document = {"scenarios": [scenario(steps=APPROVED, functions={"f": {"raises": "不可用"}},
                                       expect={"end": "end_approved", "path": [], "follow_ups": []})]}
    assert scenarios.parse(json.dumps(document)) == document["scenarios"]
    assert datetime.fromisoformat(AT) == scenarios.start_time(AT)

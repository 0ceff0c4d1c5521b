"""Deploy's problems speak Chinese where Python or Spiff would speak English: a syntax error names line and column,
a process too long for Spiff's recursive walk says so, a lane names the role keys it may take."""

from __future__ import annotations

import pytest

from engine.deploy import TOO_DEEP, SourceFile, compile_model
from engine.errors import DeployError, ScriptError
from engine.sandbox import compile_expression, compile_script
from monitoring.models import Role
from tests.engine.test_deploy import FILE, files, refuse, replaced

ROLES = [r.value for r in Role]


def chain(length: int) -> str:
    """start → ``length`` script tasks in a row → end."""
    tasks = "".join(f'<bpmn:scriptTask id="t{i}" name="任务{i}"><bpmn:script>x = {i}</bpmn:script></bpmn:scriptTask>'
                    f'<bpmn:sequenceFlow id="f{i}" sourceRef="{"t" + str(i - 1) if i else "start"}" targetRef="t{i}"/>'
                    for i in range(length))
    return ('<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="x">'
            '<bpmn:process id="big" name="长流程" isExecutable="true"><bpmn:startEvent id="start"/>'
            f'{tasks}<bpmn:endEvent id="end"/><bpmn:sequenceFlow id="f_end" sourceRef="t{length - 1}" targetRef="end"/>'
            '</bpmn:process></bpmn:definitions>')


def test_a_process_too_long_for_spiff_is_one_chinese_problem_not_a_recursion_error():
    assert compile_model([SourceFile("big.bpmn", chain(50).encode())], ROLES).key == "big"
    with pytest.raises(DeployError) as refused:
        compile_model([SourceFile("big.bpmn", chain(700).encode())], ROLES)
    [problem] = refused.value.problems
    assert (problem.file, problem.message) == ("big.bpmn", TOO_DEEP)
    assert "RecursionError" not in str(refused.value)


@pytest.mark.parametrize(("compile_", "source", "message"), [
    (compile_expression, "eligible == = True", "第 1 行第 13 列语法错误：语法无效（eligible == = True）"),
    (compile_expression, 'visit["approved"] ===', '第 1 行第 21 列语法错误：语法无效（visit["approved"] ===）'),
    (compile_script, "x = 1\nif x\n    y = 2", "第 2 行第 5 列语法错误：缺少冒号“:”（if x）"),
    (compile_script, "total = (income", "第 1 行第 9 列语法错误：括号没有闭合（total = (income）"),
    (compile_expression, "-" * 100_000 + "1", "表达式嵌套过深"),
])
def test_a_syntax_error_is_told_in_chinese_with_line_and_column(compile_, source, message):
    with pytest.raises(ScriptError) as refused:
        compile_(source)
    assert str(refused.value) == message


def test_deploy_shows_the_syntax_error_at_the_flow_and_the_lane_rule_by_role_keys(engine, session):
    text = replaced("eligible == True", "eligible == = True")
    text = replaced('name="township"', 'name="乡镇"', text)
    problems = {(p.element, p.message) for p in refuse(engine, session, files(text)) if p.file == FILE}
    assert problems == {
        ("lane_township", f"泳道“乡镇”不是角色标识: 泳道名称应为角色标识之一: {', '.join(sorted(ROLES))}"),
        ("f_eligible", "表达式/脚本无法编译: 第 1 行第 13 列语法错误：语法无效（eligible == = True）"),
    }

"""The script sandbox: what process designers' code may and may not do (no database involved).

Time and memory bounds, and hostile scripts, are in test_sandbox_bounds.py.
"""

from __future__ import annotations

import textwrap
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from engine.calendar import WorkingCalendar
from engine.clock import FrozenClock, using_clock
from engine.errors import EngineError, ScriptError
from engine.sandbox import (
    SandboxEnvironment,
    ScriptTimeout,
    compile_expression,
    compile_script,
    sandboxed_script_engine,
)
from engine.scripting import ENGINE_FUNCTIONS, calendar_source

BUDGET = 0.2  # CPU seconds granted to scripts in these tests


def twice(value):
    return 2 * value


@pytest.fixture
def env() -> SandboxEnvironment:
    return SandboxEnvironment({"twice": twice}, cpu_seconds=BUDGET)


# ---------------------------------------------------------------------------------------------
# What works


def test_a_script_reads_task_data_and_writes_its_variables_back(env):
    data = {"income": 4200, "members": 3}
    assert env.execute("per_head = income / members\nlow = per_head < 1500", data, {}) is True
    assert data == {"income": 4200, "members": 3, "per_head": 1400.0, "low": True}


def test_a_script_may_change_and_delete_task_data(env):
    data = {"income": 4200, "note": "draft", "items": [1]}
    env.execute("income = income + 100\ndel note\nitems.append(2)", data, {})
    assert data == {"income": 4300, "items": [1, 2]}


def test_an_expression_reads_task_data_and_changes_nothing(env):
    data = {"approved": True, "income": 4200}
    assert env.evaluate("approved == True and income < 5000", data) is True
    assert env.evaluate("approved == True and income < 5000", data, None) is True
    assert data == {"approved": True, "income": 4200}


def test_external_context_is_visible_but_never_stored_as_task_data(env):
    data = {"income": 100}
    assert env.evaluate("income + bonus", data, {"bonus": 5}) == 105
    env.execute("total = income + bonus", data, {"bonus": 5})
    assert data == {"income": 100, "total": 105}


def test_functions_and_lambdas_defined_by_a_script_are_not_stored_as_task_data(env):
    data = {"values": [3, 1, 2]}
    env.execute("def double(v):\n    return v + v\nkey = lambda v: -v\nresult = sorted(map(double, values), key=key)",
                data, {})
    assert data == {"values": [3, 1, 2], "result": [6, 4, 2]}


def test_whitelisted_builtins_are_callable(env):
    script = textwrap.dedent("""
        values = [3, 1, 2]
        summary = [len(values), sum(values), min(values), max(values), sorted(values), list(reversed(values))]
        rounded = [round(2.675, 2), abs(-3), divmod(7, 2), ceil(1.2), floor(1.8)]
        converted = [int("7"), float("1.5"), str(5), bool(0), tuple([1]), set([1, 1]), dict(a=1)]
        pairs = list(zip(values, range(3))) + list(enumerate(values))
        checks = [all(values), any([]), isinstance(1, int), list(filter(None, [0, 1]))]
        money = Decimal("0.1") + Decimal("0.2")
        due = date(2026, 3, 2) + timedelta(days=5)
        stamp = datetime(2026, 3, 2, 9, 0)
        try:
            int("x")
        except ValueError:
            caught = True
    """)
    data = {}
    env.execute(script, data, {})
    assert data["summary"] == [3, 6, 1, 3, [1, 2, 3], [2, 1, 3]]
    assert data["rounded"] == [2.67, 3, (3, 1), 2, 1]
    assert data["converted"] == [7, 1.5, "5", False, (1,), {1}, {"a": 1}]
    assert data["pairs"] == [(3, 0), (1, 1), (2, 2), (0, 3), (1, 1), (2, 2)]
    assert data["checks"] == [True, False, True, [1]]
    assert data["money"] == Decimal("0.3")
    assert data["due"] == date(2026, 3, 7)
    assert data["stamp"] == datetime(2026, 3, 2, 9, 0)
    assert data["caught"] is True


def test_registered_functions_are_callable_from_scripts_and_expressions(env):
    data = {"n": 21}
    assert env.evaluate("twice(n)", data) == 42
    env.execute("m = twice(n)", data, {})
    assert data == {"n": 21, "m": 42}


def test_ordinary_arithmetic_compiles_and_runs(env):
    data = {"income": 1000, "members": 4}
    env.execute("total = income * members\nsquare = members ** 2\nline = 'ab' * 3\nx = 2\nx *= 3\nx **= 2",
                data, {})
    assert data == {"income": 1000, "members": 4, "total": 4000, "square": 16, "line": "ababab", "x": 36}
    assert env.evaluate("income * members > 3000 and members ** 2 == 16", data) is True


def test_task_data_cannot_shadow_a_registered_function(env):
    data = {"twice": "a form field that happens to be called twice", "n": 2}
    assert env.evaluate("twice(n)", data) == 4
    env.execute("m = twice(n)", data, {})
    assert data["m"] == 4


def test_task_data_named_like_a_registered_function_survives_a_script(env):
    data = {"twice": "a form field that happens to be called twice", "n": 2}
    env.execute("m = n + 1", data, {})
    assert data == {"twice": "a form field that happens to be called twice", "n": 2, "m": 3}


def test_task_data_cannot_shadow_a_whitelisted_builtin(env):
    data = {"len": 0, "date": "2026-03-02", "items": [1, 2]}
    assert env.evaluate("len(items)", data) == 2
    assert env.evaluate("date(2026, 3, 2).isoformat() == '2026-03-02'", data) is True
    env.execute("count = len(items)", data, {})
    assert data["count"] == 2


def test_a_failing_script_leaves_task_data_untouched(env):
    data = {"approved": False}
    with pytest.raises((ScriptError, ZeroDivisionError), match="division by zero"):
        env.execute("approved = True\nratio = 1 / 0", data, {})
    assert data == {"approved": False}


def test_engine_functions_compute_deadlines_from_the_engine_clock_and_calendar():
    env = SandboxEnvironment(ENGINE_FUNCTIONS, cpu_seconds=BUDGET)
    # 20:00 UTC on Friday 13 February 2026 is already Saturday 14 February in China: a make-up workday
    clock = FrozenClock(datetime(2026, 2, 13, 20, 0, tzinfo=UTC))
    with using_clock(clock), calendar_source(WorkingCalendar):
        assert env.evaluate("today()", {}) == date(2026, 2, 14)
        assert env.evaluate("now()", {}) == clock.now()
        assert env.evaluate("add_working_days(today(), 1)", {}) == date(2026, 2, 24)
        assert env.evaluate("working_deadline(today(), 1)", {}) == "2026-02-25T00:00:00+08:00"


# ---------------------------------------------------------------------------------------------
# Escapes that are refused


@pytest.mark.parametrize("source", [
    "import os",
    "import os.path as p",
    "from os import system",
    "from subprocess import run",
])
def test_imports_are_refused_when_the_script_is_compiled(source):
    with pytest.raises(ScriptError, match="import"):
        compile_script(source)


@pytest.mark.parametrize("source", ["import os\nos.system('true')", "from os import path"])
def test_imports_are_refused_when_the_script_runs(env, source):
    data = {}
    with pytest.raises(ScriptError, match="import"):
        env.execute(source, data, {})
    assert data == {}


@pytest.mark.parametrize("source", [
    "__import__('os')",
    "__builtins__",
    "().__class__.__base__.__subclasses__()",
    "[].__class__.__mro__",
    "(lambda: 0).__code__",
    "f'{items.__class__}'",
    "'a'.__len__()",
    "_getattr_",
    "eval('1')",
    "exec('1')",
    "breakpoint()",
])
def test_dunder_names_and_dynamic_code_are_refused_at_compile_time(source):
    with pytest.raises(ScriptError):
        compile_expression(source)
    with pytest.raises(ScriptError):
        compile_script(f"x = {source}")


def test_generator_frames_are_out_of_reach():
    with pytest.raises(ScriptError, match="gi_frame"):
        compile_script("def g():\n    yield 1\nframe = g().gi_frame")


@pytest.mark.parametrize(("source", "name"), [
    ("getattr(items, '__class__')", "getattr"),
    ("setattr(items, 'x', 1)", "setattr"),
    ("type(1)", "type"),
    ("vars()", "vars"),
    ("globals()", "globals"),
    ("locals()", "locals"),
    ("dir()", "dir"),
    ("compile('1', '', 'eval')", "compile"),
    ("open('/etc/passwd').read()", "open"),
])
def test_builtins_outside_the_whitelist_do_not_exist(env, source, name):
    with pytest.raises((ScriptError, NameError), match=name):
        env.evaluate(source, {"items": [1]})


def test_a_script_cannot_create_or_read_files(env, tmp_path):
    target = tmp_path / "escaped.txt"
    attempts = [
        f"open({str(target)!r}, 'w').write('x')",
        f"f = open({str(target)!r}, 'x')",
        f"import pathlib\npathlib.Path({str(target)!r}).write_text('x')",
        f"__import__('pathlib').Path({str(target)!r}).touch()",
        f"import os\nos.system('touch {target}')",
    ]
    for script in attempts:
        with pytest.raises((ScriptError, NameError)):
            env.execute(script, {}, {})
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("source", [
    "'{0.__class__}'.format(1)",
    "'{0.__class__.__base__}'.format(items)",
    "str.format('{0.__class__}', 1)",
    "'{x.__class__}'.format_map({'x': 1})",
])
def test_str_format_cannot_reach_attributes(env, source):
    with pytest.raises(ScriptError, match="invalid attribute name"):
        env.evaluate(source, {"items": [1]})


def test_str_format_fills_fields_items_and_widths(env):
    data = {"household": {"name": "张三", "members": 3}}
    assert env.evaluate("'{}户 {} 人'.format(household['name'], household['members'])", data) == "张三户 3 人"
    assert env.evaluate("'{h[name]}: {h[members]:>3}'.format(h=household)", data) == "张三:   3"
    assert env.evaluate("'{name}'.format_map(household)", data) == "张三"
    assert env.evaluate("str.format('{:0{}}', 7, 3)", data) == "007"


@pytest.mark.parametrize("script", [
    "d = date(2026, 1, 1)\nd.year = 2027",
    "def f():\n    return 1\nf.secret = 1",
])
def test_attributes_of_objects_cannot_be_assigned(env, script):
    with pytest.raises((ScriptError, TypeError), match="attribute-less object"):
        env.execute(script, {}, {})


def test_classes_cannot_be_defined(env):
    with pytest.raises((ScriptError, NameError), match="__build_class__"):
        env.execute("class A:\n    pass", {}, {})


def test_deep_recursion_is_a_script_error(env):
    with pytest.raises(ScriptError, match="recursed"):
        env.execute("def f(n):\n    return f(n + 1)\nf(0)", {}, {})


def test_script_errors_are_engine_errors():
    assert issubclass(ScriptTimeout, ScriptError)
    assert issubclass(ScriptError, EngineError)
    assert ScriptError.code == "script_error"


# ---------------------------------------------------------------------------------------------
# Through SpiffWorkflow

_SCRIPT_PROCESS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="defs" targetNamespace="urn:test">
  <bpmn:process id="scripted" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="compute">
      <bpmn:incoming>f1</bpmn:incoming>
      <bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:script>{script}</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="compute" />
    <bpmn:sequenceFlow id="f2" sourceRef="compute" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""


def run_script_task(script: str) -> BpmnWorkflow:
    parser = SpiffBpmnParser()
    parser.add_bpmn_str(_SCRIPT_PROCESS.format(script=script).encode("utf-8"))
    workflow = BpmnWorkflow(parser.get_spec("scripted"), script_engine=sandboxed_script_engine({"twice": twice}))
    workflow.do_engine_steps()
    return workflow


def test_spiff_script_tasks_run_in_the_sandbox():
    workflow = run_script_task("members = [1, 2, 3]\ntotal = twice(len(members))")
    assert workflow.is_completed()
    assert workflow.data == {"members": [1, 2, 3], "total": 6}


@pytest.mark.parametrize(("script", "words"), [
    ("missing = {}\nvalue = missing[1]", "KeyError"),
    ("value = [1][5]", "IndexError"),
    ("value = undefined_name", "undefined_name"),
    ("value = 1 / 0", "division by zero"),
])
def test_a_script_task_that_fails_at_run_time_is_a_workflow_error(script, words):
    with pytest.raises(SpiffWorkflowException, match=words):
        run_script_task(script)


def test_spiff_script_tasks_cannot_import(tmp_path):
    target = tmp_path / "escaped.txt"
    with pytest.raises(SpiffWorkflowException, match="import is not allowed"):
        run_script_task(f"import pathlib\npathlib.Path('{target}').touch()")
    assert not target.exists()

"""What a script leaves in task data is checked as it ends, so no later save of the instance can fail.

Spiff writes task data as JSON at every save: a value it cannot write, 20,000 nested lists, or one
long string referenced a million times would fail that save, and every later one. Such values are
a ScriptError naming the variable (the engine records it as the instance's error).
"""

from __future__ import annotations

import threading
from uuid import UUID

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from engine.calendar import CHINA_TZ
from engine.errors import ScriptError
from engine.sandbox import SandboxEnvironment
from engine.sandbox_data import MAX_DEPTH, MAX_SIZE, DataCheck
from engine.serialization import RESERVED_KEY, dump_state, load_state

BUDGET = 2.0  # CPU seconds: some of these build a million values on purpose


def identity(value):
    return value


@pytest.fixture
def env() -> SandboxEnvironment:
    return SandboxEnvironment({"keep": identity}, cpu_seconds=BUDGET)


def test_twenty_thousand_nested_lists_are_a_script_error_naming_the_variable(env):
    data = {"before": 1}
    with pytest.raises(ScriptError, match=f"variable 'x': nested deeper than {MAX_DEPTH} levels"):
        env.execute("x = []\nfor i in range(20000):\n    x = [x]", data, {})
    assert data == {"before": 1}


def test_nesting_up_to_the_limit_is_kept(env):
    data = {}
    env.execute(f"x = 0\nfor i in range({MAX_DEPTH}):\n    x = [x]", data, {})
    depth, value = 0, data["x"]
    while isinstance(value, list):
        depth, value = depth + 1, value[0]
    assert depth == MAX_DEPTH


def test_a_structure_referring_to_itself_is_refused(env):
    with pytest.raises(ScriptError, match="variable 'loop': nested deeper"):
        env.execute("loop = []\nloop.append(loop)", {}, {})


def test_shared_references_count_as_often_as_json_writes_them(env):
    with pytest.raises(ScriptError, match="variable 'copies': too large for task data"):
        env.execute("copies = ['a' * 1000] * 2000", {}, {})


def test_the_size_limit_holds_for_all_variables_together(env):
    script = "first = 'a' * 600000\nsecond = 'b' * 600000"
    with pytest.raises(ScriptError, match="too large"):
        env.execute(script, {}, {})


@pytest.mark.parametrize(("script", "words"), [
    ("pairs = zip([1], [2])", "variable 'pairs': holds a zip"),
    ("numbers = (n for n in range(3))", "variable 'numbers': holds a generator"),
    ("span = range(3)", "variable 'span': holds a range"),
    ("raw = 'x'.encode()", "variable 'raw': holds a bytes"),
    ("nested = {'handler': len}", "variable 'nested': holds a builtin_function_or_method"),
    ("moment = datetime(2026, 1, 1).time()", "variable 'moment': holds a time"),
    ("table = {(1, 2): 3}", "variable 'table': has a key of type tuple"),
    (f"form = {{'answer': {{'{RESERVED_KEY}': 1}}}}", f"variable 'form': uses the reserved key '{RESERVED_KEY}'"),
])
def test_values_task_data_cannot_store_are_refused_by_name(env, script, words):
    with pytest.raises(ScriptError, match=words):
        env.execute(script, {}, {})


def test_an_expression_value_is_held_to_the_same_rules(env):
    with pytest.raises(ScriptError, match="the expression's value: nested deeper"):
        env.evaluate("[" * 40 + "1" + "]" * 40, {})
    with pytest.raises(ScriptError, match="the expression's value: holds a map"):
        env.evaluate("map(abs, [1])", {})


def test_arguments_passed_to_engine_functions_are_held_to_the_same_rules(env):
    with pytest.raises(ScriptError, match=r"the arguments of keep\(\): too large for task data"):
        env.execute("value = keep(['a' * 10**6] * 10**6)", {}, {})
    with pytest.raises(ScriptError, match=r"the arguments of keep\(\): holds a generator"):
        env.execute("value = keep(n for n in range(3))", {}, {})


def test_every_kind_of_value_allowed_round_trips_through_the_instance_serializer(env):
    """The types the check lets through are ones engine/serialization.py stores and restores as they were."""
    parser = SpiffBpmnParser()
    parser.add_bpmn_str(_EMPTY_PROCESS.encode())
    spec = parser.get_spec("empty")
    workflow = BpmnWorkflow(spec)
    given = {"id": UUID("12345678-1234-5678-1234-567812345678"), "zone": CHINA_TZ}
    env.execute("values = [None, True, 3, 2.5, 'text', Decimal('1.10'), date(2026, 3, 2),\n"
                "          datetime(2026, 3, 2, 9, 0), datetime(2026, 3, 2, 9, 0, tzinfo=given['zone']),\n"
                "          timedelta(days=2), [1], {'k': 1}, given['id']]\n"
                "changed_by_json = [(1, 2), {3}, {4: 'int key'}]", workflow.data, {"given": given})
    restored = load_state(dump_state(workflow), spec, {}, None)
    assert restored.data["values"] == workflow.data["values"]
    assert [type(v) for v in restored.data["values"]] == [type(v) for v in workflow.data["values"]]
    assert restored.data["changed_by_json"] == [[1, 2], [3], {"4": "int key"}]


_EMPTY_PROCESS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="defs" targetNamespace="urn:test">
  <bpmn:process id="empty" isExecutable="true">
    <bpmn:startEvent id="start" />
  </bpmn:process>
</bpmn:definitions>
"""


def test_the_check_counts_values_and_characters_as_json_would():
    check = DataCheck(max_size=20)
    check.check("a", ["abc", "abc"])  # the list, two strings of three characters and their two values
    assert check.remaining == 20 - 9
    with pytest.raises(ScriptError, match="b: too large for task data"):
        check.check("b", "x" * 11)
    assert MAX_SIZE >= 1_000_000


def nested(levels: int) -> list:
    value: list = []
    for _ in range(levels):
        value = [value]
    return value


@pytest.mark.parametrize("value", [threading.Lock(), nested(5000)], ids=["a lock", "5000 nested lists"])
def test_task_data_a_worker_cannot_be_given_is_a_script_error(env, value):
    with pytest.raises(ScriptError, match="task data holds a value that scripts cannot be given"):
        env.execute("n = int('1')", {"odd": value}, {})  # int() is not cheap: the script goes to a worker
    with pytest.raises(ScriptError, match=r"variable 'odd': (holds a lock|nested deeper)"):
        env.execute("n = 1", {"odd": value}, {})  # a cheap script runs here, and may not leave it either
    data = {}
    env.execute("n = int('1')", data, {})
    assert data == {"n": 1}

"""Expressions and scripts whose cost is bounded by the data they read run in the server, the rest in a worker."""

from __future__ import annotations

import pytest

from engine import sandbox
from engine.errors import InvalidData, ScriptError
from engine.sandbox import SandboxEnvironment, ScriptTimeout
from engine.sandbox_inline import MAX_NODES, is_cheap, is_cheap_script
from engine.serialization import RESERVED_KEY

FUNCTIONS = frozenset({"working_deadline", "today", "record_visit"})


@pytest.mark.parametrize("source", [
    "channel == 'self_declared'",
    'visit["approved"]',
    "authorization is None",
    "len(exclusion_hits) > 0 or len(data_gaps) > 0",
    'comparison["decision"] in ("special_case", "confirm")',
    "working_deadline(today(), 5)",
    "get('authorization') is None",
    "not defined('visit') or (income - expenses) / members < 1500",
    "items[1:3] if isinstance(items, list) else []",
    "{'a': abs(-1), 'b': [bool(x)]}",
])
def test_conditions_that_only_read_and_compare_data_are_cheap(source):
    assert is_cheap(source, FUNCTIONS) is True


@pytest.mark.parametrize("source", [
    "'x' * 10**10",
    "name + name",
    "2 ** 10",
    "1 << 5",
    "'%s' % name",
    "str(items)",
    "sorted(items)",
    "sum(items)",
    "visit.get('approved')",
    "date.today()",
    "[i for i in items]",
    "(lambda: 1)()",
    "print('x')",
    "printed",
    "_getattr_",
    "open('/etc/passwd')",
    "len(*items)",
    "f'{items}'",
    " or ".join(["x"] * MAX_NODES),
    "1 +",
])
def test_anything_that_can_build_or_run_more_goes_to_a_worker(source):
    assert is_cheap(source, FUNCTIONS) is False


def refuse(field: str) -> None:
    raise InvalidData("数据有误", {field: "不能为空"})


@pytest.fixture
def env() -> SandboxEnvironment:
    return SandboxEnvironment({"refuse": refuse}, cpu_seconds=0.2)


def test_a_cheap_expression_sees_the_same_names_as_a_script(env):
    data = {"visit": {"approved": True}, "len": "data named like a builtin", "items": [3, 1]}
    assert env.evaluate("visit['approved'] and len(items) == 2 and get('len') == 'data named like a builtin'",
                        data, {"extra": 1}) is True
    assert env.evaluate("defined('extra') and not defined('missing')", data, {"extra": 1}) is True


@pytest.mark.parametrize(("source", "words"), [
    ("visit['missing']", "KeyError: 'missing'"),
    ("items[5]", "IndexError"),
    ("undefined_name", "NameError"),
    ("1 / 0", "ZeroDivisionError"),
])
def test_errors_of_a_cheap_expression_are_script_errors(env, source, words):
    with pytest.raises(ScriptError, match=words):
        env.evaluate(source, {"visit": {}, "items": []})


def test_bad_data_reported_by_a_function_in_a_cheap_expression_refuses_the_step(env):
    with pytest.raises(InvalidData):
        env.evaluate("refuse('income')", {})


def test_a_cheap_expression_cannot_leave_a_value_task_data_cannot_hold(env):
    with pytest.raises(ScriptError, match="the expression's value: holds a function"):
        env.evaluate("refuse", {})


def test_the_same_expression_made_expensive_runs_in_a_worker_under_its_budget(env):
    assert env.evaluate("n - 1", {"n": 10**6}) == 999999
    with pytest.raises(ScriptTimeout):
        env.evaluate("sum(i * j for i in range(n) for j in range(n))", {"n": 10**6})


@pytest.mark.parametrize("source", [
    "reason = None\nopinion = None\n",
    "# optional fields\nreason = None\n",
    'escalate_level("region")\n',
    "approved = visit['approved'] and len(items) > 0\nlevel = 'county' if approved else None",
    "a = b = get('x', 1)\npass",
    "deadline = working_deadline(today(), 5)",
])
def test_scripts_that_only_assign_cheap_expressions_to_names_are_cheap(source):
    assert is_cheap_script(source, FUNCTIONS | {"escalate_level"}) is True


@pytest.mark.parametrize("source", [
    "items[0] = 1",
    "visit.approved = True",
    "a, b = items",
    "n += 1",
    "for i in items:\n    pass",
    "while True:\n    pass",
    "x = name + name",
    "x = sorted(items)",
    "print(x)",
    "_x = 1",
    "def f():\n    return 1",
    "import os",
    "del x",
    "x = [i for i in items]",
    "\n".join(f"x{i} = {i}" for i in range(MAX_NODES)),
    "x = ",
])
def test_scripts_that_loop_mutate_or_build_go_to_a_worker(source):
    assert is_cheap_script(source, FUNCTIONS) is False


def run_script(env: SandboxEnvironment, source: str, data: dict) -> dict:
    env.execute(source, data, {"extra": 1})
    return data


def test_a_cheap_script_runs_without_a_worker_and_leaves_what_a_worker_would():
    here, there = SandboxEnvironment(memory_mb=97), SandboxEnvironment(memory_mb=98)
    source = "reason = None\napproved = visit['approved'] and defined('extra')\nlen = 3"
    assert is_cheap_script(source, here._trusted) is True
    expected = run_script(there, source + "\nfor _ in []:\n    pass", {"visit": {"approved": True}, "kept": 1})
    assert run_script(here, source, {"visit": {"approved": True}, "kept": 1}) == expected == {
        "visit": {"approved": True}, "kept": 1, "reason": None, "approved": True}
    assert 97 not in sandbox._pools and 98 in sandbox._pools  # only the script with a loop needed a worker


def test_errors_of_a_cheap_script_are_script_errors_and_change_no_data(env):
    data = {"visit": {}}
    with pytest.raises(ScriptError, match="KeyError: 'missing'"):
        env.execute("first = 1\nsecond = visit['missing']", data)
    assert data == {"visit": {}}


def test_bad_data_reported_by_a_function_in_a_cheap_script_refuses_the_step(env):
    with pytest.raises(InvalidData):
        env.execute("refuse('income')", {})


def test_a_cheap_script_cannot_leave_a_variable_task_data_cannot_hold(env):
    with pytest.raises(ScriptError, match="variable 'kept': holds a function"):
        env.execute("kept = [refuse]", {})
    with pytest.raises(ScriptError, match="reserved key"):
        env.execute(f"kept = {{'{RESERVED_KEY}': 1}}", {})


def test_a_cheap_script_whose_function_runs_past_the_budget_times_out():
    def slow() -> int:
        return sum(range(10**7))

    with pytest.raises(ScriptTimeout):
        SandboxEnvironment({"slow": slow}, cpu_seconds=0.05).execute("n = slow()", {})

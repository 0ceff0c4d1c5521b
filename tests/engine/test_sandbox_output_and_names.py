"""print and namespace questions: what compiles at deploy must work when the case reaches the step.

``print`` writes to the step's log (``take_output``); ``locals()``, ``vars()``, ``globals()`` and
``dir()`` are refused when compiled, with the hint to ``defined(name)`` and ``get(name, default)``.
"""

from __future__ import annotations

import threading

import pytest

from engine.errors import ScriptError
from engine.sandbox import SandboxEnvironment, compile_expression, compile_script, take_output
from engine.sandbox_worker import MAX_OUTPUT

BUDGET = 0.5


def twice(value):
    return 2 * value


@pytest.fixture
def env() -> SandboxEnvironment:
    take_output()  # nothing left over from an earlier test in this thread
    return SandboxEnvironment({"twice": twice}, cpu_seconds=BUDGET)


# --- print


def test_print_compiles_and_its_text_goes_to_the_output_of_the_step(env):
    compile_script("print('核查', 3)")
    data = {"income": 4200}
    env.execute("print('收入', income)\nprint('a', 'b', sep='-', end='!\\n')\nchecked = True", data, {})
    assert data == {"income": 4200, "checked": True}
    assert take_output() == "收入 4200\na-b!\n"


def test_print_inside_functions_and_expressions_is_collected_too(env):
    env.execute("def note(n):\n    print('第', n, '户')\n    return n\nfor n in range(2):\n    note(n)", {}, {})
    assert env.evaluate("print('条件') or True", {}) is True
    assert take_output() == "第 0 户\n第 1 户\n条件\n"


def test_output_collects_over_several_scripts_until_taken(env):
    env.execute("print('one')", {}, {})
    env.execute("print('two')", {}, {})
    assert take_output() == "one\ntwo\n"
    assert take_output() == ""


def test_a_failing_script_keeps_what_it_printed_before_failing(env):
    with pytest.raises(ScriptError, match="ZeroDivisionError"):
        env.execute("print('before')\nx = 1 / 0", {}, {})
    assert take_output() == "before\n"


def test_printed_reads_back_what_the_script_printed(env):
    data = {}
    env.execute("print('x')\nprint('y')\nlog = printed", data, {})
    assert data == {"log": "x\ny\n"}
    assert take_output() == "x\ny\n"


def test_output_is_bounded(env):
    env.execute("for n in range(100):\n    print('x' * 10000)", {}, {})
    output = take_output()
    assert len(output) < MAX_OUTPUT + 100
    assert output.endswith("(output truncated)\n")


def test_print_to_a_file_is_refused(env):
    with pytest.raises(ScriptError, match="file"):
        env.execute("print('x', file=items)", {"items": []}, {})


def test_output_belongs_to_the_thread_that_ran_the_script(env):
    env.execute("print('main')", {}, {})
    seen = []
    worker = threading.Thread(target=lambda: seen.append(take_output()))
    worker.start()
    worker.join(30)
    assert seen == [""]
    assert take_output() == "main\n"


# --- asking about variables


@pytest.mark.parametrize("name", ["locals", "vars", "globals", "dir"])
def test_namespace_introspection_is_refused_when_compiled_with_the_alternative(name):
    for compile_source in (compile_expression, compile_script):
        with pytest.raises(ScriptError, match=rf"{name}\(\) is not available.*defined\('name'\).*get\('name'"):
            compile_source(f"{name}()")
    with pytest.raises(ScriptError, match="not available"):
        compile_script(f"f = {name}\nx = f()")


def test_defined_tells_whether_task_data_or_a_script_variable_exists(env):
    data = {"income": 4200, "note": None}
    env.execute("a = defined('income')\nb = defined('note')\nc = defined('missing')\nnew = 1\nd = defined('new')",
                data, {})
    assert (data["a"], data["b"], data["c"], data["d"]) == (True, True, False, True)
    assert env.evaluate("defined('income') and not defined('visit')", data) is True


def test_get_reads_a_variable_or_a_default(env):
    data = {"visit": {"approved": True}}
    assert env.evaluate("get('visit', {}).get('approved')", data) is True
    assert env.evaluate("get('authorization') is None", data) is True
    assert env.evaluate("get('authorization', 'none yet')", data) == "none yet"
    assert env.evaluate("get('bonus', 0) + 1", data, {"bonus": 5}) == 6


def test_get_reads_task_data_named_like_a_function(env):
    data = {"twice": "a form field that happens to be called twice", "n": 2}
    assert env.evaluate("twice(n)", data) == 4
    assert env.evaluate("get('twice')", data) == "a form field that happens to be called twice"
    assert env.evaluate("defined('twice')", {"n": 1}) is False


@pytest.mark.parametrize("name", ["_getattr_", "_print", "__builtins__", "len", "twice", "get", "defined", 7])
def test_defined_and_get_never_reveal_guards_or_functions(env, name):
    assert env.evaluate("defined(name)", {"name": name}) is False
    assert env.evaluate("get(name, 'no')", {"name": name}) == "no"

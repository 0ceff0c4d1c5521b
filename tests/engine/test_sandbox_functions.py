"""Functions the engine registers run in the server, in the step that called them, not in the sandbox.

A script runs in a worker process; when it calls a registered function the call comes back to the
thread running the step, so the function sees that step's context (session, clock, calendar) and
its errors mean what they meant before: bad data refuses the step, a built-in error can be caught.
"""

from __future__ import annotations

import contextvars
import gc
import threading
import time

import pytest

from engine.errors import InvalidData, ScriptError
from engine.sandbox import SandboxEnvironment, ScriptTimeout

BUDGET = 0.2
_who: contextvars.ContextVar[str] = contextvars.ContextVar("who")


class LedgerDown(Exception):
    """Stands for an error of the domain's own (a database error, say)."""


def whoami() -> str:
    return _who.get()


def refuse(field: str) -> None:
    raise InvalidData("数据有误", {field: "不能为空"})


def not_a_case() -> None:
    raise ScriptError("此流程不是农户案件，不能调用农户的办理函数")


def parse_amount(text: str) -> int:
    return int(text)


def ledger() -> None:
    raise LedgerDown("ledger unavailable")


def a_lock() -> threading.Lock:
    return threading.Lock()


def busy_in_the_server() -> str:
    """Uses more CPU than the script's whole budget, in the server's thread."""
    began = time.thread_time()
    while time.thread_time() - began < 3 * BUDGET:
        pass
    return "done"


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def collecting_in_the_server() -> str:
    """Has the collector sweep the server's heap (a test leaves a large one alive) for three budgets' worth of CPU."""
    began = time.thread_time()
    while time.thread_time() - began < 3 * BUDGET:
        gc.collect()
    return "done"


class Interrupted(BaseException):
    """Stands for what ends a request thread mid-call, e.g. a KeyboardInterrupt in a development server."""


def interrupt() -> None:
    raise Interrupted


FUNCTIONS = {f.__name__: f for f in (whoami, refuse, not_a_case, parse_amount, ledger, a_lock, busy_in_the_server,
                                     collecting_in_the_server, interrupt)}


@pytest.fixture
def env() -> SandboxEnvironment:
    return SandboxEnvironment(FUNCTIONS, cpu_seconds=BUDGET)


def test_a_function_runs_in_the_context_of_the_thread_that_runs_the_script(env):
    answers: dict[str, list[str]] = {}

    def step(name: str) -> None:
        _who.set(name)
        answers[name] = []
        for _ in range(5):
            data = {}
            env.execute("me = whoami()", data, {})  # from a worker, over the pipe
            answers[name] += [data["me"], env.evaluate("whoami()", {})]  # evaluated in the server itself

    threads = [threading.Thread(target=step, args=(name,)) for name in ("village", "township")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert answers == {"village": ["village"] * 10, "township": ["township"] * 10}


def test_bad_data_reported_by_a_function_refuses_the_step_with_that_very_error(env):
    data = {"n": 1}
    with pytest.raises(InvalidData) as refused:
        env.execute("before = 1\nrefuse('income')\nafter = 2", data, {})
    assert refused.value.fields == {"income": "不能为空"}
    assert data == {"n": 1}


def test_a_script_cannot_catch_an_engine_error_of_a_function(env):
    with pytest.raises(InvalidData):
        env.execute("try:\n    refuse('income')\nexcept Exception:\n    caught = True", {}, {})
    with pytest.raises(ScriptError, match="此流程不是农户案件"):
        env.execute("try:\n    not_a_case()\nexcept Exception:\n    caught = True", {}, {})


def test_a_built_in_error_of_a_function_can_be_caught_like_any_other(env):
    data = {}
    env.execute("try:\n    amount = parse_amount('六千')\nexcept ValueError as exc:\n    amount = 0\n"
                "    reason = str(exc)", data, {})
    assert data == {"amount": 0, "reason": "invalid literal for int() with base 10: '六千'"}
    with pytest.raises(ScriptError, match="ValueError: invalid literal"):
        env.execute("amount = parse_amount('六千')", {}, {})


def test_another_error_of_a_function_is_a_script_error_caused_by_it(env):
    with pytest.raises(ScriptError, match="LedgerDown: ledger unavailable") as failed:
        env.execute("try:\n    ledger()\nexcept Exception:\n    caught = True", {}, {})
    assert isinstance(failed.value.__cause__, LedgerDown)


def test_a_value_a_script_cannot_be_given_is_an_error_inside_the_script(env):
    data = {}
    env.execute("try:\n    lock = a_lock()\nexcept TypeError as exc:\n    problem = str(exc)", data, {})
    assert "a_lock() returned a value scripts cannot use" in data["problem"]


def test_the_cpu_time_the_server_spends_on_a_script_s_calls_counts_against_its_budget(env):
    _who.set("village")
    with pytest.raises(ScriptTimeout, match=f"{BUDGET:g} s"):
        env.execute("result = busy_in_the_server()\nafter = 1", {}, {})
    with pytest.raises(ScriptTimeout):
        env.execute("while True:\n    whoami()", {}, {})
    with pytest.raises(ScriptTimeout):  # an expression the server evaluates itself
        env.evaluate("busy_in_the_server() == 'done'", {})


def test_the_garbage_collector_s_pauses_in_a_call_do_not_count_against_the_script(env):
    """A collection that sweeps a large heap during a domain function is the server's housekeeping: on a busy server
    it failed ordinary steps with ScriptTimeout. Only the collector's time is forgiven, not the function's own."""
    _who.set("village")
    heap = [_Cycle() for _ in range(300_000)]  # what a long-running server holds: every collection walks it
    data = {}
    env.execute("result = collecting_in_the_server()", data, {})
    assert data["result"] == "done"
    assert env.evaluate("collecting_in_the_server() == 'done'", {}) is True
    assert len(heap) == 300_000


def test_many_quick_calls_fit_in_the_budget(env):
    _who.set("village")
    data = {}
    env.execute("names = [whoami() for n in range(200)]", data, {})
    assert data["names"] == ["village"] * 200


def test_a_function_may_itself_evaluate_an_expression(env):
    inner = SandboxEnvironment(cpu_seconds=BUDGET)
    outer = SandboxEnvironment({"inner_sum": lambda values: inner.evaluate("sum(values)", {"values": values})},
                               cpu_seconds=BUDGET)
    assert outer.evaluate("inner_sum([1, 2, 3]) * 2", {}) == 12


def test_a_name_that_is_not_registered_cannot_be_called(env):
    with pytest.raises(ScriptError, match="NameError: name 'open' is not defined"):
        env.evaluate("open('/etc/passwd')", {})


def test_a_call_cut_short_in_the_server_never_leaves_a_worker_out_of_step(env):
    for _ in range(3):
        with pytest.raises(Interrupted):
            env.execute("before = 1\ninterrupt()", {}, {})
        data = {"n": 20}
        env.execute("m = n + 1", data, {})
        assert data == {"n": 20, "m": 21}

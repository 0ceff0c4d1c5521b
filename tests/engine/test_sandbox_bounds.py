"""Scripts are bounded for real: CPU time and memory, whatever they call, and never at the server's cost.

The hostile scripts below all run in one child process that stands for the server: it has an
address-space and a CPU limit of its own and a wall-clock timeout, so a hole in the sandbox fails
these tests instead of taking the test run (or the machine) down. For every script the child reports
how it ended, how long it took and how much the child's own memory grew: the server must stay as it was.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

from engine.errors import ScriptError
from engine.sandbox import MAX_SEQUENCE, SandboxEnvironment, ScriptTimeout

ROOT = Path(__file__).resolve().parents[2]
BUDGET = 0.2  # CPU seconds granted to scripts in these tests
# Cases the memory limit must stop get CPU to spare: on a loaded machine the page faults of filling 64 MB can cost
# more than BUDGET, and the case would end as a timeout instead of showing that the memory limit holds
MEMORY_FIRST = 2.0
MEMORY_MB = 64  # memory budget of the scripts in the batch: enough for 10^6-item values, reached quickly
BATCH_WALL_LIMIT = 300  # seconds the whole batch may take before the sandbox is declared broken
SERVER_GROWTH_LIMIT = 32 * 1024**2  # how much the server-like child may grow over any one script
TIMEOUT, ERROR = "ScriptTimeout", "ScriptError"


@dataclass(frozen=True)
class Case:
    id: str
    script: str
    ends_as: str | None = None  # ScriptTimeout or ScriptError when it matters which
    says: str | None = None  # words the error message must contain
    cpu_seconds: float = BUDGET


LOOPS = [
    Case("endless loop", "while True:\n    pass", TIMEOUT),
    Case("endless loop on one line", "while True: pass", TIMEOUT),
    Case("counting loop", "n = 0\nwhile True:\n    n += 1", TIMEOUT),
    Case("endless function", "def spin():\n    while True:\n        pass\nspin()", TIMEOUT),
    Case("list growing under its own loop", "values = [1]\nfor v in values:\n    values.append(v)"),
    Case("huge generator", "total = sum(i * j for i in range(10**6) for j in range(10**6))", TIMEOUT),
    Case("catching its timeout", "while True:\n    try:\n        while True:\n            pass\n"
                                 "    except Exception:\n        pass", TIMEOUT),
    Case("catching its timeout by a tuple", "while True:\n    try:\n        while True:\n            pass\n"
                                            "    except (ValueError, Exception) as e:\n        pass", TIMEOUT),
    Case("bare except", "while True:\n    try:\n        while True:\n            pass\n    except:\n        pass",
         ERROR, "bare except"),
    Case("finally outliving the budget", "try:\n    while True:\n        pass\nfinally:\n    while True:\n"
                                         "        pass", ERROR, "finally"),
    Case("catching BaseException through mro", "try:\n    while True:\n        pass\n"
                                               "except ValueError.mro()[2]:\n    pass", ERROR, "mro"),
]

# One operation asking for far more than MAX_SEQUENCE items, refused before the call
REFUSED_AT_ONCE = [
    Case("repeated string", "s = 'x' * 10**10", ERROR, "longer than"),
    Case("repeated string, count first", "s = 10**10 * 'x'", ERROR, "longer than"),
    Case("repeated list", "b = [0] * 10**9", ERROR, "longer than"),
    Case("repeated tuple", "t = (0,) * 10**9", ERROR, "longer than"),
    Case("repeated bytes", "b = 'a'.encode() * 10**10", ERROR, "longer than"),
    Case("in-place repetition", "s = 'x'\ns *= 10**10", ERROR, "longer than"),
    Case("huge power", "n = 2 ** 10**8", ERROR, "number too large"),
    Case("in-place power", "n = 2\nn **= 10**8", ERROR, "number too large"),
    Case("huge shift", "n = 1 << 10000000000", ERROR, "number too large"),
    Case("squaring without end", "x = 2**50000\nwhile True:\n    x = x * x", ERROR, "number too large"),
    Case("huge range", "values = list(range(10**9))", ERROR, "longer than"),
    Case("huge comprehension", "values = [i for i in range(10**9)]", ERROR, "longer than"),
    Case("join of a repeated megabyte", "s = ''.join(['a' * 10**6] * 5000)", ERROR, "longer than"),
    # the guard stops it once the sum passes the length bound, after copying millions of items: CPU to spare too
    Case("sum of lists", "n = len(sum([[0] * 10**5] * 300, []))", ERROR, "longer than", MEMORY_FIRST),
    Case("doubling by +", "s = 'ab'\nwhile True:\n    s = s + s", ERROR, "longer than"),
    Case("doubling by +=", "a = [1]\nwhile True:\n    a += a", ERROR, "longer than"),
    Case("doubling by extend", "a = [1]\nwhile True:\n    a.extend(a)", ERROR, "longer than"),
    Case("replace expanding", "s = 'a' * 1000\nwhile True:\n    s = s.replace('a', 'aa')", ERROR, "longer than"),
    Case("replace of the empty string", "s = ('a' * 10**6).replace('', 'x' * 10**6)", ERROR, "longer than"),
    Case("padding", "s = 'x'.ljust(10000000000)", ERROR, "longer than"),
    Case("centring", "s = 'x'.center(10000000000)", ERROR, "longer than"),
    Case("zero filling", "s = '1'.zfill(10000000000)", ERROR, "longer than"),
    Case("tab expansion", "s = ('\\t' * 10**6).expandtabs(10**6)", ERROR, "longer than"),
    Case("percent width", "s = '%10000000000d' % 1", ERROR, "format width"),
    Case("f-string width", "s = f'{1:>10000000000}'", ERROR, "format width"),
    Case("nested format width", "s = '{:{}}'.format(1, 10**10)", ERROR, "format width"),
    Case("join of a million references", "s = 'a' * 10**6\nt = ''.join(list(map(s.lstrip, ['x'] * 10**6)))",
         ERROR, "longer than"),
    Case("extend from an iterator over itself", "l = [1]\nwhile True:\n    l.extend(map(abs, l))", ERROR,
         "longer than"),
    Case("int of a huge Decimal", "n = int(Decimal('1e100000000'))", ERROR, "decimal number beyond"),
    Case("round of a huge Decimal", "n = round(Decimal('1e1000000'))", ERROR, "decimal number beyond"),
    Case("Decimal arithmetic past its exponent", "d = Decimal('1e30000') ** 100", ERROR, "Overflow"),
]

# Operations no size check foresees: the worker's operating-system limits end them
STOPPED_BY_THE_OS = [
    Case("str of a million references to a megabyte", "s = str(['a' * 10**6] * 10**6)", ERROR, "memory", MEMORY_FIRST),
    Case("f-string of the same", "s = f\"{['a' * 10**6] * 10**6}\"", ERROR, "memory", MEMORY_FIRST),
    Case("format of the same", "s = '{}'.format(['a' * 10**6] * 10**6)", ERROR, "memory", MEMORY_FIRST),
    Case("percent of the same", "s = '%s' % (['a' * 10**6] * 10**6,)", ERROR, "memory", MEMORY_FIRST),
    Case("print of the same", "print(['a' * 10**6] * 10**6)", ERROR, "memory", MEMORY_FIRST),
    Case("str of dict.fromkeys", "s = str(dict.fromkeys(range(10**6), 'a' * 10**6))", ERROR, "memory", MEMORY_FIRST),
    Case("translate expanding", "s = ('a' * 10**6).translate({97: 'b' * 10**6})", ERROR, "memory", MEMORY_FIRST),
    Case("many big lists", "x = [[0] * 10**6 for i in range(100)]", ERROR, "memory", MEMORY_FIRST),
    Case("append inside a builtin's own iteration", "l = [1]\nany(map(l.append, l))"),
    Case("comparing a million equal megabytes", "a = 'x' * 10**6\nb = 'x' * (10**6 - 1) + 'x'\n"
                                                "same = [a] * 10**6 == [b] * 10**6", TIMEOUT),
    Case("sorting a million megabytes", "s = sorted(['a' * 10**6] * 10**6)", TIMEOUT),
    Case("hashing a million references to a million-tuple",
         "d = {0: tuple(range(10**6))}\nkey = tuple(map(d.get, [0] * 10**6))\ns = {key}", TIMEOUT),
    Case("repr of 100,000 nested lists", "x = []\nfor i in range(100000):\n    x = [x]\ns = str(x)", ERROR),
    Case("error message of a huge value", "raise ValueError(['a' * 10**6] * 10**6)", ERROR, "ValueError"),
    Case("missing key that is huge", "d = {}\nd[tuple(['a' * 10**6] * 10**6)]", ERROR, "KeyError"),
]

CASES = LOOPS + REFUSED_AT_ONCE + STOPPED_BY_THE_OS

_CHILD = textwrap.dedent("""
    import json, resource, sys, time
    from engine.errors import ScriptError
    from engine.sandbox import SandboxEnvironment

    def resident():
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * resource.getpagesize()

    request = json.loads(sys.stdin.read())
    SandboxEnvironment().evaluate("1", {})  # imports and a first worker, before the limits
    with open("/proc/self/statm") as statm:
        used = int(statm.read().split()[0]) * resource.getpagesize()
    limit = used + request["extra_memory"]
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    resource.setrlimit(resource.RLIMIT_CPU, (request["cpu_limit"], request["cpu_limit"] + 1))
    for case in request["cases"]:
        env = SandboxEnvironment(cpu_seconds=case["cpu_seconds"], memory_mb=request["memory_mb"])
        before, began = resident(), time.monotonic()
        try:
            env.execute(case["script"], {}, {})
            outcome = {"error": None, "script_error": False, "message": ""}
        except BaseException as exc:
            outcome = {"error": type(exc).__name__, "script_error": isinstance(exc, ScriptError),
                       "message": str(exc)}
        outcome.update(id=case["id"], seconds=time.monotonic() - began, growth=resident() - before)
        print(json.dumps(outcome), flush=True)
""")


@pytest.fixture(scope="module")
def outcomes() -> dict[str, dict]:
    """Every case run once, in one server-like child process; outcomes by case id."""
    request = json.dumps({"cases": [vars(case) for case in CASES], "extra_memory": 512 * 1024**2,
                          "memory_mb": MEMORY_MB, "cpu_limit": 60})
    try:
        child = subprocess.run([sys.executable, "-c", _CHILD], input=request, capture_output=True, text=True,
                               cwd=ROOT, timeout=BATCH_WALL_LIMIT, check=False)
        stdout, stderr = child.stdout, child.stderr
    except subprocess.TimeoutExpired as exc:
        stdout, stderr = exc.stdout or "", f"still running after {BATCH_WALL_LIMIT} s"
        stdout = stdout.decode() if isinstance(stdout, bytes) else stdout
    reported = {o["id"]: o for o in map(json.loads, stdout.splitlines())}
    reported["_stderr"] = {"text": stderr[-3000:] if isinstance(stderr, str) else ""}
    return reported


def outcome_of(outcomes: dict[str, dict], case: Case) -> dict:
    if case.id not in outcomes:
        pytest.fail(f"the child never reported {case.id!r} (it hung or died there): {outcomes['_stderr']['text']}")
    return outcomes[case.id]


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_a_hostile_script_ends_as_a_script_error_and_the_server_stays_as_it_was(outcomes, case):
    outcome = outcome_of(outcomes, case)
    assert outcome["script_error"] is True, outcome
    if case.ends_as:
        assert outcome["error"] == case.ends_as, outcome
    if case.says:
        assert case.says in outcome["message"], outcome
    assert len(outcome["message"]) < 1000, "an error message must stay readable whatever the script held"
    assert outcome["growth"] < SERVER_GROWTH_LIMIT, f"the server grew by {outcome['growth'] / 2**20:.0f} MB"


def test_a_timeout_names_the_budget(outcomes):
    outcome = outcome_of(outcomes, LOOPS[0])
    assert f"{BUDGET:g} s" in outcome["message"]


def test_the_memory_budget_is_named(outcomes):
    outcome = outcome_of(outcomes, STOPPED_BY_THE_OS[0])
    assert f"{MEMORY_MB} MB" in outcome["message"]


def test_the_sandbox_is_usable_again_after_a_timeout_and_after_running_out_of_memory():
    env = SandboxEnvironment(cpu_seconds=BUDGET, memory_mb=MEMORY_MB)
    roomy = SandboxEnvironment(cpu_seconds=MEMORY_FIRST, memory_mb=MEMORY_MB)  # the same workers (one pool per limit)
    with pytest.raises(ScriptTimeout):
        env.execute("n = 0\nwhile n < 1000000000:\n    n += 1", {}, {})
    with pytest.raises(ScriptError, match="memory"):
        roomy.execute("x = [[0] * 10**6 for i in range(100)]", {}, {})
    with pytest.raises(ScriptTimeout):  # the kernel ended this one: its worker is gone
        env.execute("a = 'x' * 10**6\nb = 'x' * (10**6 - 1) + 'x'\nsame = [a] * 10**6 == [b] * 10**6", {}, {})
    data = {}
    env.execute("m = sum(range(1000))", data, {})
    assert data == {"m": 499500}


def test_values_up_to_the_limits_are_allowed():
    env = SandboxEnvironment(cpu_seconds=5)
    data = {}
    env.execute(f"s = 'x' * {MAX_SEQUENCE}\nvalues = list(range({MAX_SEQUENCE}))\nn = 2 ** 1000\n"
                "joined = ''.join([s])\nsizes = [len(s), len(values), len(joined)]\ndel s, values, joined", data, {})
    assert data == {"n": 2**1000, "sizes": [MAX_SEQUENCE] * 3}


def test_a_script_stuck_in_one_builtin_call_does_not_stall_other_requests():
    """The hostile comparison runs for half a minute in one C call unless stopped (it holds the GIL in the
    server, when run there). Setting it up takes milliseconds; the other thread's work, done while the
    hostile script has not ended, takes a fraction of a second, and the hostile script lasts at least its
    2 s budget: so the other thread finishes only if it was never held up.
    """
    started, finished = threading.Event(), threading.Event()
    hostile = SandboxEnvironment({"started": started.set}, cpu_seconds=2.0)
    other = SandboxEnvironment(cpu_seconds=BUDGET)
    ended: list[BaseException] = []

    def run_hostile() -> None:
        try:
            hostile.execute("started()\na = 'x' * 10**6\nb = 'x' * (10**6 - 1) + 'x'\n"
                            "same = [a] * 10**6 == [b] * 10**6", {}, {})
        except BaseException as exc:
            ended.append(exc)
        finally:
            finished.set()

    thread = threading.Thread(target=run_hostile, daemon=True)
    thread.start()
    assert started.wait(30), "the hostile script never started"
    done = 0
    while done < 20000 and not finished.is_set():
        assert sum(range(1000)) == 499500  # a small piece of another request's Python work
        if done % 200 == 0:
            assert other.evaluate("n * 2", {"n": done}) == 2 * done  # and another request's script
        done += 1
    thread.join(60)
    assert not thread.is_alive(), "the hostile script was not stopped within a minute"
    assert done == 20000, f"the other thread did {done} of 20000 pieces of work before the hostile script ended"
    assert len(ended) == 1 and isinstance(ended[0], ScriptTimeout), ended

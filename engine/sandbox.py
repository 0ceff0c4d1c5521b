"""Scripts and expressions from process designers run here, never in Spiff's plain ``exec``.

Every script, gateway condition and timer expression is compiled with RestrictedPython
(engine/sandbox_policy.py: deploy refuses what would fail) and runs in a worker process
(engine/sandbox_worker.py) that the operating system bounds in CPU time and memory. A script that
loops, or asks one built-in call for gigabytes or minutes, ends as ``ScriptTimeout``/``ScriptError``
while this process, which serves every other request, only waits on a pipe without holding the GIL.
Expressions that only read and compare data cost no more than that data and are evaluated here, as are scripts
that only assign such expressions to names (engine/sandbox_inline.py). The engine's functions a script calls
run here too, in the thread of the step that asked, so they see its session, clock and calendar. What scripts
print is kept for the step: ``take_output()``.
"""

from __future__ import annotations

import atexit
import contextvars
import json
import pickle
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from engine import clock
from engine import sandbox_wire as wire
from engine.cpu_time import work_time
from engine.errors import EngineError, ScriptError
from engine.sandbox_data import DataCheck
from engine.sandbox_guards import MAX_SEQUENCE
from engine.sandbox_inline import is_cheap, is_cheap_script
from engine.sandbox_namespace import base_globals, describe, namespace, variables_left
from engine.sandbox_policy import compile_expression, compile_script
from engine.sandbox_worker import CLOCK, MAX_OUTPUT
from engine.serialization import RESERVED_KEY

__all__ = ["DEFAULT_CPU_SECONDS", "DEFAULT_MEMORY_MB", "MAX_SEQUENCE", "SandboxEnvironment", "ScriptTimeout",
           "compile_expression", "compile_script", "sandboxed_script_engine", "take_output"]

DEFAULT_CPU_SECONDS = 1.0
DEFAULT_MEMORY_MB = 256
MAX_IDLE_WORKERS = 8
# A worker that neither answers nor dies within this much wall time is killed; the kernel stops a busy
# one (RLIMIT_CPU) long before, so this only catches a worker that hangs.
_WALL_FACTOR, _WALL_GRACE = 4, 10.0
_ROOT = Path(__file__).resolve().parent.parent
_BOOT = "import sys; sys.path.insert(0, sys.argv[1]); from engine.sandbox_worker import main; main(sys.argv[2])"
_KILLED_FOR_TIME = {-signal.SIGXCPU, -signal.SIGKILL}


class ScriptTimeout(ScriptError):
    """A script used more CPU time than its budget."""


# --- what scripts print

_output: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar("fangpin_script_output", default=None)


def take_output() -> str:
    """What scripts printed in this context since the last call, for the step's log; forgets it."""
    parts = _output.get()
    _output.set(None)
    return "".join(parts or ())


def _keep_output(text: str) -> None:
    if not text:
        return
    parts = _output.get()
    if parts is None:
        parts = []
        _output.set(parts)
    room = MAX_OUTPUT - sum(map(len, parts))
    if room > 0:
        parts.append(text if len(text) <= room else text[:room] + "\n…(output truncated)\n")


# --- worker processes


class _Worker:
    """One worker process and its pipe; used by one thread at a time."""

    def __init__(self, memory_bytes: int) -> None:
        config = json.dumps({"memory_bytes": memory_bytes, "reserved_keys": [RESERVED_KEY]})
        self.process = subprocess.Popen(
            [sys.executable, "-I", "-c", _BOOT, str(_ROOT), config],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env={"LC_ALL": "C.UTF-8"}, cwd="/", close_fds=True)
        self.reusable = True

    def run(self, request: tuple[Any, ...], answer: Callable[[str, tuple, dict], tuple], wall_seconds: float) -> tuple:
        """Send ``request``, answer the worker's calls with ``answer``, return its final message.

        Each answer carries the CPU time this thread has spent answering so far, which the worker
        charges to the script's budget; the wall-clock limit counts only the time spent waiting.
        """
        self.reusable = False  # until the exchange is complete: one cut short leaves the worker out of step
        self._send(request)
        server_seconds = 0.0
        while True:
            began = time.monotonic()
            message = wire.receive(self.process.stdout.fileno(), began + wall_seconds, data_only=True)
            wall_seconds -= time.monotonic() - began
            if message[0] != "call":
                self.reusable = not message[-1]
                return message
            _, name, args, kwargs = message
            answering = work_time()
            reply = answer(name, args, kwargs)
            server_seconds += work_time() - answering
            try:
                self._send((*reply, server_seconds))
            except (pickle.PicklingError, TypeError, AttributeError) as exc:
                self._send(("raise", "TypeError", (f"{name}() returned a value scripts cannot use: {exc}",),
                            server_seconds))

    def _send(self, message: tuple[Any, ...]) -> None:
        try:
            wire.send(self.process.stdin.fileno(), message)
        except (BrokenPipeError, ConnectionResetError) as exc:
            raise wire.WorkerGone("pipe closed") from exc

    def exit_code(self) -> int | None:
        """How a worker whose pipe closed ended (it is exiting); ``None`` if it did not, and is killed."""
        try:
            return self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return None

    def close(self) -> None:
        """End the worker: an idle one exits when its pipe closes; one still running is killed."""
        if self.process.poll() is None and not self.reusable:
            self.process.kill()
        self.process.stdin.close()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process.stdout.close()


class _WorkerPool:
    """Idle workers of one memory budget; a thread takes one per evaluation, or starts a new one."""

    def __init__(self, memory_bytes: int) -> None:
        self.memory_bytes = memory_bytes
        self._idle: list[_Worker] = []
        self._lock = threading.Lock()

    def acquire(self) -> _Worker:
        with self._lock:
            while self._idle:
                worker = self._idle.pop()
                if worker.process.poll() is None:
                    return worker
                worker.reusable = False
                worker.close()
        return _Worker(self.memory_bytes)

    def release(self, worker: _Worker) -> None:
        if worker.reusable and worker.process.poll() is None:
            with self._lock:
                if len(self._idle) < MAX_IDLE_WORKERS:
                    self._idle.append(worker)
                    return
        worker.close()

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.close()


_pools: dict[int, _WorkerPool] = {}
_pools_lock = threading.Lock()


def _pool(memory_mb: int) -> _WorkerPool:
    with _pools_lock:
        return _pools.setdefault(memory_mb, _WorkerPool(memory_mb * 1024**2))


@atexit.register
def _close_pools() -> None:
    for pool in list(_pools.values()):
        pool.close()


# --- the Spiff script environment


class SandboxEnvironment(BasePythonScriptEngineEnvironment):
    """Spiff script environment: scripts run in a sandboxed worker process, cheap expressions here."""

    def __init__(self, functions: Mapping[str, Callable] | None = None,
                 cpu_seconds: float = DEFAULT_CPU_SECONDS, memory_mb: int = DEFAULT_MEMORY_MB) -> None:
        super().__init__(dict(functions or {}))
        self.cpu_seconds = cpu_seconds
        self.memory_mb = memory_mb
        self._names = tuple(sorted(self.globals))
        self._trusted = frozenset(self.globals)
        self._base = base_globals(self.globals)

    def evaluate(self, expression: str, context: dict, external_context: dict | None = None) -> Any:
        if is_cheap(expression, self._trusted):
            return self._run_here("eval", expression, context, external_context or {})
        return self._run("eval", expression, context, external_context)

    def execute(self, script: str, context: dict, external_context: dict | None = None) -> bool:
        if is_cheap_script(script, self._trusted):
            variables = self._run_here("exec", script, context, external_context or {})
        else:
            variables = self._run("exec", script, context, external_context)
        context.clear()
        context.update(variables)
        return True

    def call_service(self, context: dict, **kwargs: Any) -> Any:
        raise ScriptError("service tasks are not available")

    def _run_here(self, mode: str, source: str, context: dict, external: dict) -> Any:
        """What a worker would answer for a cheap expression's value or a cheap script's variables (sandbox_inline.py):
        the same compiled code, namespace and data checks, without the round trip.

        Only the engine's functions it calls can take long; their CPU time counts against the budget,
        as it does for a script's calls.
        """
        code = compile_expression(source) if mode == "eval" else compile_script(source)
        names = namespace(self._base, context, external)
        began = work_time()
        try:
            value = eval(code, names)
        except EngineError:
            raise
        except RecursionError:
            raise ScriptError("script recursed too deeply") from None
        except Exception as exc:
            raise ScriptError(describe(exc)) from exc
        if work_time() - began > self.cpu_seconds:
            raise self._timeout()
        check = DataCheck([RESERVED_KEY])
        if mode == "exec":
            value = variables_left(names, context, external, self._base)
            check.check_variables(value)
        else:
            check.check("the expression's value", value)
        return value

    def _run(self, mode: str, source: str, context: dict, external_context: dict | None) -> Any:
        request = ("run", mode, source, context, external_context or {}, self._names, self.cpu_seconds)
        failures: list[BaseException] = []
        pool = _pool(self.memory_mb)
        worker = pool.acquire()
        try:
            message = worker.run(request, lambda *call: self._answer(failures, *call),
                                 _WALL_FACTOR * self.cpu_seconds + _WALL_GRACE)
        except TimeoutError:
            raise self._timeout() from None
        except wire.WorkerGone as exc:
            raise self._worker_died(worker, exc) from None
        except (pickle.PicklingError, TypeError, AttributeError, RecursionError) as exc:
            raise ScriptError(f"task data holds a value that scripts cannot be given: {exc}") from exc
        finally:
            pool.release(worker)
        return self._outcome(message, failures)

    def _outcome(self, message: tuple, failures: list[BaseException]) -> Any:
        """The value a worker's final message stands for, or the error it reports."""
        kind, *rest = message
        if kind == "done":
            value, output, _retire = rest
            _keep_output(output)
            return value
        error, text, output, _retire = rest
        _keep_output(output)
        if error == "aborted" and failures:
            failure = failures[0]
            if isinstance(failure, EngineError):
                raise failure  # e.g. InvalidData from a domain function: the step is refused, not failed
            raise ScriptError(f"{type(failure).__name__}: {failure}") from failure
        if error == "timeout":
            raise self._timeout()
        if error == "memory":
            raise ScriptError(f"script exceeded its memory budget of {self.memory_mb} MB")
        raise ScriptError(text)

    def _answer(self, failures: list[BaseException], name: str, args: tuple, kwargs: dict) -> tuple:
        """Run what the worker asks for here, in the step's own thread and context."""
        if name == CLOCK:
            return ("ok", clock.now())
        function = self.globals.get(name)
        if function is None:
            failures.append(ScriptError(f"{name} is not a function scripts may call"))
            return ("abort",)
        try:
            return ("ok", function(*args, **kwargs))
        except Exception as exc:
            if type(exc).__module__ == "builtins":  # a script may catch these, as it could any built-in's
                return ("raise", type(exc).__name__, tuple(a if isinstance(a, str | int | float) else str(a)
                                                           for a in exc.args))
            failures.append(exc)
            return ("abort",)

    def _timeout(self) -> ScriptTimeout:
        return ScriptTimeout(f"script exceeded its CPU time budget of {self.cpu_seconds:g} s")

    def _worker_died(self, worker: _Worker, exc: Exception) -> ScriptError:
        code = worker.exit_code()
        if code in _KILLED_FOR_TIME:
            return self._timeout()
        return ScriptError(f"the script stopped its sandbox ({exc}; exit code {code}); it may have exceeded "
                           f"its memory budget of {self.memory_mb} MB")


def sandboxed_script_engine(functions: Mapping[str, Callable] | None = None,
                            cpu_seconds: float = DEFAULT_CPU_SECONDS,
                            memory_mb: int = DEFAULT_MEMORY_MB) -> PythonScriptEngine:
    """A Spiff script engine whose every evaluation goes through the sandbox."""
    return PythonScriptEngine(environment=SandboxEnvironment(functions, cpu_seconds, memory_mb))

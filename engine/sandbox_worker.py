"""The process that runs designers' scripts, bounded by the operating system.

The server keeps a few of these (engine/sandbox.py) and sends each evaluation over a pipe. Here a
script gets its CPU budget (an interval timer interrupts Python code; RLIMIT_CPU kills the process
when one built-in call runs on past it) and its memory budget (RLIMIT_AS): a long C call or a huge
allocation stops this process, never the server. The engine's functions and clock a script calls
go back over the pipe and run in the server, inside the step that asked.
"""

from __future__ import annotations

import builtins
import decimal
import json
import math
import os
import resource
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from types import FrameType
from typing import Any

from engine import sandbox_wire as wire
from engine.errors import ScriptError
from engine.sandbox_data import DataCheck
from engine.sandbox_namespace import base_globals, describe, namespace, variables_left
from engine.sandbox_policy import compile_expression, compile_script
from engine.sandbox_types import MAX_DECIMAL_EXPONENT, read_clock_from

CLOCK = "engine clock"  # the call that reads the engine's clock; no function can be named so
MAX_OUTPUT = 64 * 1024  # characters of printed text kept per evaluation
_TICK = 0.01  # once the budget is spent, the timer fires again every 10 ms until the script has stopped
_GRACE_SECONDS = 0.25  # CPU past the budget before the kernel (whole seconds) kills a built-in call that runs on


class BudgetExceeded(BaseException):
    """Raised into the script; no handler a script may write (``except Exception``) catches it."""


class Aborted(BaseException):
    """An engine function failed in the server, which raises that error itself; the script just stops."""


class _Output:
    """Printed text, kept up to ``MAX_OUTPUT`` characters."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.room = MAX_OUTPUT

    def write(self, text: str) -> None:
        if self.room <= 0:
            return
        kept = text[:self.room]
        self.parts.append(kept if len(kept) == len(text) else kept + "\n…(output truncated)\n")
        self.room -= len(text)

    @property
    def text(self) -> str:
        return "".join(self.parts)


class _Printer:
    """RestrictedPython's print collector: ``print`` writes to the evaluation's output, ``printed`` reads
    what this scope printed."""

    def __init__(self, output: _Output, _getattr_: Any = None) -> None:
        self.output = output
        self.own = _Output()

    def _call_print(self, *objects: Any, sep: str | None = " ", end: str | None = "\n", file: Any = None,
                    flush: bool = False) -> None:
        if file is not None:
            raise ScriptError("print(file=...) is not available; printed text goes to the case's log")
        text = (" " if sep is None else sep).join(map(str, objects)) + ("\n" if end is None else end)
        self.own.write(text)
        self.output.write(text)

    def __call__(self) -> str:
        return self.own.text


class Worker:
    """Runs one evaluation at a time for the server at the other end of the pipe."""

    def __init__(self, read_fd: int, write_fd: int, memory_bytes: int, reserved_keys: list[str]) -> None:
        self.read_fd, self.write_fd = read_fd, write_fd
        self.reserved_keys = reserved_keys
        self.armed = self.in_call = self.expired = False
        self.retire = False
        self.seconds = self.started = 0.0  # the running evaluation's budget and the CPU time it began at
        self.cpu_limit = 0
        self.bases: dict[tuple[str, ...], dict[str, Any]] = {}
        self.retire_above = _limit_memory(memory_bytes)
        signal.signal(signal.SIGPROF, self._on_tick)
        context = decimal.getcontext()
        context.Emax, context.Emin = MAX_DECIMAL_EXPONENT, -MAX_DECIMAL_EXPONENT
        read_clock_from(partial(self.call, CLOCK, (), {}))

    def serve(self) -> None:
        while not self.retire:
            try:
                request = wire.receive(self.read_fd)
            except wire.WorkerGone:
                return
            self._send(self.run(*request[1:]))

    def run(self, mode: str, source: str, context: dict[str, Any], external: dict[str, Any],
            functions: tuple[str, ...], cpu_seconds: float) -> tuple[Any, ...]:
        """Evaluate (``mode`` "eval") or execute ("exec") ``source``; the message that answers the server."""
        output = _Output()
        try:
            code = compile_expression(source) if mode == "eval" else compile_script(source)
            base = self._base(functions)
            names = namespace(base, context, external)
            names.update(_print_=partial(_Printer, output), _print=_Printer(output))
            check = DataCheck(self.reserved_keys)
            with self._budget(cpu_seconds):
                value = eval(code, names)
                if mode == "exec":
                    value = variables_left(names, context, external, base)
                    check.check_variables(value)
                else:
                    check.check("the expression's value", value)
            reply: tuple[Any, ...] = ("done", value)
        except BudgetExceeded:
            reply = ("error", "timeout", "")
        except Aborted:
            reply = ("error", "aborted", "")
        except MemoryError:
            self.retire = True
            reply = ("error", "memory", "")
        except RecursionError:
            reply = ("error", "script", "script recursed too deeply")
        except ScriptError as exc:
            reply = ("error", "script", str(exc))
        except Exception as exc:  # one error type for everything a script does wrong
            reply = ("error", "script", describe(exc))
        self.retire = self.retire or _peak_resident() > self.retire_above
        return (*reply, output.text, self.retire)

    def call(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """Run an engine function (or read the engine's clock) in the server and return its answer."""
        if name != CLOCK:
            DataCheck(self.reserved_keys).check(f"the arguments of {name}()", [list(args), kwargs])
        self.in_call = True
        try:
            wire.send(self.write_fd, ("call", name, args, kwargs))
            kind, *answer, server_seconds = wire.receive(self.read_fd)
        finally:
            self.in_call = False
        if self.armed:
            self._charge_server(server_seconds)
        if kind == "ok":
            return answer[0]
        if kind == "raise":
            raise _builtin_exception(answer[0])(*answer[1])
        raise Aborted

    def _charge_server(self, server_seconds: float) -> None:
        """The budget covers the CPU time the server spends on the script's calls too: what is left of it
        after both is what the timer now allows."""
        remaining = self.seconds - server_seconds - (time.process_time() - self.started)
        if self.expired or remaining <= 0:
            raise BudgetExceeded
        signal.setitimer(signal.ITIMER_PROF, remaining, _TICK)

    def _base(self, functions: tuple[str, ...]) -> dict[str, Any]:
        base = self.bases.get(functions)
        if base is None:
            base = self.bases[functions] = base_globals({name: self._remote(name) for name in functions})
        return base

    def _remote(self, name: str) -> Callable[..., Any]:
        def function(*args: Any, **kwargs: Any) -> Any:
            return self.call(name, args, kwargs)

        function.__name__ = function.__qualname__ = name
        return function

    @contextmanager
    def _budget(self, seconds: float) -> Iterator[None]:
        self.seconds, self.started = seconds, time.process_time()
        self._limit_cpu(self.started + seconds + _GRACE_SECONDS)
        self.expired = False
        self.armed = True
        signal.setitimer(signal.ITIMER_PROF, seconds, _TICK)
        try:
            yield
        finally:
            self.armed = False
            signal.setitimer(signal.ITIMER_PROF, 0)

    def _limit_cpu(self, until: float) -> None:
        """Have the kernel kill this process at the first whole CPU second after ``until``."""
        soft = math.ceil(until)
        if soft != self.cpu_limit:  # evaluations take milliseconds: the limit rarely needs moving
            hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
            resource.setrlimit(resource.RLIMIT_CPU, (soft if hard == resource.RLIM_INFINITY else min(soft, hard),
                                                     hard))
            self.cpu_limit = soft

    def _on_tick(self, signum: int, frame: FrameType | None) -> None:
        if not self.armed:
            return
        if self.in_call:  # the server is answering; interrupting the pipe would lose its answer
            self.expired = True
            return
        raise BudgetExceeded

    def _send(self, reply: tuple[Any, ...]) -> None:
        try:
            wire.send(self.write_fd, reply)
        except MemoryError:
            self.retire = True
            wire.send(self.write_fd, ("error", "memory", "", "", True))


def _builtin_exception(name: str) -> type[Exception]:
    candidate = getattr(builtins, name, None)
    return candidate if isinstance(candidate, type) and issubclass(candidate, Exception) else RuntimeError


def _address_space() -> int:
    with open("/proc/self/statm", "rb") as statm:
        return int(statm.read().split()[0]) * resource.getpagesize()


def _peak_resident() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _limit_memory(memory_bytes: int) -> int:
    """Cap this process's address space ``memory_bytes`` above what it uses now.

    Returns the peak resident size past which the worker retires after an evaluation, so the memory a
    script made Python hold on to goes back to the system and the next script gets its whole budget.
    """
    used = _address_space()
    hard = resource.getrlimit(resource.RLIMIT_AS)[1]
    limit = used + memory_bytes if hard == resource.RLIM_INFINITY else min(used + memory_bytes, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    return _peak_resident() + memory_bytes // 4


def main(config: str) -> None:
    """Entry point of ``python -c`` in engine/sandbox.py; ``config`` is JSON from the server."""
    settings = json.loads(config)
    write_fd = os.dup(1)
    os.dup2(2, 1)  # a stray write to stdout goes to stderr, never into the pipe
    Worker(0, write_fd, settings["memory_bytes"], settings["reserved_keys"]).serve()

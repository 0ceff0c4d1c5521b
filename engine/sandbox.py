"""Scripts and expressions from process designers run here, never in Spiff's plain ``exec``.

Every script, gateway condition and timer expression is compiled with RestrictedPython (no
imports, no underscore names, no attribute writes outside plain containers), sees only a
whitelist of builtins plus the functions registered by the application, and runs under a
CPU-time budget enforced by a per-thread trace function. Repetition and exponentiation are
guarded against results that would exhaust memory in a single C call.
"""

from __future__ import annotations

import ast
import math
import operator
import re
import sys
import time
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache, wraps
from types import CodeType, FrameType, ModuleType
from typing import Any, ClassVar

from RestrictedPython import RestrictingNodeTransformer, compile_restricted_eval, compile_restricted_exec
from RestrictedPython.Eval import default_guarded_getitem
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safer_getattr,
)
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from engine.errors import EngineError, ScriptError

DEFAULT_CPU_SECONDS = 1.0
MAX_SEQUENCE = 1_000_000
MAX_INT_BITS = 100_000


class ScriptTimeout(ScriptError):
    """A script used more CPU time than its budget."""


class _BudgetExceeded(BaseException):
    """Raised inside the script: no handler a script may write (``except Exception``) catches it."""


class _GuardedArithmetic(RestrictingNodeTransformer):
    """RestrictedPython's policy plus guards on ``*`` and ``**``, which can exhaust memory in one call."""

    _GUARDS: ClassVar[dict[type, str]] = {ast.Mult: "_mul_", ast.Pow: "_pow_", ast.LShift: "_lshift_",
                                          ast.Mod: "_mod_"}

    def visit_Import(self, node: ast.AST) -> None:
        self.error(node, "import is not allowed in process scripts")

    visit_ImportFrom = visit_Import

    def visit_Try(self, node: ast.Try) -> ast.AST:
        if node.finalbody:
            self.error(node, "finally is not allowed in process scripts")
        if any(handler.type is None for handler in node.handlers):
            self.error(node, "a bare except is not allowed; name the exception")
        return self.node_contents_visit(node)

    def visit_FormattedValue(self, node: ast.FormattedValue) -> ast.AST:
        spec = node.format_spec
        if spec is not None and not all(isinstance(v, ast.Constant) for v in spec.values):
            self.error(node, "computed format specifications are not allowed")
        elif spec is not None and _HUGE_WIDTH.search("".join(str(v.value) for v in spec.values)):
            self.error(node, "format width too large")
        return self.node_contents_visit(node)

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        node = self.node_contents_visit(node)
        guard = self._GUARDS.get(type(node.op))
        if guard is None:
            return node
        call = ast.Call(func=ast.Name(id=guard, ctx=ast.Load()), args=[node.left, node.right], keywords=[])
        return ast.fix_missing_locations(ast.copy_location(call, node))


def _guarded_mul(left: Any, right: Any) -> Any:
    for seq, count in ((left, right), (right, left)):
        if isinstance(seq, str | bytes | list | tuple) and isinstance(count, int) and len(seq) * count > MAX_SEQUENCE:
            raise ScriptError(f"sequence longer than {MAX_SEQUENCE} items")
    return left * right


def _guarded_pow(base: Any, exponent: Any) -> Any:
    too_big = isinstance(base, int) and isinstance(exponent, int) and exponent > 0 \
        and max(abs(base), 2).bit_length() * exponent > MAX_INT_BITS
    if too_big:
        raise ScriptError("number too large")
    return base**exponent


def _guarded_lshift(value: Any, shift: Any) -> Any:
    if isinstance(value, int) and isinstance(shift, int) and value.bit_length() + shift > MAX_INT_BITS:
        raise ScriptError("number too large")
    return value << shift


_HUGE_WIDTH = re.compile(r"\d{7,}")
_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?([^a-zA-Z%]*)")


def _guarded_mod(left: Any, right: Any) -> Any:
    if isinstance(left, str | bytes):
        text = left.decode("latin-1") if isinstance(left, bytes) else left
        for flags in _PERCENT_SPEC.findall(text):
            if "*" in flags or _HUGE_WIDTH.search(flags):
                raise ScriptError("format width too large")
    return left % right


_PADDING = frozenset({"ljust", "rjust", "center", "zfill", "expandtabs"})


def _guarded_getattr(obj: Any, name: str, *default: Any) -> Any:
    value = safer_getattr(obj, name, *default)
    if name in _PADDING and isinstance(obj, str | bytes):
        def padded(width: int = 8, *args: Any) -> Any:
            if isinstance(width, int) and width > MAX_SEQUENCE:
                raise ScriptError(f"string longer than {MAX_SEQUENCE} characters")
            return value(width, *args)
        return padded
    return value


def _bounded_range(*args: int) -> range:
    result = range(*args)
    if len(result) > MAX_SEQUENCE:
        raise ScriptError(f"range longer than {MAX_SEQUENCE} items")
    return result


_INPLACE = {
    "+=": operator.iadd, "-=": operator.isub, "*=": _guarded_mul, "/=": operator.itruediv,
    "//=": operator.ifloordiv, "%=": _guarded_mod, "**=": _guarded_pow,
    "|=": operator.ior, "&=": operator.iand,
}


def _inplace_var(op: str, target: Any, value: Any) -> Any:
    try:
        return _INPLACE[op](target, value)
    except KeyError:
        raise ScriptError(f"operator {op} is not allowed") from None


def _safe_import(*_args: Any, **_kwargs: Any) -> None:
    raise ScriptError("import is not allowed in process scripts")


SAFE_BUILTINS: dict[str, Any] = {
    "None": None, "True": True, "False": False,
    "abs": abs, "all": all, "any": any, "bool": bool, "dict": dict, "divmod": divmod,
    "enumerate": enumerate, "filter": filter, "float": float, "int": int, "isinstance": isinstance,
    "len": len, "list": list, "map": map, "max": max, "min": min, "range": _bounded_range,
    "reversed": reversed, "round": round, "set": set, "sorted": sorted, "str": str, "sum": sum,
    "tuple": tuple, "zip": zip,
    "date": date, "datetime": datetime, "timedelta": timedelta, "Decimal": Decimal,
    "ceil": math.ceil, "floor": math.floor,
    "ValueError": ValueError, "KeyError": KeyError, "TypeError": TypeError, "Exception": Exception,
    "__import__": _safe_import,
}


@lru_cache(maxsize=4096)
def compile_expression(source: str) -> CodeType:
    """Compile an expression under the sandbox policy; raises ``ScriptError`` naming the problem."""
    return _compile(source, "eval")


@lru_cache(maxsize=4096)
def compile_script(source: str) -> CodeType:
    """Compile a script (statements) under the sandbox policy."""
    return _compile(source, "exec")


def _compile(source: str, mode: str) -> CodeType:
    compiler = compile_restricted_eval if mode == "eval" else compile_restricted_exec
    result = compiler(source.strip() if mode == "eval" else source, "<script>", policy=_GuardedArithmetic)
    if result.errors:
        raise ScriptError("; ".join(result.errors))
    return result.code


class _CpuBudget:
    """A trace function that aborts the traced code once it has used ``seconds`` of CPU time."""

    def __init__(self, seconds: float) -> None:
        self.deadline = time.thread_time() + seconds
        self.seconds = seconds

    def __call__(self, frame: FrameType, event: str, arg: Any) -> Callable | None:
        frame.f_trace_opcodes = True  # a loop on a single line emits no 'line' events
        if time.thread_time() > self.deadline:
            raise _BudgetExceeded
        return self


class SandboxEnvironment(BasePythonScriptEngineEnvironment):
    """Spiff script environment that evaluates everything through the RestrictedPython sandbox."""

    def __init__(self, functions: Mapping[str, Callable] | None = None,
                 cpu_seconds: float = DEFAULT_CPU_SECONDS) -> None:
        super().__init__({name: _untraced(function) for name, function in (functions or {}).items()})
        self.cpu_seconds = cpu_seconds
        self._base = self._build_globals()

    def _build_globals(self) -> dict[str, Any]:
        return {
            "__builtins__": SAFE_BUILTINS,
            "__name__": "fangpin_script",
            "__metaclass__": type,
            "_getattr_": _guarded_getattr,
            "_getitem_": default_guarded_getitem,
            "_getiter_": iter,
            "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
            "_unpack_sequence_": guarded_unpack_sequence,
            "_write_": full_write_guard,
            "_inplacevar_": _inplace_var,
            "_mul_": _guarded_mul,
            "_pow_": _guarded_pow,
            "_lshift_": _guarded_lshift,
            "_mod_": _guarded_mod,
            **{name: value for name, value in SAFE_BUILTINS.items() if not name.startswith("_")},
            **self.globals,
        }

    def _run(self, code: CodeType, namespace: dict[str, Any]) -> Any:
        previous = sys.gettrace()
        sys.settrace(_CpuBudget(self.cpu_seconds))
        try:
            return eval(code, namespace)
        except EngineError:
            raise  # ScriptError, and InvalidData from a domain function (the step is refused, not failed)
        except _BudgetExceeded:
            raise ScriptTimeout(f"script exceeded its CPU time budget of {self.cpu_seconds:g} s") from None
        except RecursionError:
            raise ScriptError("script recursed too deeply") from None
        except Exception as exc:  # one error type for everything a script does wrong
            raise ScriptError(f"{type(exc).__name__}: {exc}") from exc
        finally:
            sys.settrace(previous)

    def evaluate(self, expression: str, context: dict, external_context: dict | None = None) -> Any:
        namespace = {**self._base, **(external_context or {}), **context}
        namespace.update(self._base)  # data can never shadow a guard or a whitelisted function
        return self._run(compile_expression(expression), namespace)

    def execute(self, script: str, context: dict, external_context: dict | None = None) -> bool:
        namespace = {**(external_context or {}), **context, **self._base}
        self._run(compile_script(script), namespace)
        reserved = self._base.keys() | (external_context or {}).keys()
        result = {k: v for k, v in namespace.items() if k not in reserved and _is_data(v)}
        result.update({k: v for k, v in context.items() if k in self._base})  # data named like a function
        context.clear()
        context.update(result)
        return True

    def call_service(self, context: dict, **kwargs: Any) -> Any:
        raise ScriptError("service tasks are not available")


def _untraced(function: Callable) -> Callable:
    """Whitelisted functions are trusted code: run them without the budget's per-opcode tracing."""

    @wraps(function)
    def call(*args: Any, **kwargs: Any) -> Any:
        budget = sys.gettrace()
        sys.settrace(None)
        try:
            return function(*args, **kwargs)
        finally:
            sys.settrace(budget)

    return call


def _is_data(value: Any) -> bool:
    return not callable(value) and not isinstance(value, ModuleType)


def sandboxed_script_engine(functions: Mapping[str, Callable] | None = None,
                            cpu_seconds: float = DEFAULT_CPU_SECONDS) -> PythonScriptEngine:
    """A Spiff script engine whose every evaluation goes through the sandbox."""
    return PythonScriptEngine(environment=SandboxEnvironment(functions, cpu_seconds))

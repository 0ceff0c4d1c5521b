"""The namespace a script runs in, what it leaves behind, and how its errors read.

Shared by the worker process and by expressions the server evaluates itself (sandbox_inline.py),
so both see the same names: the whitelisted builtins, the guards RestrictedPython's code calls, the
engine's functions, and ``defined``/``get`` bound to the evaluation's own variables. Task data comes
first and the base after it, so data can never shadow a guard or a function.
"""

from __future__ import annotations

import decimal
import reprlib
from collections.abc import Callable, Mapping
from typing import Any

from engine.sandbox_guards import GUARDS, SAFE_BUILTINS

_MISSING = object()


def base_globals(functions: Mapping[str, Callable[..., Any]]) -> dict[str, Any]:
    """Builtins, guards and the engine's functions: the names no task data may shadow."""
    return {
        "__builtins__": SAFE_BUILTINS, "__name__": "fangpin_script", "__metaclass__": type,
        **GUARDS,
        **{name: value for name, value in SAFE_BUILTINS.items() if not name.startswith("_")},
        **functions,
        "defined": None, "get": None,  # bound to each evaluation's namespace by ``namespace``
    }


def namespace(base: Mapping[str, Any], context: Mapping[str, Any],
              external: Mapping[str, Any]) -> dict[str, Any]:
    """The globals one evaluation runs with."""
    names = {**external, **context, **base}
    names.update(_readers(names, context, base))
    return names


def _readers(names: dict[str, Any], context: Mapping[str, Any],
             base: Mapping[str, Any]) -> dict[str, Callable[..., Any]]:
    """``defined(name)`` and ``get(name, default)``: what ``locals()`` is used for, without the guards."""

    def lookup(name: Any) -> Any:
        if not isinstance(name, str) or name.startswith("_"):
            return _MISSING
        if name in base:  # task data named like a function is still data
            return context.get(name, _MISSING)
        return names.get(name, _MISSING)

    def defined(name: str) -> bool:
        return lookup(name) is not _MISSING

    def get(name: str, default: Any = None) -> Any:
        value = lookup(name)
        return default if value is _MISSING else value

    return {"defined": defined, "get": get}


def variables_left(names: Mapping[str, Any], context: Mapping[str, Any], external: Mapping[str, Any],
                   base: Mapping[str, Any]) -> dict[str, Any]:
    """The task data a script leaves: its variables and the data it was given, without functions."""
    reserved = base.keys() | external.keys()
    result = {k: v for k, v in names.items() if k not in reserved and not k.startswith("_") and not callable(v)}
    result.update({k: v for k, v in context.items() if k in base})
    return result


def describe(exc: Exception) -> str:
    """``Type: message``, never longer than a few lines whatever the exception holds."""
    try:
        if isinstance(exc, decimal.DecimalException):  # its args are lists of signal classes
            text = ", ".join(getattr(condition, "__name__", "") for args in exc.args for condition in args)
        elif all(isinstance(arg, str | int | float | bool) for arg in exc.args):
            text = str(exc)
        else:
            text = reprlib.repr(exc.args)
    except Exception:
        text = "(message cannot be shown)"
    return f"{type(exc).__name__}: {text if len(text) <= 500 else text[:500] + '…'}"

"""Run-time guards and the builtins scripts see.

The worker process running scripts is bounded by the operating system (CPU time and address space),
so no script can hold up or swell the server whatever it calls. These guards come before that: they
check sizes *before* the calls that most easily build a huge value in one step (``+``, ``*``, ``**``,
``<<``, ``%``, ``join``, ``replace``, padding, ``format``, ``extend``, ``sum`` of lists), so those
scripts fail at once with a message that says what went wrong.
"""

from __future__ import annotations

import _string  # the parser str.format itself uses
import math
import operator
import re
import string
from collections.abc import Callable, Iterable, Sized
from contextlib import suppress
from datetime import timedelta
from functools import partial
from typing import Any

from RestrictedPython.Eval import default_guarded_getitem
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safer_getattr,
)

from engine.errors import ScriptError
from engine.sandbox_policy import HUGE_WIDTH
from engine.sandbox_types import ScriptDate, ScriptDatetime, ScriptDecimal, clock_reader

MAX_SEQUENCE = 1_000_000
MAX_INT_BITS = 100_000
_SEQUENCES = (str, bytes, list, tuple)


def _check_length(length: int) -> None:
    if length > MAX_SEQUENCE:
        raise ScriptError(f"sequence longer than {MAX_SEQUENCE} items")


def guarded_add(left: Any, right: Any) -> Any:
    if isinstance(left, _SEQUENCES) and isinstance(right, _SEQUENCES):
        _check_length(len(left) + len(right))
    return left + right


def guarded_mul(left: Any, right: Any) -> Any:
    for seq, count in ((left, right), (right, left)):
        if isinstance(seq, _SEQUENCES) and isinstance(count, int):
            _check_length(len(seq) * count)
    if isinstance(left, int) and isinstance(right, int) and left.bit_length() + right.bit_length() > MAX_INT_BITS:
        raise ScriptError("number too large")
    return left * right


def guarded_pow(base: Any, exponent: Any) -> Any:
    too_big = isinstance(base, int) and isinstance(exponent, int) and exponent > 0 \
        and max(abs(base), 2).bit_length() * exponent > MAX_INT_BITS
    if too_big:
        raise ScriptError("number too large")
    return base**exponent


def guarded_lshift(value: Any, shift: Any) -> Any:
    if isinstance(value, int) and isinstance(shift, int) and value.bit_length() + shift > MAX_INT_BITS:
        raise ScriptError("number too large")
    return value << shift


def guarded_mod(left: Any, right: Any) -> Any:
    if isinstance(left, str | bytes):
        text = left.decode("latin-1") if isinstance(left, bytes) else left
        for flags in _PERCENT_SPEC.findall(text):
            if "*" in flags or HUGE_WIDTH.search(flags):
                raise ScriptError("format width too large")
    return left % right


_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?([^a-zA-Z%]*)")


def _materialized(values: Iterable[Any]) -> list[Any] | tuple[Any, ...] | str | bytes:
    """An iterator read into a list first, so a C call never iterates over what it is growing."""
    return values if isinstance(values, _SEQUENCES) else list(values)


def guarded_iadd(target: Any, value: Any) -> Any:
    if isinstance(target, list):
        value = _materialized(value)
    if isinstance(target, _SEQUENCES) and isinstance(value, Sized):
        _check_length(len(target) + len(value))
    return operator.iadd(target, value)


_INPLACE: dict[str, Callable[[Any, Any], Any]] = {
    "+=": guarded_iadd, "-=": operator.isub, "*=": guarded_mul, "/=": operator.itruediv,
    "//=": operator.ifloordiv, "%=": guarded_mod, "**=": guarded_pow,
    "|=": operator.ior, "&=": operator.iand,
}


def inplace_var(op: str, target: Any, value: Any) -> Any:
    try:
        guard = _INPLACE[op]
    except KeyError:
        raise ScriptError(f"operator {op} is not allowed") from None
    return guard(target, value)


def guarded_sum(values: Iterable[Any], start: Any = 0) -> Any:
    """``sum``; adding up lists or tuples is quadratic in one C call, so it goes item by item through ``+``."""
    if not isinstance(start, list | tuple):
        return sum(values, start)
    total = start
    for value in values:
        total = guarded_add(total, value)
    return total


def bounded_range(*args: int) -> range:
    result = range(*args)
    _check_length(len(result))
    return result


# --- methods of str and list that can build a huge value in one call


def _join(separator: str | bytes, values: Iterable[Any]) -> Any:
    values = _materialized(values)
    with suppress(TypeError):  # an item without a length: join itself says which item is not a string
        _check_length(len(separator) * max(len(values) - 1, 0) + sum(map(len, values)))
    return separator.join(values)


def _replace(text: str | bytes, old: Any, new: Any, count: int = -1) -> Any:
    if isinstance(old, str | bytes) and isinstance(new, str | bytes) and len(new) > len(old):
        occurrences = text.count(old)
        if isinstance(count, int) and count >= 0:
            occurrences = min(occurrences, count)
        _check_length(len(text) + occurrences * (len(new) - len(old)))
    return text.replace(old, new, count)


def _padded(method: str) -> Callable[..., Any]:
    def pad(text: str | bytes, *args: Any, **kwargs: Any) -> Any:
        width = args[0] if args else kwargs.get("tabsize", 8)
        if isinstance(width, int):
            tabs = text.count("\t" if isinstance(text, str) else b"\t") if method == "expandtabs" else 1
            _check_length(width * tabs)
        return getattr(text, method)(*args, **kwargs)
    return pad


def _extend(target: list[Any], values: Iterable[Any]) -> None:
    values = _materialized(values)
    _check_length(len(target) + len(values))
    target.extend(values)


class _SafeFormatter(string.Formatter):
    """``str.format`` whose fields reach attributes and items only through the sandbox's guards."""

    def get_field(self, field_name: str, args: Any, kwargs: Any) -> Any:
        first, rest = _string.formatter_field_name_split(field_name)
        value = self.get_value(first, args, kwargs)
        for is_attribute, key in rest:
            value = guarded_getattr(value, key) if is_attribute else default_guarded_getitem(value, key)
        return value, first

    def format_field(self, value: Any, format_spec: str) -> Any:
        if HUGE_WIDTH.search(format_spec):
            raise ScriptError("format width too large")
        return format(value, format_spec)


_FORMATTER = _SafeFormatter()


def _format(template: str, *args: Any, **kwargs: Any) -> str:
    return _FORMATTER.vformat(template, args, kwargs)


def _format_map(template: str, mapping: Any) -> str:
    return _FORMATTER.vformat(template, (), mapping)


_TEXT_METHODS: dict[str, Callable[..., Any]] = {
    "join": _join, "replace": _replace, "format": _format, "format_map": _format_map,
    **{name: _padded(name) for name in ("ljust", "rjust", "center", "zfill", "expandtabs")},
}


def guarded_getattr(obj: Any, name: str, *default: Any) -> Any:
    """RestrictedPython's ``safer_getattr``, with size-checked text and list methods and the engine's clock."""
    if isinstance(obj, str | bytes) or obj is str:
        method = _TEXT_METHODS.get(name)
        if method is not None and not (isinstance(obj, bytes) and name.startswith("format")):
            return method if obj is str else partial(method, obj)
    elif isinstance(obj, list) and name == "extend":
        return partial(_extend, obj)
    reader = clock_reader(obj, name)
    if reader is not None:
        return reader
    return safer_getattr(obj, name, *default)


def _safe_import(*_args: Any, **_kwargs: Any) -> None:
    raise ScriptError("import is not allowed in process scripts")


SAFE_BUILTINS: dict[str, Any] = {
    "None": None, "True": True, "False": False,
    "abs": abs, "all": all, "any": any, "bool": bool, "dict": dict, "divmod": divmod,
    "enumerate": enumerate, "filter": filter, "float": float, "int": int, "isinstance": isinstance,
    "len": len, "list": list, "map": map, "max": max, "min": min, "range": bounded_range,
    "reversed": reversed, "round": round, "set": set, "sorted": sorted, "str": str, "sum": guarded_sum,
    "tuple": tuple, "zip": zip,
    "date": ScriptDate, "datetime": ScriptDatetime, "timedelta": timedelta, "Decimal": ScriptDecimal,
    "ceil": math.ceil, "floor": math.floor,
    "ValueError": ValueError, "KeyError": KeyError, "TypeError": TypeError, "Exception": Exception,
    "__import__": _safe_import,
}

GUARDS: dict[str, Any] = {
    "_getattr_": guarded_getattr,
    "_getitem_": default_guarded_getitem,
    "_getiter_": iter,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_write_": full_write_guard,
    "_inplacevar_": inplace_var,
    "_add_": guarded_add,
    "_mul_": guarded_mul,
    "_pow_": guarded_pow,
    "_lshift_": guarded_lshift,
    "_mod_": guarded_mod,
}

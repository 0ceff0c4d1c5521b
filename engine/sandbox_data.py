"""What may leave the sandbox: values the task data serializer can store, of bounded depth and size.

A script's variables become task data, which Spiff writes as JSON at every save of the instance. A
value it cannot serialize, 20,000 nested lists, or a list holding one long string a million times
(JSON writes every reference out in full) would make that save fail, and every later one: the
instance would be wedged for good. Such values are refused as the script ends, naming the variable,
so the failure is the script's and is recorded as such. Arguments a script passes to the engine's
functions are held to the same rules, since they run in the server.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from engine.errors import ScriptError

MAX_DEPTH = 32
MAX_SIZE = 1_000_000  # values plus characters, counted as JSON writes them (shared references each time)

# JSON writes str, int, float and None and their subclasses itself; engine/serialization.py and Spiff
# register the other scalars by exact type (tests/engine/test_sandbox_data.py round-trips each one).
_JSON_LEAVES = (str, int, float, type(None))
_SCALARS = frozenset({int, float, bool, type(None), date, datetime, timedelta, Decimal, UUID})
_CONTAINERS = (list, tuple, set, dict)
_KEYS = (str, int, float, type(None))  # what json.dumps accepts as an object key


class DataCheck:
    """Checks values against one size budget, so the limit holds for all of a script's variables together."""

    def __init__(self, reserved_keys: Collection[str] = (), max_size: int = MAX_SIZE) -> None:
        self.reserved_keys = frozenset(reserved_keys)
        self.remaining = max_size
        self.max_size = max_size

    def check_variables(self, variables: Mapping[str, Any]) -> None:
        for name, value in variables.items():
            self.check(f"variable {name!r}", value)

    def check(self, what: str, value: Any) -> None:
        """Raise ``ScriptError`` saying what is wrong with ``value``, which ``what`` names for the designer."""
        stack: list[tuple[Iterable[Any], int]] = [((value,), -1)]  # values to count, their container's depth
        while stack:
            values, depth = stack.pop()
            for item in values:
                kind = type(item)
                if kind is str:
                    self.remaining -= len(item) + 1
                elif kind in _SCALARS:
                    self.remaining -= 1
                else:
                    self._enter(what, item, depth + 1, stack)
            if self.remaining < 0:
                self._too_large(what)

    def _enter(self, what: str, item: Any, depth: int, stack: list[tuple[Iterable[Any], int]]) -> None:
        self.remaining -= 1
        if isinstance(item, _JSON_LEAVES):  # a subclass, e.g. an IntEnum
            self.remaining -= len(item) if isinstance(item, str) else 0
            return
        if not isinstance(item, _CONTAINERS):
            raise ScriptError(f"{what}: holds a {type(item).__name__}, which task data cannot store")
        if depth >= MAX_DEPTH:
            raise ScriptError(f"{what}: nested deeper than {MAX_DEPTH} levels")
        if len(item) > self.remaining:
            self._too_large(what)
        if isinstance(item, dict):
            self._check_keys(what, item)
            stack.append((item.values(), depth))
        else:
            stack.append((item, depth))

    def _too_large(self, what: str) -> None:
        raise ScriptError(f"{what}: too large for task data (more than {self.max_size:,} values and characters)")

    def _check_keys(self, what: str, item: dict[Any, Any]) -> None:
        for key in item:
            if not isinstance(key, _KEYS):
                raise ScriptError(f"{what}: has a key of type {type(key).__name__}; task data keys are strings")
            if key in self.reserved_keys:
                raise ScriptError(f"{what}: uses the reserved key {key!r}")

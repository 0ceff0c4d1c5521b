"""The types scripts see in place of ``date``, ``datetime`` and ``Decimal``.

Every clock a script can reach is the engine's: timers and ``now()`` read the engine's clock (frozen
in tests, moved by ``timers run --now``), so ``datetime.now()`` and ``date.today()`` read it too.
Decimals are kept within an exponent whose conversion to ``int`` stays cheap (``int(Decimal('1e9'
'9999999'))`` would otherwise run for minutes in one call). The names scripts get are stand-ins:
calling one builds a plain ``date``/``datetime``/``Decimal`` (what the task data serializer knows),
and ``isinstance(x, datetime)`` holds for data. The worker installs where the time comes from (a call
back to the engine) with ``read_clock_from``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal
from typing import Any

from engine.calendar import CHINA_TZ
from engine.errors import ScriptError

MAX_DECIMAL_EXPONENT = 30_000  # digits; int() of such a Decimal takes milliseconds, of 1e1000000 half a minute
CLOCK_READERS = frozenset({"now", "today", "utcnow"})

_source: list[Callable[[], datetime]] = []


def read_clock_from(source: Callable[[], datetime]) -> None:
    """Make ``source`` (returning an aware time) the clock behind every stand-in in this process."""
    _source[:] = [source]


def engine_now() -> datetime:
    if not _source:
        raise RuntimeError("no engine clock is installed in this process")
    return _source[0]()


class _StandIn(type):
    """Metaclass of the stand-ins: construction, isinstance and other class attributes go to the real type."""

    _real: type

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        return cls._checked(cls._real(*args, **kwargs))

    def _checked(cls, value: Any) -> Any:
        return value

    def __instancecheck__(cls, instance: Any) -> bool:
        return isinstance(instance, cls._real)

    def __subclasscheck__(cls, subclass: type) -> bool:
        return issubclass(subclass, cls._real)

    def __getattr__(cls, name: str) -> Any:
        return getattr(cls._real, name)

    def __repr__(cls) -> str:
        return repr(cls._real)


class ScriptDate(metaclass=_StandIn):
    """``date`` for scripts: ``today()`` is the engine's date in China Standard Time (as ``today()``)."""

    _real = date

    @staticmethod
    def today() -> date:
        return engine_now().astimezone(CHINA_TZ).date()


class ScriptDatetime(metaclass=_StandIn):
    """``datetime`` for scripts: local time means China Standard Time, read from the engine's clock."""

    _real = datetime

    @staticmethod
    def now(tz: tzinfo | None = None) -> datetime:
        current = engine_now()
        return current.astimezone(tz) if tz is not None else current.astimezone(CHINA_TZ).replace(tzinfo=None)

    @staticmethod
    def today() -> datetime:
        return ScriptDatetime.now()

    @staticmethod
    def utcnow() -> datetime:
        return engine_now().astimezone(UTC).replace(tzinfo=None)


class _DecimalStandIn(_StandIn):
    def _checked(cls, value: Decimal) -> Decimal:
        if value.is_finite() and abs(value.adjusted()) > MAX_DECIMAL_EXPONENT:
            raise ScriptError(f"decimal number beyond 1e{MAX_DECIMAL_EXPONENT}")
        return value


class ScriptDecimal(metaclass=_DecimalStandIn):
    """``Decimal`` for scripts; the worker's decimal context keeps arithmetic within the same exponent."""

    _real = Decimal


def clock_reader(value: Any, name: str) -> Any:
    """The engine-clock method a script gets for ``value.now`` / ``value.today`` on a date or datetime."""
    if name in CLOCK_READERS and isinstance(value, date):
        return getattr(ScriptDatetime if isinstance(value, datetime) else ScriptDate, name, None)
    return None

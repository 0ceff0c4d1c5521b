"""The engine's clock.

SpiffWorkflow reads ``datetime.now(timezone.utc)`` inside its timer module and offers no hook.
We replace that module's ``datetime`` once with a subclass whose ``now()`` asks the clock that is
active in the current context, so tests and ``fangpin timers run --now`` travel in time without
sleeping, and two threads with different clocks never see each other's time.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from SpiffWorkflow.bpmn.specs.event_definitions import timer as _spiff_timer


class Clock:
    """The real clock: timezone-aware UTC now."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock(Clock):
    """A clock that only moves when told to; what tests and ``--now`` use."""

    def __init__(self, at: datetime) -> None:
        self._at = _aware(at)

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        self._at = _aware(at)

    def advance(self, delta: timedelta) -> datetime:
        self._at += delta
        return self._at


class RunningClock(Clock):
    """A clock set to ``start`` that runs on at the speed of ``source`` (the real clock): a training or
    acceptance server lives on a date of its choosing, and its timers still fire as time passes."""

    def __init__(self, start: datetime, source: Clock | None = None) -> None:
        self._source = source or Clock()
        self._offset = _aware(start) - self._source.now()
        self._zone = start.tzinfo

    def now(self) -> datetime:
        return (self._source.now() + self._offset).astimezone(self._zone)


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("clock times must be timezone-aware")
    return at


_REAL_CLOCK = Clock()
_active: contextvars.ContextVar[Clock] = contextvars.ContextVar("fangpin_clock", default=_REAL_CLOCK)


def now() -> datetime:
    """The time according to the clock active in this context."""
    return _active.get().now()


@contextmanager
def using_clock(clock: Clock) -> Iterator[Clock]:
    """Make ``clock`` the time source for everything run inside the block (this context only)."""
    token = _active.set(clock)
    try:
        yield clock
    finally:
        _active.reset(token)


class _ClockDatetime(datetime):
    """``datetime`` whose ``now()`` reads the active clock; installed into Spiff's timer module."""

    @classmethod
    def now(cls, tz=None):  # type: ignore[override]
        current = _active.get().now()
        return current.astimezone(tz) if tz is not None else current.astimezone().replace(tzinfo=None)


_spiff_timer.datetime = _ClockDatetime

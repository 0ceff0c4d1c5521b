"""The clocks: a running clock starts where it is set and keeps pace with its source."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from engine.clock import FrozenClock, RunningClock

CST = timezone(timedelta(hours=8))


def test_a_running_clock_starts_at_its_time_and_keeps_pace_with_its_source():
    source = FrozenClock(datetime(2030, 6, 1, 0, 0, tzinfo=UTC))
    clock = RunningClock(datetime(2026, 12, 1, 9, 0, tzinfo=CST), source)
    assert clock.now() == datetime(2026, 12, 1, 9, 0, tzinfo=CST)
    source.advance(timedelta(days=5, minutes=1))
    assert clock.now() == datetime(2026, 12, 6, 9, 1, tzinfo=CST)
    assert clock.now().utcoffset() == timedelta(hours=8)


def test_a_running_clock_refuses_a_naive_start():
    with pytest.raises(ValueError, match="timezone-aware"):
        RunningClock(datetime(2026, 12, 1, 9, 0))

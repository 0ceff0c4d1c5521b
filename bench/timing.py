"""What every benchmark prints for a call: its median and 95th percentile over repeated runs, after one warm-up."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any


def timed(runs: int, call: Callable[[], Any]) -> str:
    call()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return f"p50 {statistics.median(times):7.1f} ms   p95 {times[int(len(times) * 0.95) - 1]:7.1f} ms"

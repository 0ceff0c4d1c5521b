"""CPU time a step's own work costs: the thread's CPU time less the garbage collector's pauses in it.

A budget on scripts and their calls must not fail a case because the collector happened to sweep a large heap in
the middle of a domain function (seen on a busy server as ``ScriptTimeout`` on an ordinary step): that time is the
process's housekeeping, not the script's doing. The collector runs in the thread that triggered it, so its
pauses are counted per thread.
"""

from __future__ import annotations

import gc
import threading
import time
from typing import Any

_pauses = threading.local()


def _on_collection(phase: str, info: dict[str, Any]) -> None:
    if phase == "start":
        _pauses.began = time.thread_time()
    elif getattr(_pauses, "began", None) is not None:
        _pauses.total = getattr(_pauses, "total", 0.0) + time.thread_time() - _pauses.began
        _pauses.began = None


gc.callbacks.append(_on_collection)


def collector_seconds() -> float:
    """CPU seconds this thread has spent in the garbage collector so far."""
    return getattr(_pauses, "total", 0.0)


def work_time() -> float:
    """This thread's CPU time without its collector pauses: the clock script and step budgets run on."""
    return time.thread_time() - collector_seconds()

"""What the machine's cores did while a bench ran, beside its processes' own CPU: idle, and stolen by the host.

On a virtual machine the host may run other guests on this one's cores while it wants them ("steal"): a run slowed
so reads as slow as a run of slower code, unless the bench prints how much was stolen during it.
"""

from __future__ import annotations

import os
from pathlib import Path


def core_seconds(stat: str) -> tuple[float, float]:
    """Idle (with I/O-wait) and stolen seconds of all cores so far, from the text of /proc/stat (its first line:
    ``cpu user nice system idle iowait irq softirq steal …``, in clock ticks)."""
    ticks = [int(each) for each in stat.split("\n", 1)[0].split()[1:]]
    return (ticks[3] + ticks[4]) / os.sysconf("SC_CLK_TCK"), ticks[7] / os.sysconf("SC_CLK_TCK")


def cores_now() -> tuple[float, float]:
    """``core_seconds`` of this machine now (Linux)."""
    return core_seconds(Path("/proc/stat").read_text())

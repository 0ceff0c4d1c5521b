"""How notices are named on the wall and on screen."""

from __future__ import annotations

from monitoring import processes

HOTLINE = "12317"


def stage_name(stage: str) -> str:
    """As the process that posts it names it (``monitoring.processes``)."""
    return processes.stage_title(stage)

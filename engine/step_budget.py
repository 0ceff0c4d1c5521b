"""How much automatic work one step may do before it is stopped and recorded as failed.

The sandbox bounds each script, but not a process that keeps running automatic tasks, e.g. a call
activity that calls its own process: Spiff would loop while the step holds the instance lock.
Every engine task a step completes is counted, and the step's CPU time measured, against limits
set on the ``Engine``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from engine.errors import EngineError

DEFAULT_MAX_TASKS = 10_000
DEFAULT_MAX_SECONDS = 10.0


class StepLimitExceeded(EngineError):
    """A step ran more automatic tasks, or for longer, than one step may."""

    code = "step_limit_exceeded"


@dataclass(frozen=True)
class StepLimits:
    """Limits per step; ``timer`` measures seconds (thread CPU time: waiting on a lock is not work)."""

    max_tasks: int = DEFAULT_MAX_TASKS
    max_seconds: float = DEFAULT_MAX_SECONDS
    timer: Callable[[], float] = time.thread_time

    def budget(self) -> StepBudget:
        return StepBudget(self)


@dataclass
class StepBudget:
    """What one step has used so far; ``spend`` raises once a limit is passed."""

    limits: StepLimits
    tasks: int = 0
    started: float = field(init=False)

    def __post_init__(self) -> None:
        self.started = self.limits.timer()

    def spend(self) -> None:
        """Count one completed engine task and check both limits."""
        self.tasks += 1
        if self.tasks > self.limits.max_tasks:
            raise StepLimitExceeded(f"一次处理中自动执行的任务超过 {self.limits.max_tasks} 个,"
                                    " 流程可能在无限循环或无限调用自身, 已停止")
        used = self.limits.timer() - self.started
        if used > self.limits.max_seconds:
            raise StepLimitExceeded(f"一次处理用时超过 {self.limits.max_seconds:g} 秒"
                                    f" (已自动执行 {self.tasks} 个任务), 已停止")

"""How much automatic work one step may do before it is stopped and recorded as failed.

The sandbox bounds each script, but not a process that keeps running automatic tasks, e.g. a call
activity that calls its own process: Spiff would loop while the step holds the instance lock.
Every engine task a step completes is counted, and the step's time measured, against limits set on
the ``Engine``. A parallel multi-instance task creates all its instances at once, inside another
task's run, so the tasks each (sub)process gained in the step are counted too: such a step fails
instead of saving thousands of task rows. Spiff gives control back only between tasks, so one long
task is the sandbox's to bound.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.workflow import Workflow

from engine.cpu_time import work_time
from engine.errors import EngineError

DEFAULT_MAX_TASKS = 10_000
DEFAULT_MAX_SECONDS = 10.0


class StepLimitExceeded(EngineError):
    """A step ran or created more tasks, or ran for longer, than one step may."""

    code = "step_limit_exceeded"


@dataclass(frozen=True)
class StepLimits:
    """Limits per step; ``timer`` measures the CPU seconds the step's own thread spends (tests inject one).

    CPU time, not wall time: a loaded server (or a slow database or sandbox worker, bounded on their own) must not
    fail an honest step, while a process looping through automatic tasks burns this thread's CPU and is stopped.
    """

    max_tasks: int = DEFAULT_MAX_TASKS
    max_seconds: float = DEFAULT_MAX_SECONDS
    timer: Callable[[], float] = work_time

    def budget(self, workflow: BpmnWorkflow) -> StepBudget:
        """A fresh budget for a step that starts from ``workflow`` as it is now."""
        return StepBudget(self, {id(wf): len(wf.tasks) for wf in _workflows(workflow)})


@dataclass
class StepBudget:
    """What one step has used so far; each check raises ``StepLimitExceeded`` once a limit is passed."""

    limits: StepLimits
    sizes_before: dict[int, int]  # id of each (sub)workflow -> its number of tasks when the step began
    tasks: int = 0
    started: float = field(init=False)

    def __post_init__(self) -> None:
        self.started = self.limits.timer()

    def spend(self, workflow: Workflow) -> None:
        """Count one completed engine task of ``workflow`` and check every limit."""
        self.tasks += 1
        if self.tasks > self.limits.max_tasks:
            raise StepLimitExceeded(f"一次处理中自动执行的任务超过 {self.limits.max_tasks} 个,"
                                    " 流程可能在无限循环或无限调用自身, 已停止")
        self.check_growth(workflow)
        used = self.limits.timer() - self.started
        if used > self.limits.max_seconds:
            raise StepLimitExceeded(f"一次处理用时超过 {self.limits.max_seconds:g} 秒"
                                    f" (已自动执行 {self.tasks} 个任务), 已停止")

    def check_growth(self, workflow: Workflow) -> None:
        grown = len(workflow.tasks) - self.sizes_before.get(id(workflow), 0)
        if grown > self.limits.max_tasks:
            raise StepLimitExceeded(f"一次处理中新建的任务超过 {self.limits.max_tasks} 个"
                                    " (例如多实例任务的实例数过大), 已停止")

    def check_all_growth(self, workflow: BpmnWorkflow) -> None:
        for each in _workflows(workflow):
            self.check_growth(each)


def _workflows(workflow: BpmnWorkflow) -> list[Workflow]:
    return [workflow, *workflow.subprocesses.values()]

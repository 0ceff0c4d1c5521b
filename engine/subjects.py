"""What a task is about, named in inbox rows: a user task may carry ``spiffworkflow:property name="subject"`` whose
value is an expression, evaluated in the task's data when the task becomes READY (a multi-instance child sees its own
item, e.g. ``item["title"]``) and stored on the task row, so an inbox tells one department's many tasks of one step
apart without loading a workflow. Deploy compiles it like any expression; a value that is no text fails the step
like any script error, since a designer's mistake should show at once rather than as an unnamed task.
"""

from __future__ import annotations

from typing import Any

from engine.errors import EngineError
from engine.models import SUBJECT_LENGTH

SUBJECT_PROPERTY = "subject"


class SubjectError(EngineError):
    """A task's subject expression gave no text; the step fails like any other."""

    code = "subject_failed"


def subject_value(value: Any, step: str) -> str | None:
    """The subject the expression of task ``step`` gave: text cut to ``SUBJECT_LENGTH`` (None or blank: none)."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise SubjectError(f"任务“{step}”的事项表达式结果应为文字 (字符串), 实际为 {type(value).__name__}")
    return value.strip()[:SUBJECT_LENGTH] or None

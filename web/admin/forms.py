"""Reading a submitted form and handing refused data back to it, every field's problem at once, in Chinese.

The parsers note a problem in ``problems`` instead of raising, so one submission lists all that is wrong;
``reported_together`` adds the problems the domain function finds itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Generic, TypeVar

from sqlalchemy.orm import Session

from engine.errors import InvalidData
from engine.text import read_text
from web.boundary import unit_of_work

T = TypeVar("T")
GENERAL = "_form"  # a problem of no single field


@dataclass(frozen=True)
class Outcome(Generic[T]):
    result: T | None = None
    error: InvalidData | None = None

    @property
    def errors(self) -> dict[str, str]:
        if self.error is None:
            return {}
        return self.error.fields or {GENERAL: str(self.error)}


def submit(write: Callable[[Session], T]) -> Outcome[T]:
    """Run ``write`` in its own unit of work; refused data rolls everything back and comes back as an outcome."""
    try:
        with unit_of_work() as session:
            return Outcome(result=write(session))
    except InvalidData as exc:
        return Outcome(error=exc)


@contextmanager
def reported_together(problems: dict[str, str], message: str) -> Iterator[None]:
    """The form's own problems and the domain's, raised as one InvalidData (the form's wording wins)."""
    try:
        yield
    except InvalidData as exc:
        raise InvalidData(str(exc), {**exc.fields, **problems}) from None
    refuse_if(problems, message)


def refuse_if(problems: dict[str, str], message: str) -> None:
    if problems:
        raise InvalidData(message, problems)


def parse_int(value: str | None, field: str, message: str, problems: dict[str, str]) -> int | None:
    try:
        return int((value or "").strip())
    except ValueError:
        problems[field] = message
        return None


def parse_date(value: str | None, field: str, problems: dict[str, str]) -> date | None:
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        problems[field] = "请填写有效日期（年-月-日）"
        return None


def text(value: str | None, field: str, label: str, limit: int, problems: dict[str, str],
         required: bool = True) -> str:
    """The text as stored (``engine.text``: trimmed, no control characters); a problem is noted when it is
    required and blank, too long, or holds characters no text may hold."""
    return read_text(value, field, problems, limit, label=label, required=required)

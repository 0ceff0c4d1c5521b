"""A form file as the designer types it, read for the live preview: the schema, or why it cannot be drawn.

Whether a text is a form is deploy's one rule (``engine.form_schema.parse_form``, behind
``engine.deploy.form_problems``), so the preview refuses exactly what a save or a publish would refuse; it then
draws with the inbox's own renderer (``web.inbox.schema_form.build_fields``), so a task page looks the way the
preview showed it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.form_schema import MAX_FORM_CHARS, parse_form

__all__ = ["MAX_FORM_CHARS", "ReadForm", "read_form"]


@dataclass(frozen=True)
class ReadForm:
    schema: dict[str, Any] | None
    problem: str | None = None  # in Chinese, with the line when the text itself cannot be read


def read_form(text: str, name: str = "表单") -> ReadForm:
    """``text`` as the form ``name`` deploy would take; otherwise what is wrong (and where) in Chinese."""
    schema, problems = parse_form(name, text)
    if schema is None:
        return ReadForm(None, "；".join(problem.message for problem in problems))
    return ReadForm(schema)

"""Forms drawn from a task's JSON Schema, and posted form fields turned back into JSON for the engine.

Field names are dotted paths (``members.0.id_number``), the same paths the engine uses for its
per-field errors, so an error lands on the field that caused it. A value that cannot even be read
(``abc`` in a number) is reported here and kept as typed, so nothing the user entered is lost.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from werkzeug.datastructures import MultiDict

from engine.forms import NOT_AFTER_TODAY
from engine.limits import row_id

ATTACHMENT_FORMAT = "attachment"  # a string holding the id of an uploaded file (signed scans)
LONG_TEXT = 100  # maxLength above which a text field is a textarea


@dataclass
class Field:
    """One input as the template draws it."""

    path: str
    kind: str  # text | textarea | date | integer | number | choice | multi | lines | yesno | file | items
    title: str
    hint: str = ""
    required: bool = False
    options: list[tuple[str, str]] = field(default_factory=list)
    value: Any = None
    error: str | None = None
    items: list[list[Field]] = field(default_factory=list)  # for kind "items": one field list per row
    template: list[Field] = field(default_factory=list)  # for kind "items": a blank row (path with __i__)
    item_title: str = ""
    minimum: Any = None
    maximum: Any = None
    latest: str | None = None  # a day-done date: the last day the picker offers (today, by the engine's clock)


def _options(schema: dict[str, Any]) -> list[tuple[str, str]]:
    if "oneOf" in schema:
        return [(str(o["const"]), o.get("title", str(o["const"]))) for o in schema["oneOf"] if "const" in o]
    return [(str(v), str(v)) for v in schema.get("enum", [])]


def _kind(schema: dict[str, Any]) -> str:
    kind = schema.get("type")
    if kind == "array":
        items = schema.get("items", {})
        if items.get("type") == "object":
            return "items"
        return "multi" if "oneOf" in items or "enum" in items else "lines"  # free texts: one a line
    if kind == "boolean":
        return "yesno"
    if kind in ("integer", "number"):
        return kind
    if "oneOf" in schema or "enum" in schema:
        return "choice"
    if schema.get("format") == "date":
        return "date"
    if schema.get("format") == ATTACHMENT_FORMAT:
        return "file"
    return "textarea" if schema.get("maxLength", 0) > LONG_TEXT else "text"


def build_fields(schema: dict[str, Any], values: dict[str, Any] | None, errors: dict[str, str] | None = None,
                 raw: dict[str, str] | None = None, prefix: str = "", today: date | None = None) -> list[Field]:
    """The fields of an object schema with their current values and errors; with ``today``, a date the engine
    refuses after today (``x-not-after-today``) offers no later day on a phone's picker."""
    values, errors, raw = values or {}, errors or {}, raw or {}
    required = set(schema.get("required", []))
    result = []
    for name, sub in schema.get("properties", {}).items():
        path = f"{prefix}{name}"
        kind = _kind(sub)
        value = raw.get(path, values.get(name))
        item = Field(path=path, kind=kind, title=sub.get("title", name), hint=sub.get("description", ""),
                     required=name in required, error=errors.get(path), value=value,
                     minimum=sub.get("minimum"), maximum=sub.get("maximum"))
        if kind == "date" and sub.get(NOT_AFTER_TODAY) is True and today is not None:
            item.latest = today.isoformat()
        if kind == "file":  # an id we can link to, or nothing: a posted or saved value may be anything
            item.value = value if isinstance(value, str) and row_id(value) is not None else None
        elif kind == "multi":
            item.options = _options(sub.get("items", {}))
            item.value = value if isinstance(value, list) else []
        elif kind == "lines":
            item.value = "\n".join(str(v) for v in value) if isinstance(value, list) else value
        elif kind == "choice":
            item.options = _options(sub)
        elif kind == "items":
            item_schema = sub["items"]
            rows = value if isinstance(value, list) else []
            item.item_title = item_schema.get("title", "")
            item.items = [build_fields(item_schema, row if isinstance(row, dict) else {}, errors, raw,
                                       f"{path}.{index}.", today) for index, row in enumerate(rows)]
            item.template = build_fields(item_schema, {}, {}, {}, f"{path}.__i__.", today)
            item.value = None
        result.append(item)
    return result


def all_errors_placed(fields: list[Field], errors: dict[str, str]) -> dict[str, str]:
    """Errors with no field on the page (e.g. the whole form, or a list as a whole)."""
    placed: set[str] = set()

    def walk(items: list[Field]) -> None:
        for f in items:
            placed.add(f.path)
            for row in f.items:
                walk(row)

    walk(fields)
    return {path: reason for path, reason in errors.items() if path not in placed}


class Submission:
    """Reads a posted form into JSON data per the schema; unreadable values go to ``errors``."""

    def __init__(self, schema: dict[str, Any], form: MultiDict, uploaded: dict[str, str] | None = None) -> None:
        self.form = form
        self.uploaded = uploaded or {}  # path -> attachment id of a file stored for this submission
        self.errors: dict[str, str] = {}
        self.raw: dict[str, str] = {}
        self.data = self._object(schema, "")

    def _object(self, schema: dict[str, Any], prefix: str, report: str | None = None) -> dict[str, Any]:
        """Read fields named ``prefix…``; report problems under ``report…`` (a row's place in the data)."""
        data: dict[str, Any] = {}
        for name, sub in schema.get("properties", {}).items():
            value = self._value(sub, f"{prefix}{name}", f"{report if report is not None else prefix}{name}")
            if value is not None:
                data[name] = value
        return data

    def _value(self, schema: dict[str, Any], path: str, report: str) -> Any:
        kind = _kind(schema)
        if kind == "items":
            return self._rows(schema["items"], path, report)
        if kind == "multi":
            return [v for v in self.form.getlist(path) if v] or None
        if kind == "lines":
            return [line.strip() for line in self.form.get(path, "").splitlines() if line.strip()] or None
        if kind == "file":
            chosen = self.uploaded.get(path) or self.form.get(path) or None
            if chosen is not None and row_id(chosen) is None:
                self.errors[report] = "附件无效，请重新上传"
                return None
            return chosen
        text = self.form.get(path, "").strip()
        if text == "":
            return None
        if kind == "yesno":
            if text in ("true", "false"):
                return text == "true"
            return self._unreadable(report, text, "应选择是或否")
        if kind in ("integer", "number"):
            return self._number(report, text, kind)
        return text

    def _rows(self, schema: dict[str, Any], path: str, report: str) -> list[dict[str, Any]] | None:
        """Rows in the order of their indices; a removed row leaves a gap, a blank row is dropped."""
        marker = f"{path}."
        indices = sorted({int(head) for key in self.form if key.startswith(marker)
                          and (head := key[len(marker):].split(".", 1)[0]).isdecimal()})  # "²".isdigit(), too
        rows: list[dict[str, Any]] = []
        for index in indices:
            row = self._object(schema, f"{path}.{index}.", f"{report}.{len(rows)}.")
            if row:
                rows.append(row)
        return rows if indices else None

    def _number(self, path: str, text: str, kind: str) -> Any:
        cleaned = text.replace(",", "").replace("，", "")
        try:
            number = float(cleaned)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            return self._unreadable(path, text, "应为数字")
        if kind == "integer":
            if not number.is_integer():
                return self._unreadable(path, text, "应为整数")
            return int(number)
        return int(number) if number.is_integer() and "." not in cleaned else number

    def _unreadable(self, path: str, text: str, reason: str) -> None:
        self.errors[path] = reason
        self.raw[path] = text
        return None

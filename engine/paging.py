"""Keyset paging: a list is read one page at a time after an opaque cursor, never by OFFSET.

A page ends with the ordering key of its last row; the next page starts strictly after it. Rows added or
removed between two requests shift nothing: no row is shown twice or skipped, and the cost of a page does
not grow with how far the reader has paged. The total is one ``COUNT`` over the same filters.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Integer, Select, TypeDecorator, and_, bindparam, func, or_, select, tuple_
from sqlalchemy.orm import InstrumentedAttribute, Session

from engine.errors import InvalidData
from engine.limits import fits_integer
from engine.text import character_problem

T = TypeVar("T")
DEFAULT_LIMIT, MAX_LIMIT = 50, 200
_TYPES = {"i": int, "s": str, "t": datetime.fromisoformat, "d": date.fromisoformat}


@dataclass(frozen=True)
class Key:
    """One column of a list's ordering; the last key must make the order total (an id)."""

    column: InstrumentedAttribute[Any]
    descending: bool = False


@dataclass(frozen=True)
class Window:
    """What a reader asks for: the page after ``after`` (None: the first page), at most ``limit`` rows."""

    after: str | None = None  # a cursor of ``encode_cursor``
    limit: int = DEFAULT_LIMIT


@dataclass(frozen=True)
class Page(Generic[T]):
    rows: list[T]
    total: int  # -1 when not counted
    next_cursor: str | None  # None on the last page


def _tag(value: Any) -> list[Any]:
    if isinstance(value, bool) or value is None:
        raise TypeError(f"cannot page on {value!r}")
    if isinstance(value, int):
        return ["i", value]
    if isinstance(value, str):
        return ["s", value]
    if isinstance(value, datetime):
        return ["t", value.isoformat()]
    if isinstance(value, date):
        return ["d", value.isoformat()]
    raise TypeError(f"cannot page on {type(value).__name__}")


def encode_cursor(values: Sequence[Any]) -> str:
    raw = json.dumps([_tag(v) for v in values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _python_type(key: Key) -> type:
    column_type = key.column.type
    return (column_type.impl_instance if isinstance(column_type, TypeDecorator) else column_type).python_type


def decode_cursor(cursor: str, keys: Sequence[Key]) -> tuple[Any, ...]:
    """The key values in ``cursor``; a cursor not made by ``encode_cursor`` for this list (another list's, an
    edited one) is refused by name, before any value reaches the database."""
    refused = InvalidData("翻页位置无效", {"after": "翻页位置无效，请从第一页重新查看"})
    try:
        items = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        values = tuple(_TYPES[tag](value) for tag, value in items)
    except (ValueError, TypeError, KeyError, binascii.Error, json.JSONDecodeError):
        raise refused from None
    if len(values) != len(keys) or any(isinstance(v, datetime) and v.tzinfo is None for v in values):
        raise refused
    if not all(type(v) is _python_type(k) and _storable(v) for k, v in zip(keys, values, strict=True)):
        raise refused
    return values


def _storable(value: Any) -> bool:
    """Whether a row could hold ``value``: an edited cursor's 10**30 overflows SQLite's integers, its NUL or lone
    surrogate fails PostgreSQL's text or the UTF-8 encoder, its 0001-01-01T00:00+14:00 has no UTC time (stored as
    UTC) — each a 500 instead of a refusal."""
    if isinstance(value, int):
        return fits_integer(value)
    if isinstance(value, datetime):
        try:
            value.astimezone(UTC)
        except OverflowError:
            return False
        return True
    return not (isinstance(value, str) and character_problem(value))


def read_window(after: str | None, limit: str | int | None) -> Window:
    """A window from request parameters: ``limit`` 1…MAX_LIMIT (default DEFAULT_LIMIT), ``after`` a cursor."""
    if limit in (None, ""):
        size = DEFAULT_LIMIT
    elif isinstance(limit, int) or (isinstance(limit, str) and limit.isascii() and limit.isdigit()):
        size = int(limit)
    else:
        size = 0
    if not 1 <= size <= MAX_LIMIT:
        raise InvalidData("每页条数无效", {"limit": f"应为 1 到 {MAX_LIMIT} 的整数"})
    return Window(after or None, size)


def _after(keys: Sequence[Key], bounds: Sequence[ColumnElement[Any]]) -> Any:
    """Rows strictly after ``bounds`` (the cursor's values, one per key) in the order of ``keys`` (a row value when
    all run one way)."""
    if len({k.descending for k in keys}) == 1:
        left, right = tuple_(*(k.column for k in keys)), tuple_(*bounds)
        return left < right if keys[0].descending else left > right
    clauses = []
    for index, key in enumerate(keys):
        equal = [k.column == bound for k, bound in zip(keys[:index], bounds[:index], strict=True)]
        beyond = key.column < bounds[index] if key.descending else key.column > bounds[index]
        clauses.append(and_(*equal, beyond))
    return or_(*clauses)


def after_named(keys: Sequence[Key]) -> ColumnElement[bool]:
    """What keeps the rows after a cursor given when the statement runs, as the parameters ``after_0``, ``after_1``…
    of ``window_values``: a statement built once (``engine.statements``) pages on for every cursor."""
    return _after(keys, [bindparam(f"after_{index}", type_=key.column.type) for index, key in enumerate(keys)])


WINDOW_ROWS = bindparam("window_rows", type_=Integer)  # the limit of a window built once: ``window_values``


def window_values(keys: Sequence[Key], window: Window) -> dict[str, Any]:
    """The parameters of a window built once: the cursor's values (``after_named``) and its rows, one more than the
    limit (``windowed``)."""
    values: dict[str, Any] = {"window_rows": window.limit + 1}
    if window.after:
        values.update((f"after_{index}", value) for index, value in enumerate(decode_cursor(window.after, keys)))
    return values


def count(session: Session, query: Select[Any]) -> int:
    """How many rows ``query`` selects, counted by the database."""
    return session.execute(select(func.count()).select_from(query.order_by(None).subquery())).scalar_one()


def page(session: Session, query: Select[Any], keys: Sequence[Key], window: Window, *,
         scalars: bool = True, with_total: bool = True) -> Page[Any]:
    """One page of ``query`` in the order of ``keys``, after the window's cursor; ``scalars`` False when the query
    selects several entities (each key is then read from the entity of its class)."""
    total = count(session, query) if with_total else -1
    result = session.execute(windowed(query, keys, window))
    return page_of(list(result.scalars() if scalars else result.all()), keys, window.limit, total, scalars=scalars)


def ordered_by(query: Select[Any], keys: Sequence[Key]) -> Select[Any]:
    return query.order_by(*(k.column.desc() if k.descending else k.column for k in keys))


def beyond(keys: Sequence[Key], window: Window) -> list[ColumnElement[bool]]:
    """What keeps the rows after the window's cursor in the order of ``keys``: nothing on the first page."""
    if not window.after:
        return []
    values = zip(keys, decode_cursor(window.after, keys), strict=True)
    return [_after(keys, [bindparam(None, value, type_=key.column.type) for key, value in values])]


def windowed(query: Select[Any], keys: Sequence[Key], window: Window) -> Select[Any]:
    """``query``'s rows of the window in the order of ``keys``, and one more if there are more (``page_of`` reads
    them): also a subquery that picks a page's keys for an outer statement to read their rows by."""
    return ordered_by(query.where(*beyond(keys, window)), keys).limit(window.limit + 1)


def page_of(rows: list[Any], keys: Sequence[Key], limit: int, total: int = -1, *, scalars: bool = True) -> Page[Any]:
    """The page of ``rows``, read in the order of ``keys`` with one row beyond ``limit`` if there are more (a list
    read by a statement built once, e.g. a case's first events, pages on exactly as ``page`` does)."""
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, total, encode_cursor(_key_values(rows[-1], keys, scalars)) if more else None)


def _key_values(row: Any, keys: Sequence[Key], scalars: bool) -> list[Any]:
    """The ordering key of a row (of a row of several entities: each key read from the entity of its class)."""
    if scalars:
        return [getattr(row, k.column.key) for k in keys]
    return [getattr(next(e for e in row if isinstance(e, k.column.class_)), k.column.key) for k in keys]


def walk(session: Session, query: Select[Any], keys: Sequence[Key], cap: int, chunk: int = 500, *,
         scalars: bool = True) -> Iterator[list[Any]]:
    """The rows of ``query`` in pages of ``chunk``, at most ``cap`` rows in all (an export reads a list this way,
    so it never holds more than one chunk of rows and their related rows at once)."""
    cursor, left = None, cap
    while left > 0:
        current = page(session, query, keys, Window(cursor, min(chunk, left)), scalars=scalars, with_total=False)
        if current.rows:
            yield current.rows
        left -= len(current.rows)
        cursor = current.next_cursor
        if cursor is None:
            return

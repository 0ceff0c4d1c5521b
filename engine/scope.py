""""This place and below" as an index range on the materialized path, used by every scoped query.

``path LIKE 'p%'`` cannot use a B-tree index (SQLite's LIKE ignores case; PostgreSQL's needs a pattern
operator class), so a subtree is read as ``p <= path < p_next``, where ``p_next`` is ``p`` with its last
character raised by one: every path that starts with ``p`` sorts inside that range and nothing else does.
"""

from __future__ import annotations

from sqlalchemy import and_, bindparam, false
from sqlalchemy.sql.elements import ColumnElement

from engine.assignment import Actor


def upper_bound(prefix: str) -> str:
    """The smallest string greater than every string starting with ``prefix`` (paths end with ``/``)."""
    if not prefix:
        raise ValueError("an empty prefix has no upper bound")
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def code_at(path: str) -> str:
    """The code of the place a materialized path leads to: its last segment (``/15/1502/`` → ``1502``)."""
    return path.rstrip("/").rsplit("/", 1)[-1]


def is_top_level(path: str) -> bool:
    """A place with no parent (``/15/``): its range is its whole tree, and holds every row of a tree of one root."""
    return path.count("/") == 2


def below(column: ColumnElement[str], prefix: str) -> ColumnElement[bool]:
    """Rows whose path is ``prefix`` or lies under it."""
    return and_(column >= prefix, column < upper_bound(prefix))


def below_named(column: ColumnElement[str], name: str) -> ColumnElement[bool]:
    """``below`` a prefix given when the statement runs, as the parameters of ``named_range(name, prefix)``: a
    statement built once (``engine.statements``) serves every place."""
    return and_(column >= bindparam(f"{name}_from"), column < bindparam(f"{name}_to"))


def named_range(name: str, prefix: str) -> dict[str, str]:
    """The parameters of ``below_named(column, name)`` for ``prefix``."""
    return {f"{name}_from": prefix, f"{name}_to": upper_bound(prefix)}


def within(column: ColumnElement[str], actor: Actor) -> ColumnElement[bool]:
    """Rows at the actor's place or below; nothing for an actor that sees no place's records."""
    return below(column, actor.place_path) if actor.place_scope else false()

"""A column compared with a list of values sent as one parameter (a PostgreSQL array, a JSON text SQLite reads with
``json_each``): an ``IN`` of a county's hundreds of parameters cost more CPU to build, cast and convert than the read
itself, and its text changed with every length, so PostgreSQL never kept a plan for it."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, String, any_, bindparam, func, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session


def one_of(session: Session, column: Any, values: Iterable[Any]) -> ColumnElement[bool]:
    """``column`` is one of ``values`` (ints or strings, as the column holds)."""
    dialect = session.get_bind().dialect.name
    return _one_of(dialect, column, bindparam(None, list_value(dialect, values), type_=_list_type(dialect, column)))


def one_of_named(dialect: str, column: Any, name: str) -> ColumnElement[bool]:
    """``one_of`` with its values given when the statement runs, as the parameter ``name`` (``list_value``): a
    statement built once (``engine.statements``) for a dialect."""
    return _one_of(dialect, column, bindparam(name, type_=_list_type(dialect, column)))


def list_value(dialect: str, values: Iterable[Any]) -> Any:
    """``values`` as the parameter of ``one_of`` on ``dialect``."""
    return list(values) if dialect == "postgresql" else json.dumps(list(values))


def _list_type(dialect: str, column: Any) -> Any:
    return postgresql.ARRAY(column.type) if dialect == "postgresql" else String()


def _one_of(dialect: str, column: Any, values: BindParameter[Any]) -> ColumnElement[bool]:
    if dialect == "postgresql":
        return column == any_(values)
    return column.in_(select(func.json_each(values).table_valued("value").c.value))

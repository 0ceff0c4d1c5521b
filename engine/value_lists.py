"""A column compared with a list of values sent as one parameter (a PostgreSQL array, a JSON text SQLite reads with
``json_each``): an ``IN`` of a county's hundreds of parameters cost more CPU to build, cast and convert than the read
itself, and its text changed with every length, so PostgreSQL never kept a plan for it."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, any_, bindparam, func, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session


def one_of(session: Session, column: Any, values: Iterable[Any]) -> ColumnElement[bool]:
    """``column`` is one of ``values`` (ints or strings, as the column holds)."""
    values = list(values)
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, values, type_=postgresql.ARRAY(column.type)))
    return column.in_(select(func.json_each(json.dumps(values)).table_valued("value").c.value))

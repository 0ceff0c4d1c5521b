"""A JSON list column's elements as rows, on SQLite and PostgreSQL alike: what ``household_risks`` copies and what
the data-quality checks ask of a member's health."""

from __future__ import annotations

from sqlalchemy import String, case, column, func
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import TableValuedAlias


def list_items(dialect: str, values: ColumnElement) -> TableValuedAlias:
    """The elements of ``values`` (a JSON list) as rows of one text column ``value``; a value that is not a list
    (JSON null, a scalar) has none, where PostgreSQL would raise."""
    if dialect == "sqlite":
        a_list = case((func.json_type(values) == "array", values))
        return func.json_each(a_list).table_valued(column("value", String))
    # PostgreSQL names a set-returning function's column only when told, hence render_derived
    a_list = case((func.json_typeof(values) == "array", values))
    return func.json_array_elements_text(a_list).table_valued(column("value", String)).render_derived()

"""The statements every task completion runs, executed on the database driver's own cursor.

SQLAlchemy's ``Connection.execute`` costs 100-200 µs of client CPU a statement on PostgreSQL (its cache key, execution
context, parameter processing and result object), the driver's own execute 40-80 µs; a completion runs six such
statements. A ``DriverStatement`` is a Core statement that SQLAlchemy compiles once per dialect and set of parameter
names, as ``Connection.execute`` would (the same SQL but for its placeholders, the same bind processors, the same result
processors), and then runs on the DBAPI connection of the caller's SQLAlchemy connection: the same transaction, so the
session's commit or rollback covers it. Only Core tables are touched this way: the ORM session holds none of these rows
in its identity map, so nothing it holds goes stale. A driver error is raised as SQLAlchemy's ``DBAPIError`` (e.g.
``IntegrityError``), as ``Connection.execute`` would raise it.

On psycopg the statements are compiled with PostgreSQL's own ``$1`` placeholders and run on a ``RawCursor``, which sends
them as they are: psycopg turns ``%(name)s`` into ``$n`` on every execute, parsing the whole text, and remembers the
result only for statements under 4 KB and 50 parameters. A step's one write has more (``engine.round_trips``) and was
parsed on every step (60 parameters: 120-170 µs of CPU). Listeners of ``before_cursor_execute`` hear that SQL, with its
parameters as a tuple.
"""

from __future__ import annotations

import copy
import threading
from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import Executable, visitors
from sqlalchemy.sql.elements import BindParameter


@dataclass(frozen=True)
class _Plan:
    """A statement as compiled for one dialect, parameter names and lengths of its expanding (``IN``) lists."""

    sql: str
    positions: Sequence[str] | None  # the parameters' order for a positional paramstyle (SQLite's ``?``, ``$n``)
    fixed: Mapping[str, Any]  # values the statement carries itself (``revision + 1``, ``status = 'running'``)
    expansion: Mapping[str, Sequence[str]]  # an expanding parameter's name -> the names of its elements
    processors: Mapping[str, Callable[[Any], Any]]
    row: type | None  # a named tuple of the result's columns; None when the statement returns no rows
    results: Sequence[tuple[int, Callable[[Any], Any]]]  # column position -> its result processor

    def bound(self, params: Mapping[str, Any]) -> Any:
        values = {**self.fixed, **params}
        for name, names in self.expansion.items():
            values.update(zip(names, values.pop(name), strict=True))
        for name, process in self.processors.items():
            values[name] = process(values[name])
        return values if self.positions is None else tuple(values[name] for name in self.positions)

    def made(self, raw: tuple) -> tuple:
        if self.results:
            raw = list(raw)
            for position, process in self.results:
                raw[position] = process(raw[position])
        return self.row._make(raw)


MAX_PLANS = 200  # per statement and dialect
_CURSOR = "fangpin.driver_cursor"  # in the pool's record of a connection: the cursor these statements run on


def _cursor(connection: Connection) -> Any:
    """The one cursor of the driver connection: a new psycopg cursor per statement cost 40 µs more (its adapters
    look up every parameter's dumper afresh). Kept in the pool's record of the connection, which outlives a
    reconnect: a cursor of the connection it had before is replaced."""
    pooled = connection.connection
    driver = pooled.driver_connection
    cursor = pooled.info.get(_CURSOR)
    if cursor is None or cursor.connection is not driver:
        if _dollar_dialect(connection.dialect) is not None:
            from psycopg import RawCursor  # psycopg ≥ 3.2; imported where it is the driver

            cursor = pooled.info[_CURSOR] = RawCursor(driver)
        else:
            cursor = pooled.info[_CURSOR] = driver.cursor()
    return cursor


_DOLLAR = "_fangpin_dollar_dialect"  # a psycopg dialect's attribute: its variant (a cycle the collector frees with it)


def _dollar_dialect(dialect: Dialect) -> Dialect | None:
    """psycopg's dialect as it is, but compiling ``$n`` placeholders (see the module's docstring); None for any other
    driver."""
    if dialect.driver != "psycopg":
        return None
    variant = getattr(dialect, _DOLLAR, None)
    if variant is None:
        variant = copy.copy(dialect)  # with what it learnt of the server when it first connected
        variant.paramstyle, variant.positional = "numeric_dollar", True
        variant.identifier_preparer = variant.preparer(variant)  # which doubles ``%`` for the pyformat styles only
        setattr(dialect, _DOLLAR, variant)
    return variant


class DriverStatement:
    """A Core statement run on the driver's cursor of a SQLAlchemy connection (see the module's docstring)."""

    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        # the parameters whose lists an IN expands: each length of them is a plan of its own
        self._expanding = tuple(dict.fromkeys(
            each.key for each in visitors.iterate(statement) if isinstance(each, BindParameter) and each.expanding))
        # per dialect, held weakly: tests make an engine (and a dialect) each, and their plans go with them
        self._plans: WeakKeyDictionary[Dialect, dict[tuple, _Plan]] = WeakKeyDictionary()
        self._lock = threading.Lock()

    def rows(self, connection: Connection, params: Mapping[str, Any]) -> list[tuple]:
        """The statement's result rows (named tuples of its columns, read as SQLAlchemy would read them)."""
        plan = self._plan(connection.dialect, params)
        return [plan.made(raw) for raw in self._run(connection, plan.sql, plan.bound(params), False).fetchall()]

    def first(self, connection: Connection, params: Mapping[str, Any]) -> tuple | None:
        rows = self.rows(connection, params)
        return rows[0] if rows else None

    def run(self, connection: Connection, params: Mapping[str, Any]) -> None:
        """Execute a statement whose result nobody reads."""
        plan = self._plan(connection.dialect, params)
        self._run(connection, plan.sql, plan.bound(params), False)

    def run_many(self, connection: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """Execute the statement once per parameter set; every set names the same parameters."""
        if not rows:
            return
        plan = self._plan(connection.dialect, rows[0])
        self._run(connection, plan.sql, [plan.bound(row) for row in rows], True)

    @staticmethod
    def _run(connection: Connection, sql: str, params: Any, many: bool) -> Any:
        """Execute on the driver connection's own cursor; whoever listens to the engine's ``before_cursor_execute`` and
        ``after_cursor_execute`` (statement counts in tests, logs of slow statements) hears of it like any other."""
        cursor = _cursor(connection)
        dispatch = connection.dispatch
        for listener in dispatch.before_cursor_execute:
            sql, params = listener(connection, cursor, sql, params, None, many)
        try:
            (cursor.executemany if many else cursor.execute)(sql, params)
        except connection.dialect.loaded_dbapi.Error as exc:
            raise DBAPIError.instance(sql, params, exc, connection.dialect.loaded_dbapi.Error) from exc
        if dispatch.after_cursor_execute:
            dispatch.after_cursor_execute(connection, cursor, sql, params, None, many)
        return cursor

    def _plan(self, dialect: Dialect, params: Mapping[str, Any]) -> _Plan:
        key = (tuple(params), *(len(params[name]) for name in self._expanding if name in params))
        plans = self._plans.get(dialect)
        plan = plans.get(key) if plans is not None else None
        if plan is None:
            plan = self._compiled(dialect, params)
            with self._lock:
                plans = self._plans.setdefault(dialect, {})
                if len(plans) >= MAX_PLANS:  # e.g. batches of every length: compiling again costs less than keeping
                    plans.clear()
                plans[key] = plan
        return plan

    def _compiled(self, dialect: Dialect, params: Mapping[str, Any]) -> _Plan:
        compiled = self.statement.compile(dialect=_dollar_dialect(dialect) or dialect, column_keys=list(params))
        if compiled.escaped_bind_names:
            raise ValueError(f"parameter names the driver cannot take as they are: {compiled.escaped_bind_names}")
        if compiled.insert_prefetch or compiled.update_prefetch:
            raise ValueError("columns with Python-side defaults: give their values")
        fixed = {name: bind.effective_value for bind, name in compiled.bind_names.items() if name not in params}
        expanded = compiled.construct_expanded_state({**fixed, **params})
        columns = compiled._result_columns  # empty for a statement that returns no rows
        results = []
        for position, column in enumerate(columns):
            process = column.type._cached_result_processor(dialect, None)
            if process is not None:
                results.append((position, process))
        row = namedtuple("Row", [column.keyname for column in columns]) if columns else None
        return _Plan(expanded.statement, expanded.positiontup, fixed, expanded.parameter_expansion,
                     {**compiled._bind_processors, **expanded.processors}, row, results)

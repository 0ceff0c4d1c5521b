"""A step's writes in one round trip: its finished task rows, its new ones, the instance and its audit rows.

Nobody reads their results, and one at a time they would cost a round trip each (each costs the server process two
system calls and a wake-up, and the client as much). On PostgreSQL they go as one statement whose parts are
data-modifying CTEs (``WITH saved AS (UPDATE process_instances … RETURNING id), done0 AS (UPDATE tasks …),
new AS (INSERT INTO tasks …), events AS (INSERT INTO audit_events …) SELECT count(*) FROM saved``), built and compiled
once per shape (how many rows of each, which columns) and run on the driver's cursor (``engine.driver_statements``):
psycopg's pipeline sent the four statements in one round trip too, but cost 80-150 µs more client CPU a step.

The instance is saved only if its revision is still the one the step started from, and every other part only if it
was (each waits for ``saved``): a step that read its case without locking it (``engine.tasks``'s ``sole_write``) then
writes nothing if another step saved the case meanwhile, and ``write`` says so. The parts touch different rows, so
that they see one snapshot changes nothing. SQLite runs in-process and has no writes in a WITH: the four statements run
as they are, the case locked since its step began (SQLite locks the database from a transaction's first write).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, select, union_all, update

from engine import audit
from engine.driver_statements import DriverStatement
from engine.models import ProcessInstance, Task, TaskState

INSTANCES, TASKS, EVENTS = ProcessInstance.__table__, Task.__table__, audit.EVENTS
# SET: what a step gives, and its revision raised: the one write of the row a step makes (its lock writes none)
_SAVE = DriverStatement(update(INSTANCES).where(INSTANCES.c.id == bindparam("instance_id"))
                        .values(revision=INSTANCES.c.revision + 1))
_DONE = DriverStatement(update(TASKS).where(TASKS.c.id == bindparam("task_id"))
                        .values(state=TaskState.COMPLETED, completed_at=bindparam("at"), completed_by=bindparam("by")))
_NEW_TASKS = DriverStatement(insert(TASKS).inline())
MAX_SHAPES = 200  # PostgreSQL statements kept; a step of a shape never seen compiles its own
_shapes: dict[tuple, DriverStatement] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class StepWrites:
    """What a step writes: the instance's new values, its tasks done (``task_id``, ``at``, ``by``), its new task rows
    and its audit rows (each list's rows naming the same columns); ``revision``: the instance's when the step began."""

    instance_id: int
    revision: int
    instance: dict[str, Any]
    done: list[dict[str, Any]]
    new_tasks: list[dict[str, Any]]
    events: list[dict[str, Any]]


def write(connection: Connection, writes: StepWrites) -> bool:
    """Write the step in one round trip (PostgreSQL) or statement by statement (SQLite); False, with nothing written,
    if the instance's revision is no longer ``writes.revision``."""
    if connection.dialect.name != "postgresql":
        _DONE.run_many(connection, writes.done)
        _NEW_TASKS.run_many(connection, writes.new_tasks)
        _SAVE.run(connection, {**writes.instance, "instance_id": writes.instance_id})
        audit.insert_rows(connection, writes.events)
        return True
    params = {"s__id": writes.instance_id, "s__revision": writes.revision,
              **{f"s_{name}": value for name, value in writes.instance.items()}}
    for prefix, rows in (("d", writes.done), ("n", writes.new_tasks), ("e", writes.events)):
        for index, row in enumerate(rows):
            params.update((f"{prefix}{index}_{name}", value) for name, value in row.items())
    return _statement(writes).first(connection, params)[0] == 1


def _columns(rows: list[dict[str, Any]]) -> tuple[str, ...]:
    return tuple(rows[0]) if rows else ()


def _statement(writes: StepWrites) -> DriverStatement:
    shape = (tuple(writes.instance), len(writes.done), _columns(writes.new_tasks), len(writes.new_tasks),
             _columns(writes.events), len(writes.events))
    statement = _shapes.get(shape)
    if statement is None:
        statement = DriverStatement(_built(writes))
        with _lock:
            if len(_shapes) >= MAX_SHAPES:
                _shapes.clear()
            _shapes[shape] = statement
    return statement


def _built(writes: StepWrites) -> Any:
    """The one statement of a step of this shape, its parameters named ``s__id``, ``s__revision`` and ``s_<column>``
    (the instance), ``d<i>_task_id``, ``d<i>_at``, ``d<i>_by`` (the tasks done), ``n<i>_<column>`` (new tasks) and
    ``e<i>_<column>`` (audit rows): never a column's name, which SQLAlchemy would take for a value to SET in every
    UPDATE of the statement."""
    saved = update(INSTANCES).where(INSTANCES.c.id == bindparam("s__id"),
                                    INSTANCES.c.revision == bindparam("s__revision")).values(
        {column: bindparam(f"s_{column}", type_=INSTANCES.c[column].type) for column in writes.instance}
        | {"revision": INSTANCES.c.revision + 1}).returning(INSTANCES.c.id).cte("saved")
    stepped = select(saved.c.id).exists()
    parts = [update(TASKS).where(TASKS.c.id == bindparam(f"d{i}_task_id"), stepped)
             .values(state=TaskState.COMPLETED, completed_at=bindparam(f"d{i}_at", type_=TASKS.c.completed_at.type),
                     completed_by=bindparam(f"d{i}_by", type_=TASKS.c.completed_by.type)).cte(f"done{i}")
             for i in range(len(writes.done))]
    for name, table, prefix, rows in (("new", TASKS, "n", writes.new_tasks), ("events", EVENTS, "e", writes.events)):
        if rows:
            each = [select(*(bindparam(f"{prefix}{i}_{column}", type_=table.c[column].type) for column in row))
                    .where(stepped) for i, row in enumerate(rows)]
            parts.append(insert(table).from_select(list(rows[0]), each[0] if len(each) == 1 else union_all(*each),
                                                 include_defaults=False)
                         .cte(name))
    return select(func.count()).select_from(saved).add_cte(*parts)

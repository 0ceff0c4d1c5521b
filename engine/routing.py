"""Tasks routed to a department: who a READY task belongs to, as SQL, beside its lane and place.

A user task may carry ``spiffworkflow:property name="department"`` whose value is an expression,
evaluated in the task's data when the task becomes READY (a multi-instance child sees its own item),
and stored on the task row. Such a task is a user's only when the user's department is that value,
the lane is the user's role (or the task has none) and the task's place lies at or below the user's:
a department's place need not open its records to it (``Actor.place_scope``) for its own work to reach
it. A task without a department is assigned by lane and place alone, as before.

The conditions name the actor's role, place and department as parameters (``lane_values``), so that a statement
built once serves every actor of one ``LaneShape`` (``engine.statements``); a statement built for one actor and
run is given them with ``Select.params(lane_values(actor))``.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from sqlalchemy import and_, bindparam, false, or_
from sqlalchemy.sql.elements import ColumnElement

from engine.assignment import Actor
from engine.errors import EngineError
from engine.models import DEPARTMENT_LENGTH, Task
from engine.scope import below_named, named_range

DEPARTMENT_PROPERTY = "department"


class RoutingError(EngineError):
    """A task's department expression gave no usable department; the step fails like any other."""

    code = "routing_failed"


def department_value(value: Any, step: str) -> str:
    """The department the expression of task ``step`` named: a short code without spaces, or ``RoutingError``."""
    if not isinstance(value, str):
        raise RoutingError(f"任务“{step}”的部门表达式结果应为部门代码 (字符串), 实际为 {type(value).__name__}")
    if not value or len(value) > DEPARTMENT_LENGTH or not value.isprintable() or any(c.isspace() for c in value):
        raise RoutingError(f"任务“{step}”的部门表达式结果“{value[:DEPARTMENT_LENGTH]}”不是有效的部门代码"
                           f" (1 至 {DEPARTMENT_LENGTH} 个字符, 不含空白)")
    return value


class LaneShape(NamedTuple):
    """What the SQL of an actor's lanes depends on beyond its values (``lane_values``): whether its place opens records
    to it (``Actor.place_scope``), and whether it has a department."""

    sees_places: bool
    has_department: bool


def lane_shape(actor: Actor) -> LaneShape:
    return LaneShape(actor.place_scope, actor.department is not None)


def lane_values(actor: Actor) -> dict[str, Any]:
    """The parameters of the conditions below, for ``actor``: its role, its place and its department."""
    return {"lane_role": actor.role, "own_path": actor.place_path, "department": actor.department,
            **named_range("scope", actor.place_path)}


def lanes() -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """The lanes whose tasks are the actor's: its role's, and none."""
    return Task.role == bindparam("lane_role"), Task.role.is_(None)


def in_lane() -> ColumnElement[bool]:
    """The task's lane is the actor's role, or the task has no lane."""
    return or_(*lanes())


def routed_to(shape: LaneShape) -> ColumnElement[bool]:
    """Tasks routed to the actor's department at its place or below; none for an actor of no department."""
    if not shape.has_department:
        return false()
    return and_(Task.department == bindparam("department"), below_named(Task.place_path, "scope"))


def placed_here() -> ColumnElement[bool]:
    """The task is not placed by its model (``engine.placement``), or placed at the actor's own place exactly."""
    return or_(Task.placed.is_(False), Task.place_path == bindparam("own_path"))


def lane_branches(shape: LaneShape) -> list[ColumnElement[bool]]:
    """The ways a task reaches the actor, each a whole conjunction — a lane with a way of reaching the actor (routed
    to its department, or to none at a place the actor sees) — and so one range of ``ix_tasks_lane`` (role,
    department, state, place path, …); none for an actor who sees no place and has no department."""
    reaches = [and_(Task.department.is_(None), below_named(Task.place_path, "scope"))] if shape.sees_places else []
    if shape.has_department:
        reaches.append(routed_to(shape))
    return [and_(lane, way) for lane in lanes() for way in reaches]


def assigned_to(shape: LaneShape) -> ColumnElement[bool]:
    """``Actor.may_work_on`` as SQL: in the actor's lane, a placed task at the actor's place, and either routed to
    its department or, routed to none, at a place the actor sees.

    One OR of the ``lane_branches``, so that both databases read the branches' ranges alone (SQLite's multi-index
    OR, PostgreSQL's BitmapOr). With the lane's OR outside the place range, SQLite without statistics scanned every
    READY task of every role in the actor's area instead. The inbox reads the branches one by one
    (``engine.queries.InboxLanes``)."""
    branches = lane_branches(shape)
    if not branches:
        return false()
    return and_(or_(*branches), placed_here())

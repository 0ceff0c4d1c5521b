"""Read side: scope, inboxes, instance lists and timelines. Plain SELECTs on rows; no workflow is ever loaded."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, and_, bindparam, false, func, literal_column, select, union_all
from sqlalchemy.orm import Session

from engine.assignment import Actor
from engine.errors import InvalidData, NotFound
from engine.models import AuditEvent, ProcessInstance, ProcessVersion, Task, TaskState
from engine.paging import WINDOW_ROWS, Key, Page, Window, after_named, ordered_by, page, page_of, window_values
from engine.routing import LaneShape, assigned_to, lane_branches, lane_shape, lane_values, placed_here
from engine.scope import within
from engine.statements import built_once

T = TypeVar("T")


def in_scope(session: Session, model: type[T], key: Any, actor: Actor,
             path: Callable[[Any], str] = lambda row: row.place_path) -> T:
    """The row if the actor sees its place; one outside answers NotFound, exactly like one that does not exist."""
    row = session.get(model, key)
    if row is None or not actor.sees(path(row)):
        raise NotFound(f"{model.__name__} {key}")
    return row


INBOX_ORDER = (Key(Task.created_at), Key(Task.id))  # oldest work first
INBOX_ORDERS = {"oldest": INBOX_ORDER, "newest": (Key(Task.created_at, descending=True), Key(Task.id, descending=True))}
INSTANCE_ORDER = (Key(ProcessInstance.id, descending=True),)  # newest case first


def inbox_query(actor: Actor) -> Select[tuple[Task]]:
    """READY tasks in the actor's lane at its place or below, or routed to its department there
    (unordered: paging orders by INBOX_ORDER)."""
    return select(Task).where(Task.state == TaskState.READY, assigned_to(lane_shape(actor))).params(lane_values(actor))


@dataclass(frozen=True)
class InboxLanes:
    """The ways an actor's READY tasks reach it, one condition per ``lane_branches`` branch (a task reaches the actor
    one way only: each branch is a lane with a department or none), for the actors of one shape: their values are
    the parameters of ``lane_values``. Each is one range of ``ix_tasks_lane``, which holds every column the inbox
    counts, filters and orders by: PostgreSQL reads it alone (a county's 1,555 tasks: 56 pages, 1.1 ms to count them
    by step), where the OR of ``inbox_query`` had it visit every task's row (1,183 pages, 3.1 ms)."""

    branches: tuple[ColumnElement[bool], ...]

    def selects(self, columns: Sequence[ColumnElement[Any]],
                where: Sequence[ColumnElement[bool]] = ()) -> list[Select[Any]]:
        """``columns`` of the tasks that pass ``where``, one SELECT per branch, for a UNION ALL."""
        return [select(*columns).where(branch, *where) for branch in self.branches]

    def window(self, keys: Sequence[Key], after: bool, where: Sequence[ColumnElement[bool]] = ()) -> Select[Any]:
        """The ids of the tasks that pass ``where`` in a window (``paging.window_values``: after a cursor if
        ``after``), in the order of ``keys`` (and one more if there are more, as ``paging.windowed``), chosen from the
        index alone: a subquery to read their rows by."""
        past = [after_named(keys)] if after else []
        branches = union_all(*self.selects([key.column for key in keys], [*where, *past]))
        chosen = branches.order_by(*(literal_column(key.column.key).desc() if key.descending
                                     else literal_column(key.column.key) for key in keys)).limit(WINDOW_ROWS)
        return select(literal_column("id")).select_from(chosen.subquery())


@built_once
def inbox_lanes(shape: LaneShape) -> InboxLanes:
    """The ``InboxLanes`` of the actors of ``shape``: none read anything for an actor who sees no place and has no
    department."""
    placed = placed_here()
    ready = Task.state == TaskState.READY
    return InboxLanes(tuple(and_(ready, branch, placed) for branch in lane_branches(shape)) or (false(),))


def inbox(session: Session, actor: Actor) -> list[Task]:
    """The whole inbox, oldest first (for scripts and tests; pages and the API read ``inbox_page``)."""
    return list(session.execute(inbox_query(actor).order_by(*(k.column for k in INBOX_ORDER))).scalars())


def inbox_order(order: str | None) -> str:
    """The name of the inbox's ordering a request asks for (``oldest`` when none is asked); an unknown one is
    refused. ``INBOX_ORDERS`` gives its keys."""
    if order in (None, ""):
        return "oldest"
    if order not in INBOX_ORDERS:
        raise InvalidData("排序方式无效", {"order": "应为 " + "、".join(INBOX_ORDERS)})
    return order


def inbox_page(session: Session, actor: Actor, window: Window, order: str | None = None) -> Page[Task]:
    """One page of the actor's inbox with its total, both counted and chosen from the index (``InboxLanes``), then
    the page's rows read by id."""
    order = inbox_order(order)
    shape, keys = lane_shape(actor), INBOX_ORDERS[order]
    values = {**lane_values(actor), **window_values(keys, window)}
    total = sum(session.execute(_inbox_count(shape), values).scalars())
    rows = session.execute(_inbox_rows(shape, order, bool(window.after)), values).scalars()
    return page_of(list(rows), keys, window.limit, total)


@built_once
def _inbox_count(shape: LaneShape) -> Select[Any]:
    return union_all(*inbox_lanes(shape).selects([func.count()]))


@built_once
def _inbox_rows(shape: LaneShape, order: str, after: bool) -> Select[Any]:
    keys = INBOX_ORDERS[order]
    return ordered_by(select(Task).where(Task.id.in_(inbox_lanes(shape).window(keys, after))), keys)


def instances_query(actor: Actor, process: str | None = None, status: str | None = None,
                    where: Sequence[Any] = ()) -> Select[tuple[ProcessInstance]]:
    """Instances in the actor's scope; ``where`` adds a caller's conditions (a report's count, by the domain)."""
    query = select(ProcessInstance).where(within(ProcessInstance.place_path, actor), *where)
    if process:
        query = query.where(ProcessInstance.process_key == process)
    if status:
        query = query.where(ProcessInstance.status == status)
    return query


def visible_instances(session: Session, actor: Actor, process: str | None = None,
                      status: str | None = None, limit: int = 500) -> list[ProcessInstance]:
    return page(session, instances_query(actor, process, status), INSTANCE_ORDER, Window(limit=limit)).rows


def instances_page(session: Session, actor: Actor, window: Window, process: str | None = None,
                   status: str | None = None, where: Sequence[Any] = ()) -> Page[ProcessInstance]:
    return page(session, instances_query(actor, process, status, where), INSTANCE_ORDER, window)


EVENTS = AuditEvent.__table__
# Built once: every case read (and every completion's answer) runs these; building one costs more than running it
_OPEN_TASKS = (select(Task).where(Task.instance_id == bindparam("instance_id"), Task.state == TaskState.READY)
               .order_by(Task.created_at))
# ...and an answer's events as plain rows: no ORM object is built for what is only turned into JSON (api.md's bodies),
# on the driver's cursor (engine.driver_statements)
_TIMELINE = select(AuditEvent).where(AuditEvent.instance_id == bindparam("instance_id")).order_by(AuditEvent.id)
_VERSION_NUMBERS = (select(ProcessVersion.id, ProcessVersion.version)
                    .where(ProcessVersion.id.in_(bindparam("version_ids", expanding=True))))


def open_tasks(session: Session, instance_id: int) -> list[Task]:
    return list(session.execute(_OPEN_TASKS, {"instance_id": instance_id}).scalars())


def timeline(session: Session, instance_id: int) -> list[AuditEvent]:
    return list(session.execute(_TIMELINE, {"instance_id": instance_id}).scalars())


TIMELINE_ORDER = (Key(AuditEvent.id),)


def timeline_page(session: Session, instance_id: int, window: Window, *, leaving_out: Collection[str] = (),
                  with_total: bool = True) -> Page[AuditEvent]:
    """One page of a case's audit events, oldest first, without the types in ``leaving_out`` (a page that does not
    show them counts them neither): a case page or an API reader never loads a long case's whole history at once."""
    query = select(AuditEvent).where(AuditEvent.instance_id == instance_id)
    if leaving_out:
        query = query.where(AuditEvent.type.not_in(leaving_out))
    return page(session, query, TIMELINE_ORDER, window, with_total=with_total)


def version_numbers(session: Session, version_ids: set[int]) -> dict[int, int]:
    """Version id -> version number, without loading the versions' files and specs."""
    return dict(session.execute(_VERSION_NUMBERS, {"version_ids": list(version_ids)}).all())

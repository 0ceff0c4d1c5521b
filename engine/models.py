"""The engine's tables: process versions, instances, the task mirror, the audit log, calendar overrides."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UtcDateTime(TypeDecorator):
    """Stored as naive UTC (SQLite keeps no offset), always handed back timezone-aware."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None else None


# A materialized place path ("/15/1502/150223/"). "This place and below" is read as a range on it
# (engine.scope), which holds only if paths compare character by character: SQLite's default BINARY
# collation does; on PostgreSQL the column is collated "C", since a language collation such as en_US
# ignores the slashes and would sort a subtree outside its range.
PlacePath = String(255).with_variant(String(255, collation="C"), "postgresql")


DEPARTMENT_LENGTH = 40  # a department code a task is routed to (engine.routing checks values against it)
SUBJECT_LENGTH = 200  # what a task is about, as its inbox row names it (engine.subjects)
COMMENT_LENGTH = 500  # a designer's note on a published version


class Base(DeclarativeBase):
    """Declarative base shared by the engine and the domain (one metadata, one migration history)."""


class InstanceStatus(enum.StrEnum):
    RUNNING = "running"  # waiting for people, messages or timers
    COMPLETED = "completed"  # reached an end event
    ERROR = "error"  # a script or expression failed; details in ``error``
    CANCELLED = "cancelled"  # stopped by a user


class TaskState(enum.StrEnum):
    READY = "ready"  # in somebody's inbox
    COMPLETED = "completed"  # done by a user
    CANCELLED = "cancelled"  # withdrawn by the process (boundary timer, cancel) before anyone did it


class ProcessVersion(Base):
    __tablename__ = "process_versions"
    __table_args__ = (Index("ix_process_versions_key_version", "key", "version", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64), index=True)  # a restored old version shares its content
    files: Mapped[dict[str, str]] = mapped_column(JSON, deferred=True)  # file name -> BPMN/DMN text
    forms: Mapped[dict[str, Any]] = mapped_column(JSON)  # form file name -> JSON Schema
    specs: Mapped[str] = mapped_column(Text, deferred=True)  # serialized specs (engine.serialization)
    start_role: Mapped[str | None] = mapped_column(String(40))
    deployed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    deployed_by: Mapped[str | None] = mapped_column(String(80))
    comment: Mapped[str | None] = mapped_column(String(COMMENT_LENGTH))  # the designer's note on publishing it


# An exclusive instance is the one open case of its process for its business key: the database refuses a second
# running one, whatever requests race. An ended instance (completed, cancelled, or failed: nothing can act on an
# errored case, so it must not hold the key) leaves the index by its status; its flag stays, so an instance made to
# run again would be checked again.
OPEN_EXCLUSIVE = "status = 'running' AND exclusive"
INSTANCES_FILLFACTOR = 70  # per cent of a page filled by inserts: the rest is left for the rows' next versions


class ProcessInstance(Base):
    __tablename__ = "process_instances"
    __table_args__ = (
        Index("ix_process_instances_scope", "place_path", "status"),
        Index("ix_process_instances_started", "place_path", "created_at"),  # cases started in a quarter, per area
        # the sweep claims the due in this order, read from here: not every due row sorted (timers fall due together)
        Index("ix_process_instances_wake", "status", "wake_at", "id"),
        # the dashboard's running cases of a place: one range of the running, not a row read for each of the region's
        Index("ix_process_instances_running", "status", "place_path"),
        Index("ux_process_instances_open_case", "business_key", "process_key", unique=True,
              sqlite_where=text(OPEN_EXCLUSIVE), postgresql_where=text(OPEN_EXCLUSIVE)),
        # every step rewrites its case's row: with room left in each page, PostgreSQL writes the new row beside the
        # old one and leaves the seven indexes as they are (a HOT update) unless an indexed column changed
        {"postgresql_with": {"fillfactor": INSTANCES_FILLFACTOR}},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("process_versions.id"))
    process_key: Mapped[str] = mapped_column(String(100))
    place_code: Mapped[str] = mapped_column(String(20))
    place_path: Mapped[str] = mapped_column(PlacePath)
    business_key: Mapped[str | None] = mapped_column(String(100), index=True)
    status: Mapped[str] = mapped_column(String(20), default=InstanceStatus.RUNNING)
    exclusive: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())  # one open per key
    state: Mapped[str] = mapped_column(Text, deferred=True)  # Spiff JSON without the spec; only steps read it
    revision: Mapped[int] = mapped_column(Integer, default=0)  # raised by each write of the row (a step, a claim)
    audit_hash: Mapped[str] = mapped_column(String(64))  # last hash of this instance's audit chain
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # latest task data, plain JSON
    waiting: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    wake_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # earliest pending timer
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str | None] = mapped_column(String(80))
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Task(Base):
    """A mirror of each READY human task, so inboxes never deserialize a workflow."""

    __tablename__ = "tasks"
    __table_args__ = (
        # a lane's or a department's inbox (engine.routing), its counts and its page's keys read from the index alone
        Index("ix_tasks_lane", "role", "department", "state", "place_path", "placed", "claimed_by", "due_at",
              "process_key", "bpmn_id", "place_code", "created_at", "id", "name"),
        Index("ix_tasks_instance", "instance_id", "state"),
        # a case's tasks that came to their step within a quarter (the bulletin), without reading the other tasks' rows
        Index("ix_tasks_instance_created", "instance_id", "created_at"),
        # open and overdue work per area, and cases per open step (dashboard), read from the index alone; created_at:
        # the READY then still open at a past quarter's end (bulletin)
        Index("ix_tasks_scope", "state", "place_path", "due_at", "process_key", "bpmn_id", "name", "instance_id",
              "created_at"),
        # a region's cases per open step read in step order, not sorted (dashboard); of READY tasks alone (8 MB for a
        # region's 50,000: a task enters it when it comes to its step, leaves it when done); state: SQLite reads it
        Index("ix_tasks_ready_steps", "process_key", "bpmn_id", "name", "instance_id", "due_at", "place_path", "state",
              sqlite_where=text("state = 'ready'"), postgresql_where=text("state = 'ready'")),
        # the tasks done or withdrawn since a past quarter's end, still open then (bulletin); of those done alone, so a
        # task enters it when done and costs nothing when it comes to its step
        Index("ix_tasks_done", "completed_at", "place_path", "created_at", "due_at",
              sqlite_where=text("completed_at IS NOT NULL"), postgresql_where=text("completed_at IS NOT NULL")),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # Spiff's task UUID
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"))
    process_key: Mapped[str] = mapped_column(String(100))
    bpmn_id: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str | None] = mapped_column(String(40))
    department: Mapped[str | None] = mapped_column(String(DEPARTMENT_LENGTH))  # routed to this department only
    subject: Mapped[str | None] = mapped_column(String(SUBJECT_LENGTH))  # what it is about (engine.subjects)
    place_code: Mapped[str] = mapped_column(String(20))
    place_path: Mapped[str] = mapped_column(PlacePath)
    # its model named the place (``engine.placement``): the work of that place's users alone, not of those above
    placed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    form: Mapped[str | None] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(20), default=TaskState.READY)
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    completed_by: Mapped[str | None] = mapped_column(String(80))


class AuditEvent(Base):
    """Append-only; each row's hash covers its content and the previous event of the same chain."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str | None] = mapped_column(String(80))
    type: Mapped[str] = mapped_column(String(40))
    instance_id: Mapped[int | None] = mapped_column(Integer, index=True)
    task_id: Mapped[str | None] = mapped_column(String(36))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """Last hash of the global chain (events of no instance); appenders lock this row."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    hash: Mapped[str] = mapped_column(String(64))


class CalendarOverride(Base):
    """A holiday or make-up workday that wins over chinese-calendar and the weekday rule."""

    __tablename__ = "calendar_overrides"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    is_working_day: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(String(200), default="")


class TaskDraft(Base):
    """What a user typed into a task's form and saved without submitting; removed when the task completes."""

    __tablename__ = "task_drafts"

    task_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    username: Mapped[str] = mapped_column(String(80), primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    saved_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ProcessDraft(Base):
    """The one draft of a process model a designer edits before publishing it (engine.model_drafts).

    ``revision`` is the lock: a save names the revision it was made from and wins only if it is still the stored
    one, so two designers editing at once get a conflict instead of a silent overwrite. ``files`` are text as the
    designer left them (file name -> BPMN, DMN, form or scenario text), possibly not even valid XML or JSON.
    """

    __tablename__ = "process_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    revision: Mapped[int] = mapped_column(Integer)
    base_version: Mapped[int | None] = mapped_column(Integer)  # the version it was started from, None for a new model
    files: Mapped[dict[str, str]] = mapped_column(JSON)
    main: Mapped[str | None] = mapped_column(String(100))  # the process (or collaboration) to run, if it must be named
    updated_by: Mapped[str] = mapped_column(String(80))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)

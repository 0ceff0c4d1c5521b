"""Tables of major events reported level by level (重大事项逐级上报): the event, each level's acknowledgement or
automatic escalation, the follow-up reports and the affected households. Registered on the shared metadata by
``monitoring.models``."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.models import Base, PlacePath, UtcDateTime


class EventStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"  # 结案: the county's last follow-up closed it


class LevelState(enum.StrEnum):
    WAITING = "waiting"  # the level's acknowledgement is due
    ACKNOWLEDGED = "acknowledged"  # acknowledged within its deadline
    ESCALATED = "escalated"  # not acknowledged by its deadline: the report went up on its own


class MajorEvent(Base):
    """What a county reports; the figures are the latest known (each follow-up report may update them)."""

    __tablename__ = "major_events"
    __table_args__ = (Index("ix_major_events_place", "place_path", "id"),
                      Index("ix_major_events_order", "status", "reported_at", "id"))  # the list's order (events_page)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))  # code list major_event_kind
    kind_note: Mapped[str | None] = mapped_column(String(200), nullable=True)  # what "other" is
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    county_code: Mapped[str] = mapped_column(ForeignKey("places.code"))  # the reporting county
    place_code: Mapped[str] = mapped_column(ForeignKey("places.code"))  # the county or a place below it
    place_path: Mapped[str] = mapped_column(PlacePath)
    summary: Mapped[str] = mapped_column(Text)
    affected_households: Mapped[int] = mapped_column(Integer)
    affected_people: Mapped[int] = mapped_column(Integer)
    losses: Mapped[Decimal] = mapped_column(Numeric(14, 2))  # yuan
    measures_taken: Mapped[str] = mapped_column(Text)
    needs: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=EventStatus.OPEN)
    ack_minutes: Mapped[int] = mapped_column(Integer)  # each level's deadline, copied when reported
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id"), nullable=True)
    reported_by: Mapped[str] = mapped_column(String(80))
    reported_at: Mapped[datetime] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)

    levels: Mapped[list[EventLevel]] = relationship(order_by="EventLevel.id", back_populates="event")
    updates: Mapped[list[EventUpdate]] = relationship(order_by="EventUpdate.id", back_populates="event")
    households: Mapped[list[EventHousehold]] = relationship(order_by="EventHousehold.id", back_populates="event")


class EventLevel(Base):
    """A level above the county the report reached (盟市, then 自治区): due when it arrived, then acknowledged
    (who, when, instructions) or escalated past it at its deadline; a late level keeps its row and sees the event."""

    __tablename__ = "major_event_levels"
    __table_args__ = (UniqueConstraint("event_id", "level", name="uq_major_event_levels_level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("major_events.id"))
    level: Mapped[str] = mapped_column(String(20))  # league | region
    place_code: Mapped[str] = mapped_column(ForeignKey("places.code"))
    reached_at: Mapped[datetime] = mapped_column(UtcDateTime)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    state: Mapped[str] = mapped_column(String(20), default=LevelState.WAITING)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    acknowledged_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    instructions: Mapped[str | None] = mapped_column(Text, nullable=True)
    escalated_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)

    event: Mapped[MajorEvent] = relationship(back_populates="levels")


class EventUpdate(Base):
    """A follow-up report (续报), with the figures as they stand then; the last one may close the event (结案)."""

    __tablename__ = "major_event_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("major_events.id"), index=True)
    reported_at: Mapped[datetime] = mapped_column(UtcDateTime)
    reported_by: Mapped[str] = mapped_column(String(80))
    text: Mapped[str] = mapped_column(Text)
    affected_households: Mapped[int | None] = mapped_column(Integer, nullable=True)
    affected_people: Mapped[int | None] = mapped_column(Integer, nullable=True)
    losses: Mapped[Decimal | None] = mapped_column(Numeric(14, 2), nullable=True)
    closes: Mapped[bool] = mapped_column(Boolean, default=False)

    event: Mapped[MajorEvent] = relationship(back_populates="updates")


class EventHousehold(Base):
    """A household the event affects, listed by the county; its fast-track identification case when it has one."""

    __tablename__ = "major_event_households"
    __table_args__ = (UniqueConstraint("event_id", "household_id", name="uq_major_event_households"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("major_events.id"))
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    added_by: Mapped[str] = mapped_column(String(80))
    added_at: Mapped[datetime] = mapped_column(UtcDateTime)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id"), nullable=True)

    event: Mapped[MajorEvent] = relationship(back_populates="households")

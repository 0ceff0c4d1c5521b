"""Tables of the annual adjustment campaign (年度动态管理): the campaign, each place's part in it, and the
households a village has checked. Registered on the shared metadata by ``monitoring.models``."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.models import Base, PlacePath, UtcDateTime


class CampaignStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"  # the region received the summary


class UnitStatus(enum.StrEnum):
    OPEN = "open"  # not yet submitted
    SUBMITTED = "submitted"  # reported to the level above (done)
    RETURNED = "returned"  # sent back by the level above with a reason
    APPROVED = "approved"  # accepted by the level above (done)


DONE_STATUSES = (UnitStatus.SUBMITTED, UnitStatus.APPROVED)


class Campaign(Base):
    """One year's concentrated adjustment opened by a region with the year's income line and a deadline per level."""

    __tablename__ = "campaigns"
    __table_args__ = (UniqueConstraint("place_code", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    place_code: Mapped[str] = mapped_column(ForeignKey("places.code"))
    place_path: Mapped[str] = mapped_column(PlacePath)
    income_line: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    deadlines: Mapped[dict[str, Any]] = mapped_column(JSON)  # level -> ISO date
    status: Mapped[str] = mapped_column(String(10), default=CampaignStatus.OPEN)
    opened_by: Mapped[str] = mapped_column(String(80))
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class CampaignUnit(Base):
    """A place's part in a campaign: one per place of every level below and including the campaign's place."""

    __tablename__ = "campaign_units"
    __table_args__ = (UniqueConstraint("campaign_id", "place_code"),
                      Index("ix_campaign_units_path", "campaign_id", "place_path"))

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    place_code: Mapped[str] = mapped_column(String(20))
    place_path: Mapped[str] = mapped_column(PlacePath)
    level: Mapped[str] = mapped_column(String(20))
    parent_code: Mapped[str | None] = mapped_column(String(20))
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default=UnitStatus.OPEN)
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    submitted_by: Mapped[str | None] = mapped_column(String(80))
    returned_reason: Mapped[str | None] = mapped_column(String(500))
    instance_id: Mapped[int | None] = mapped_column(Integer)  # the case holding its task, once it has one

    @property
    def done(self) -> bool:
        return self.status in DONE_STATUSES


class CampaignCheck(Base):
    """A household a village has checked in the campaign (走访核实), by whom and when."""

    __tablename__ = "campaign_checks"
    __table_args__ = (UniqueConstraint("campaign_id", "household_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    checked_at: Mapped[datetime] = mapped_column(UtcDateTime)
    checked_by: Mapped[str] = mapped_column(String(80))
    note: Mapped[str | None] = mapped_column(String(500))

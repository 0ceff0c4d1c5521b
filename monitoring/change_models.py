"""Tables of natural changes of a household's population (人口自然变更). Registered on the shared metadata by
``monitoring.models``."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from engine.models import Base, PlacePath, UtcDateTime


class ChangeKind(enum.StrEnum):
    BIRTH = "birth"  # 出生
    DEATH = "death"  # 死亡
    MARRY_IN = "marry_in"  # 婚入
    MARRY_OUT = "marry_out"  # 婚出
    MOVE_IN = "move_in"  # 迁入
    MOVE_OUT = "move_out"  # 迁出
    SPLIT = "split"  # 分户
    MERGE = "merge"  # 合户


KIND_NAMES = {ChangeKind.BIRTH: "出生", ChangeKind.DEATH: "死亡", ChangeKind.MARRY_IN: "婚入",
              ChangeKind.MARRY_OUT: "婚出", ChangeKind.MOVE_IN: "迁入", ChangeKind.MOVE_OUT: "迁出",
              ChangeKind.SPLIT: "分户", ChangeKind.MERGE: "合户"}


class HouseholdChange(Base):
    """One natural change of a household, recorded as it happens and marked (标注) for the national record only
    inside a marking window; counted by kind, period (``occurred_on``) and place (contract §3)."""

    __tablename__ = "household_changes"
    __table_args__ = (Index("ix_household_changes_household", "household_id", "id"),
                      Index("ix_household_changes_scope", "place_path", "occurred_on"))

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    place_path: Mapped[str] = mapped_column(PlacePath)  # the household's, for scoped counts
    kind: Mapped[str] = mapped_column(String(20))
    occurred_on: Mapped[date] = mapped_column(Date)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))  # who came or left
    related_household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"))  # split: new; merge: into
    moved_member_ids: Mapped[list[int]] = mapped_column(JSON, default=list)  # split, merge: who went over (head first)
    note: Mapped[str] = mapped_column(String(500), default="")
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("attachments.id"))  # the scanned proof
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    recorded_by: Mapped[str] = mapped_column(String(80))
    marked_on: Mapped[date | None] = mapped_column(Date)  # marked inside a marking window (None: 待标注)
    marked_by: Mapped[str | None] = mapped_column(String(80))

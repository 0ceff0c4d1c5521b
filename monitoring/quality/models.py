"""Tables of the data-quality checks (问题数据清洗): each finding as it was found, seen again and closed, and each run.
Registered on the shared metadata by ``monitoring.models``.

A finding is open while its check still trips the household; a run that no longer finds it closes it
(``resolved_at``), and a later trip opens a new finding, so a record's history of findings is kept whole.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, event, inspect, text, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from engine.models import Base, PlacePath, UtcDateTime
from monitoring.models import Household

OPEN = text("resolved_at IS NULL")
RULE_LENGTH = 10
SUBJECT_LENGTH = 40
MESSAGE_LENGTH = 1000
FILLFACTOR = 70  # seen-again runs: 19% less server CPU than 100 (bench/quality.py region, interleaved A/B)


class QualityFinding(Base):
    """One household (or one of its members, ``subject``) tripping one check, from ``found_at`` until the run that
    no longer found it (``resolved_at``; NULL while open). ``place_path`` is the household's, for scope queries."""

    __tablename__ = "quality_findings"
    __table_args__ = (
        # a check trips a household's subject once at a time: the runner's inserts can never open it twice
        Index("uq_quality_findings_open", "rule", "household_id", "subject", unique=True,
              sqlite_where=OPEN, postgresql_where=OPEN),
        # open findings of a scope: counts by rule and by place, the runner's findings of a rule, the open list
        Index("ix_quality_findings_open", "place_path", "rule", "severity", "id",
              sqlite_where=OPEN, postgresql_where=OPEN),
        Index("ix_quality_findings_place", "place_path", "id"),  # every finding of a scope, open or closed
        Index("ix_quality_findings_household", "household_id", "id"),
        # a run rewrites an open finding whose message or figures changed (no index on them): room left in each
        # page keeps the new version there (a HOT update, no entry in the five indexes)
        {"postgresql_with": {"fillfactor": FILLFACTOR}},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    subject: Mapped[str] = mapped_column(String(SUBJECT_LENGTH), default="", server_default="")
    rule: Mapped[str] = mapped_column(String(RULE_LENGTH))  # the check's code (monitoring.quality.catalogue)
    severity: Mapped[str] = mapped_column(String(10))
    message: Mapped[str] = mapped_column(String(MESSAGE_LENGTH))  # as last seen (cut to the column)
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)  # as last seen
    place_path: Mapped[str] = mapped_column(PlacePath)
    found_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # when the message and figures were last written (found, or seen again with other figures); an open finding
    # is seen again by every run over its place, and not rewritten for it (a quarter of a seen-again run's server
    # CPU, bench/quality_runs.py)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class QualityRun(Base):
    """One run of the catalogue over a place and below: on demand by a user, or the nightly run over everything
    (``nightly_on``, the China date it ran for: unique, so one worker of any number runs each night)."""

    __tablename__ = "quality_runs"
    __table_args__ = (Index("ix_quality_runs_place", "place_path", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    place_path: Mapped[str] = mapped_column(PlacePath)
    by: Mapped[str] = mapped_column(String(80))  # a username, or "nightly"
    nightly_on: Mapped[date | None] = mapped_column(Date, unique=True)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    checked: Mapped[int] = mapped_column(Integer, default=0)  # live households in scope
    tripped: Mapped[int] = mapped_column(Integer, default=0)  # findings seen by this run
    new: Mapped[int] = mapped_column(Integer, default=0)
    closed: Mapped[int] = mapped_column(Integer, default=0)
    open: Mapped[int] = mapped_column(Integer, default=0)  # open findings in scope after the run
    failed: Mapped[list[str]] = mapped_column(JSON, default=list)  # codes of the checks that raised


@event.listens_for(Session, "after_flush")
def _findings_follow_their_household(session: Session, _context: Any) -> None:
    """A household moved to another village takes its open findings along in the same flush: the old village's lists
    and its correction case no longer count them, the new village's do. (Rows moved around the ORM are caught up by
    the next run over either place: ``runner.refresh_places`` and the runner's findings of households moved in.)"""
    moved = [(instance.id, instance.place_path) for instance in session.dirty
             if isinstance(instance, Household) and inspect(instance).attrs.place_path.history.has_changes()]
    table = QualityFinding.__table__
    for household_id, place_path in moved:
        session.connection().execute(update(table).where(
            table.c.household_id == household_id, table.c.resolved_at.is_(None), table.c.place_path != place_path)
            .values(place_path=place_path))

"""Public notices: households decided together in a village on the same day share one notice."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.assignment import Actor
from monitoring.models import Household, Notice, NoticeEntry

MIN_NOTICE_DAYS = 5


def post_notice(session: Session, household: Household, stage: str, days: int, today: date, username: str,
                at: datetime) -> Notice:
    """Put the household on its village's notice of this stage posted today (created on first use)."""
    days = max(int(days), MIN_NOTICE_DAYS)
    notice = session.execute(select(Notice).where(
        Notice.stage == stage, Notice.village_code == household.village_code, Notice.starts_on == today)).scalar()
    if notice is None:
        notice = Notice(stage=stage, village_code=household.village_code, place_path=household.place_path,
                        starts_on=today, ends_on=today + timedelta(days=days), created_at=at, created_by=username)
        session.add(notice)
        session.flush()
    exists = session.execute(select(NoticeEntry.id).where(NoticeEntry.notice_id == notice.id,
                                                          NoticeEntry.household_id == household.id)).first()
    if exists is None:
        session.add(NoticeEntry(notice_id=notice.id, household_id=household.id))
        session.flush()
    return notice


def open_notices(session: Session, actor: Actor, today: date) -> list[Notice]:
    return list(session.execute(
        select(Notice).where(Notice.place_path.startswith(actor.place_path, autoescape=True), Notice.ends_on >= today)
        .order_by(Notice.ends_on)
    ).scalars())


def households_on(session: Session, notice_id: int) -> list[int]:
    return list(session.execute(select(NoticeEntry.household_id).where(NoticeEntry.notice_id == notice_id)
                                .order_by(NoticeEntry.id)).scalars())

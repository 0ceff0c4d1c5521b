"""Public notices: households decided together in a village on the same day share one notice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from engine.assignment import Actor
from engine.paging import Key, Page, Window, page
from engine.scope import within
from monitoring.models import Household, Notice, NoticeEntry

MIN_NOTICE_DAYS = 5


def post_notice(session: Session, household: Household, stage: str, days: int, today: date, username: str,
                at: datetime, instance_id: int | None = None) -> Notice:
    """Put the household on its village's notice of this stage posted today (created on first use), remembering the
    case that put it there: a household's later case must not speak for an earlier notice."""
    days = max(int(days), MIN_NOTICE_DAYS)
    notice = session.execute(select(Notice).where(
        Notice.stage == stage, Notice.village_code == household.village_code, Notice.starts_on == today)).scalar()
    if notice is None:
        notice = Notice(stage=stage, village_code=household.village_code, place_path=household.place_path,
                        starts_on=today, ends_on=today + timedelta(days=days), created_at=at, created_by=username)
        session.add(notice)
        session.flush()
    entry = session.execute(select(NoticeEntry).where(NoticeEntry.notice_id == notice.id,
                                                      NoticeEntry.household_id == household.id)).scalar()
    if entry is None:
        session.add(NoticeEntry(notice_id=notice.id, household_id=household.id, instance_id=instance_id))
    elif instance_id is not None:
        entry.instance_id = instance_id
    session.flush()
    return notice


def cases_on(session: Session, notice_id: int) -> dict[int, int]:
    """Household id -> the case that put it on the notice (households put there before cases were kept: absent)."""
    return dict(session.execute(select(NoticeEntry.household_id, NoticeEntry.instance_id).where(
        NoticeEntry.notice_id == notice_id, NoticeEntry.instance_id.is_not(None))).all())


def notices_of_cases(session: Session, instance_ids: list[int]) -> dict[int, list[Notice]]:
    """Every notice each case put its household on, oldest first (a case posts one per stage, again after an
    objection's re-check)."""
    found: dict[int, list[Notice]] = {instance_id: [] for instance_id in instance_ids}
    if instance_ids:
        for instance_id, notice in session.execute(
                select(NoticeEntry.instance_id, Notice).join(Notice, Notice.id == NoticeEntry.notice_id)
                .where(NoticeEntry.instance_id.in_(instance_ids)).order_by(Notice.starts_on, Notice.id)):
            found[instance_id].append(notice)
    return found


@dataclass(frozen=True)
class Period:
    """The days a notice counts, as a reader counts them from the dates stated.

    The posting day is not counted (民法典第二百零一条: 开始的当日不计入): a notice posted on 3 March for
    5 days counts 4 to 8 March and comes down at the end of the 8th (``ends_on``), so "3月4日至3月8日（共5天）"
    reads right to someone counting on their fingers.
    """

    posted_on: date
    first_day: date
    last_day: date

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1


def period(notice: Notice) -> Period:
    return period_of(notice.starts_on, notice.ends_on)


def period_of(posted_on: date, ends_on: date) -> Period:
    return Period(posted_on, posted_on + timedelta(days=1), ends_on)


NOTICE_ORDER = (Key(Notice.ends_on), Key(Notice.id))  # the soonest to end first


def open_notices_query(actor: Actor, today: date) -> Select[tuple[Notice]]:
    return select(Notice).where(within(Notice.place_path, actor), Notice.ends_on >= today)


def open_notices(session: Session, actor: Actor, today: date, window: Window) -> Page[Notice]:
    """One page of the actor's open notices."""
    return page(session, open_notices_query(actor, today), NOTICE_ORDER, window)


def households_on(session: Session, notice_id: int) -> list[int]:
    return households_on_notices(session, [notice_id]).get(notice_id, [])


def households_on_notices(session: Session, notice_ids: list[int]) -> dict[int, list[int]]:
    """Each notice's households in the order they were put on it, for a page of notices in one query."""
    on: dict[int, list[int]] = {notice_id: [] for notice_id in notice_ids}
    if notice_ids:
        for notice_id, household_id in session.execute(
                select(NoticeEntry.notice_id, NoticeEntry.household_id)
                .where(NoticeEntry.notice_id.in_(notice_ids)).order_by(NoticeEntry.id)):
            on[notice_id].append(household_id)
    return on

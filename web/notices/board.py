"""Open notices as the village wall shows them: who is on them, for how long, and whom to tell.

A notice is public: households appear by head's name and village group only, never with ID numbers,
phone numbers, bank accounts or health (domain.md §9).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from itertools import chain

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.assignment import Actor
from engine.paging import Page, Window, walk
from monitoring import notices
from monitoring.models import Household, Notice, Place
from web.cases.listing import households_by_id, place_names
from web.exports import EXPORT_MAX_ROWS, Column
from web.notices.words import stage_name


@dataclass(frozen=True)
class Listed:
    """A household as a notice may show it."""

    id: int
    head: str
    group: str


@dataclass(frozen=True)
class Board:
    notice: Notice
    stage: str
    village: str
    township: str
    period: notices.Period  # the days it counts, as the wall states them
    days_left: int  # 0 on its last day
    households: list[Listed]


def boards_page(session: Session, actor: Actor, today: date, window: Window) -> Page[Board]:
    """A page of the actor's open notices, soonest to end first."""
    found = notices.open_notices(session, actor, today, window)
    return Page(boards(session, found.rows, today), found.total, found.next_cursor)


def all_boards(session: Session, actor: Actor, today: date) -> Iterator[list[Board]]:
    for rows in walk(session, notices.open_notices_query(actor, today), notices.NOTICE_ORDER, EXPORT_MAX_ROWS):
        yield boards(session, rows, today)


def board_columns() -> list[Column[Board]]:
    """One row per notice: the names it shows (never ID numbers, as on the wall)."""
    return [
        Column("嘎查村", lambda b: b.village, width=16),
        Column("苏木乡镇", lambda b: b.township, width=16),
        Column("公示", lambda b: b.stage, width=20),
        Column("张贴日期", lambda b: b.period.posted_on, "date"),
        Column("公示开始", lambda b: b.period.first_day, "date"),  # the posting day is not counted
        Column("公示结束", lambda b: b.period.last_day, "date"),
        Column("公示天数", lambda b: b.period.days, "int", width=10),
        Column("剩余天数", lambda b: b.days_left, "int", width=10),
        Column("户数", lambda b: len(b.households), "int", width=8),
        Column("户主（村民小组）", lambda b: "、".join(f"{h.head}（{h.group}）" if h.group else h.head
                                                for h in b.households), width=40),
    ]


def boards(session: Session, rows: list[Notice], today: date) -> list[Board]:
    """Notices with their villages, townships and households, in four queries whatever their number."""
    on_notice = notices.households_on_notices(session, [n.id for n in rows])
    households = households_by_id(session, chain.from_iterable(on_notice.values()))
    villages = {p.code: p for p in session.execute(
        select(Place).where(Place.code.in_({n.village_code for n in rows}))).scalars()} if rows else {}
    townships = place_names(session, {p.parent_code for p in villages.values() if p.parent_code})
    return [_board(n, villages.get(n.village_code), townships,
                   [households[i] for i in on_notice[n.id] if i in households], today) for n in rows]


def _board(notice: Notice, village: Place | None, townships: dict[str, str], households: list[Household],
           today: date) -> Board:
    township = townships.get(village.parent_code or "", "") if village else ""
    return Board(notice, stage_name(notice.stage), village.name if village else notice.village_code, township,
                 notices.period(notice), (notice.ends_on - today).days,
                 [Listed(h.id, h.head.name if h.head else f"#{h.id}", h.group_name) for h in households])

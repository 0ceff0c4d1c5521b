"""The demo's natural changes (人口自然变更), recorded by the village cadre through the same rule as the pages and
the API on a clock set back: last quarter's birth, death and marriage out marked inside that quarter's marking
window, and this quarter's marriage in, moves in and out, a split and a merge still waiting to be marked."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.assignment import Actor
from engine.core import Engine
from monitoring import change_marking, households, marking_windows, natural_changes
from monitoring.change_models import KIND_NAMES, HouseholdChange
from monitoring.id_number import check_digit
from monitoring.models import Household, Member, Place
from web.demo_steps import Travel, day_at, user_actor

LOOK_BACK_DAYS = 200  # far enough to find the last marking window before this quarter


def build_changes(engine: Engine, session: Session, travel: Travel, village: str) -> list[HouseholdChange]:
    """Three households of the village registered before last quarter's window, then their changes; prints one
    line saying what was recorded and marked."""
    place = session.get(Place, village)
    cadre = user_actor(session, "village", place.path)
    marking_day = _last_marking_day(session, place.path, travel.today)
    travel.back_to(day_at(marking_day - timedelta(days=45)))
    herders, shepherds, widow = (_registered(engine, session, village, members) for members in _families(session))
    baby = _person(session, "小孟和", "grandson", marking_day - timedelta(days=30), female=False)
    marked = [
        _record(engine, session, cadre, travel, herders, "birth", marking_day - timedelta(days=30),
                member=baby, note="出生医学证明已核验"),
        _record(engine, session, cadre, travel, herders, "death", marking_day - timedelta(days=20),
                member_id=_named(herders, "孟克"), note="因病去世，村委会出具死亡证明"),
        _record(engine, session, cadre, travel, shepherds, "marry_out", marking_day - timedelta(days=10),
                member_id=_named(shepherds, "萨仁"), note="嫁往锡林郭勒盟"),
    ]
    travel.forward_to(day_at(marking_day))
    change_marking.mark_changes(session, cadre, {"change_ids": [c.id for c in marked]}, engine.now())
    session.commit()
    first = max(_quarter_start(travel.today), marking_day + timedelta(days=1))
    days = [min(first + timedelta(days=step), travel.today) for step in range(5)]
    pending = [
        _record(engine, session, cadre, travel, herders, "marry_in", days[0],
                member=_person(session, "其木格", "daughter_in_law", date(1999, 4, 18), female=True),
                note="与朝鲁登记结婚"),
        _record(engine, session, cadre, travel, shepherds, "move_in", days[1],
                member=_person(session, "额尔德尼", "father", date(1948, 11, 2), female=False),
                note="老人投靠儿子落户"),
        _record(engine, session, cadre, travel, shepherds, "move_out", days[2],
                member_id=_named(shepherds, "阿如汗"), note="考入大学，户口迁往呼和浩特"),
        _record(engine, session, cadre, travel, herders, "split", days[3],
                member_ids=[_named(herders, "朝鲁"), _named(herders, "其木格")], head_id=_named(herders, "朝鲁"),
                note="儿子成家另立户"),
        _record(engine, session, cadre, travel, widow, "merge", days[4], into_household_id=shepherds.id,
                head_relation="other", note="独居老人并入亲属家庭共同生活"),
    ]
    travel.forward_to(travel.now)
    kinds = "、".join(KIND_NAMES[c.kind] for c in [*marked, *pending])
    click.echo(f"人口自然变更: {place.name} {len(marked) + len(pending)} 项（{kinds}），"
               f"已标注 {len(marked)} 项（{marking_day:%Y年%m月%d日}），待标注 {len(pending)} 项")
    return [*marked, *pending]


def _last_marking_day(session: Session, place_path: str, today: date) -> date:
    """The last day of the most recent marking window that closed before this quarter began."""
    day = _quarter_start(today) - timedelta(days=1)
    for _ in range(LOOK_BACK_DAYS):
        window = marking_windows.window_for(session, place_path, day)
        if window is not None:
            return max(window.opens_on, day - timedelta(days=5))
        day -= timedelta(days=1)
    raise LookupError("no marking window in the last months")


def _quarter_start(day: date) -> date:
    return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def _families(session: Session) -> list[list[dict[str, Any]]]:
    return [
        [_person(session, "巴图", "head", date(1958, 6, 9), female=False),
         _person(session, "孟克", "spouse", date(1960, 2, 14), female=True),
         _person(session, "朝鲁", "son", date(1996, 8, 21), female=False),
         _person(session, "图雅", "daughter", date(2001, 5, 3), female=True)],
        [_person(session, "斯琴", "head", date(1972, 10, 1), female=False),
         _person(session, "乌日娜", "spouse", date(1974, 3, 27), female=True),
         _person(session, "萨仁", "daughter", date(2000, 7, 12), female=True),
         _person(session, "阿如汗", "son", date(2007, 9, 30), female=False)],
        [_person(session, "那木吉拉", "head", date(1944, 12, 5), female=True)],
    ]


def _person(session: Session, name: str, relation: str, born: date, *, female: bool) -> dict[str, Any]:
    """A resident of the demo county with an ID number no member has yet (the sequence picks the sex)."""
    for sequence in range(900, 1000):
        if sequence % 2 == (0 if female else 1):
            first17 = f"150223{born:%Y%m%d}{sequence:03d}"
            id_number = first17 + check_digit(first17)
            if session.execute(select(Member.id).where(Member.id_number == id_number)).first() is None:
                return {"name": name, "id_number": id_number, "relation": relation, "ethnicity": "02"}
    raise LookupError(f"no free ID number for {born}")


def _registered(engine: Engine, session: Session, village: str, members: list[dict[str, Any]]) -> Household:
    county = user_actor(session, "county", session.get(Place, village).path)
    household = households.create_household(session, county, {
        "village": village, "household_type": "ordinary", "group": "3组", "address": "牧点", "members": members},
        engine.now())
    size = len(members)
    households.record_measurement(session, household, {
        "year": engine.today().year - 1, "wage_income": 9000 * size, "business_income": 6000 * size,
        "business_expenses": 2000}, county.username, engine.now())
    session.commit()
    return household


def _named(household: Household, name: str) -> int:
    return next(m.id for m in household.members if m.name == name)


def _record(engine: Engine, session: Session, cadre: Actor, travel: Travel, household: Household, kind: str,
            on: date, **data: Any) -> HouseholdChange:
    """The cadre records the change on the day it happened (in the morning after, at the latest)."""
    travel.forward_to(day_at(on, 10))
    change = natural_changes.record_change(session, cadre, household.id,
                                           {"kind": kind, "on": on.isoformat(), **data}, engine.now())
    session.commit()
    session.refresh(household)
    return change

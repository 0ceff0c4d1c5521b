"""The households a major event affects: the county lists them on the event, only households of the event's place and
below (found by a search within it), and fast-tracks one into identification at step 2 (重大事项绿色通道: channel
cadre_screening, start field event_id) through identification's own start rule, so a monitored household is not
identified again and a household has one open identification at a time. A reader of the event sees only the listed
households it may see: a township never learns of another township's households through an event."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.assignment import Actor
from engine.core import Engine
from engine.errors import Conflict, InvalidData, NotFound
from engine.limits import fits_integer
from engine.scope import below, within
from monitoring import cases
from monitoring.event_models import EventHousehold, EventStatus, MajorEvent
from monitoring.events import visible_event
from monitoring.households import Search, search_query
from monitoring.models import Household
from monitoring.permissions import EVENT_REPORTERS, require

MAX_LISTED = 500  # households listed in one request
MAX_FOUND = 30  # households a search shows at once: more asks for a longer name or ID tail
FAST_TRACK_CHANNEL = "cadre_screening"


def _open_event(session: Session, actor: Actor, event_id: int) -> MajorEvent:
    event = visible_event(session, actor, event_id)
    require(actor.role, EVENT_REPORTERS, "只有旗县可以登记受影响农户")
    if event.status == EventStatus.CLOSED:
        raise Conflict("该重大事项已结案")
    return event


def list_households(session: Session, actor: Actor, event_id: int, household_ids: Any,
                    now: datetime) -> list[EventHousehold]:
    """List households of the event's place and below as affected; one listed already stays as it was. Returns the
    new rows."""
    event = _open_event(session, actor, event_id)
    if not isinstance(household_ids, list) or not household_ids or len(household_ids) > MAX_LISTED:
        raise InvalidData("受影响农户有误", {"household_ids": f"请选择受影响的农户（一次1至{MAX_LISTED}户）"})
    ids = list(dict.fromkeys(household_ids))
    if any(isinstance(i, bool) or not isinstance(i, int) or not fits_integer(i) for i in ids):
        raise InvalidData("受影响农户有误", {"household_ids": "应为农户编号（整数）"})
    found = {row.id: row for row in session.execute(select(Household).where(Household.id.in_(ids))).scalars()}
    strangers = [i for i in ids if i not in found or not found[i].place_path.startswith(event.place_path)
                 or not actor.sees(found[i].place_path)]
    if strangers:
        raise InvalidData("受影响农户有误", {"household_ids": "不是事发地的农户: " + "、".join(map(str, strangers))})
    listed = set(session.execute(select(EventHousehold.household_id).where(
        EventHousehold.event_id == event.id, EventHousehold.household_id.in_(ids))).scalars())
    rows = [EventHousehold(event_id=event.id, household_id=i, added_by=actor.username, added_at=now)
            for i in ids if i not in listed]
    session.add_all(rows)
    session.flush()
    return rows


def affected_households(session: Session, actor: Actor, event: MajorEvent) -> list[tuple[EventHousehold, Household]]:
    """The event's listed households the actor may see, in the order they were listed."""
    rows = session.execute(
        select(EventHousehold, Household).join(Household, Household.id == EventHousehold.household_id)
        .where(EventHousehold.event_id == event.id, within(Household.place_path, actor))
        .order_by(EventHousehold.id)).all()
    return [(row, household) for row, household in rows]


def candidates(session: Session, actor: Actor, event: MajorEvent, text: str) -> list[Household]:
    """Households of the event's place and below whose member's name holds ``text`` or whose ID number ends with it,
    as the county picks the affected ones (at most ``MAX_FOUND`` + 1, so the page can say there are more)."""
    text = text.strip()
    if not text:
        return []
    query = search_query(session, actor, Search(q=text, where=(below(Household.place_path, event.place_path),)))
    return list(session.execute(query.order_by(Household.id).limit(MAX_FOUND + 1)).scalars())


def fast_track(session: Session, engine: Engine, actor: Actor, event_id: int, household_id: int) -> EventHousehold:
    """Start the listed household's identification at the visit (走访排查), marked as the event's green channel."""
    event = _open_event(session, actor, event_id)
    row = session.execute(select(EventHousehold).where(
        EventHousehold.event_id == event.id, EventHousehold.household_id == household_id)).scalar()
    if row is None:
        raise NotFound(f"EventHousehold {event_id}/{household_id}")
    if row.instance_id is not None:
        raise Conflict(f"该农户已走绿色通道 (#{row.instance_id})")
    row.instance_id = cases.start_case(engine, session, actor, cases.IDENTIFICATION, household_id,
                                       {"channel": FAST_TRACK_CHANNEL, "event_id": event.id}, on_act=True)
    session.flush()
    return row

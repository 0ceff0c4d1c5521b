"""重大事项逐级上报 (domain.md §8, seed 003 §六(三)): a county reports a major event, which goes up level by level
(盟市, then 自治区), each level acknowledging within its deadline; follow-up reports until it is closed. The one rule
behind ``/api/v1/events`` and the event pages; the case (``processes/major_event.bpmn``) carries the levels.

Who sees an event: the ordinary scope rule, a place and everything below it. So the reporting county, its league and
the region see it; a township or village sees an event placed at it or below it (read only), none placed at the county
or at another township; a line department sees none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from engine.assignment import Actor
from engine.calendar import CHINA_TZ
from engine.core import Engine
from engine.errors import Conflict, InvalidData, NotFound
from engine.instances import send_message, start_instance
from engine.limits import fits_integer, string_length, to_decimal
from engine.models import ProcessInstance
from engine.paging import Key, Page, Window, page
from engine.scope import code_at, within
from engine.text import read_text
from monitoring import thresholds
from monitoring.codelists import labels
from monitoring.event_models import EventLevel, EventStatus, EventUpdate, LevelState, MajorEvent
from monitoring.models import Place, PlaceLevel
from monitoring.permissions import EVENT_REPORTERS, require

PROCESS = "major_event"
CLOSED_MESSAGE = "event_closed"  # what the case waits for after the region: the county's closing report
DEFAULT_ACK_HOURS = 2
LEVELS = {PlaceLevel.LEAGUE: "盟市", PlaceLevel.REGION: "自治区"}  # the levels a report goes up, in order
MAX_COUNT = 10_000_000  # more affected people than a region has is a typing error
MAX_TEXT = 2000
EARLIEST = datetime(2000, 1, 1, tzinfo=CHINA_TZ)


def business_key(event_id: int) -> str:
    return f"{PROCESS}:{event_id}"


def event_id_of(key: str | None) -> int | None:
    prefix, _, value = (key or "").partition(":")
    return int(value) if prefix == PROCESS and value.isdigit() else None


# --- reading --------------------------------------------------------------------------------------------------------

def visible_event(session: Session, actor: Actor, event_id: int) -> MajorEvent:
    """The event if the actor sees its place; NotFound otherwise, exactly like one that does not exist."""
    event = session.get(MajorEvent, event_id) if fits_integer(event_id) else None
    if event is None or not actor.sees(event.place_path):
        raise NotFound(f"MajorEvent {event_id}")
    return event


# Open events first ("open" sorts after "closed", so status descending), then the newest reported: one direction for
# every key, so a page resumes by one row-value comparison on the index ix_major_events_order.
EVENT_ORDER = (Key(MajorEvent.status, descending=True), Key(MajorEvent.reported_at, descending=True),
               Key(MajorEvent.id, descending=True))


def events_page(session: Session, actor: Actor, window: Window) -> Page[MajorEvent]:
    """One page of the events the actor sees (its place and below): open ones first, newest first."""
    return page(session, select(MajorEvent).where(within(MajorEvent.place_path, actor))
                .options(selectinload(MajorEvent.levels)), EVENT_ORDER, window)


@dataclass(frozen=True)
class Standing:
    """Where a report stands: the level it waits at (None once every level has it) and whether that level is late."""

    level: str | None
    late: bool
    text: str


def standing(event: MajorEvent, now: datetime) -> Standing:
    if event.status == EventStatus.CLOSED:
        return Standing(None, False, "已结案")
    waiting = next((row for row in event.levels if row.state == LevelState.WAITING), None)
    if waiting is None:
        at_region = any(row.level == PlaceLevel.REGION for row in event.levels)
        return Standing(None, False, "已报至自治区，续报中" if at_region else "上报中")
    late = now > waiting.due_at
    return Standing(waiting.level, late, f"待{LEVELS[waiting.level]}确认" + ("（已逾期）" if late else ""))


def title(session: Session, event: MajorEvent) -> str:
    """The event in a few words, as an inbox row names it: its kind and place."""
    kind = event.kind_note if event.kind == "other" and event.kind_note else \
        labels(session, "major_event_kind", include_retired=True).get(event.kind, event.kind)
    return f"{kind}·{session.get(Place, event.place_code).name}"


def ack_minutes(session: Session, county: Place, year: int) -> int:
    """Each level's deadline in whole minutes (at least one): the region's (or league's) standard ``event_ack_hours``,
    else 2 hours."""
    hours = thresholds.current(session, thresholds.EVENT_ACK_HOURS, county.path, year)
    minutes = (hours if hours is not None else Decimal(DEFAULT_ACK_HOURS)) * 60
    return max(1, int(minutes.to_integral_value()))


# --- reporting ------------------------------------------------------------------------------------------------------

REPORT_FIELDS = frozenset({"kind", "kind_note", "occurred_at", "place", "summary", "affected_households",
                           "affected_people", "losses", "measures_taken", "needs"})


def report_event(session: Session, engine: Engine, actor: Actor, body: Any) -> MajorEvent:
    """A county reports an event at its place or below; the case starts at the county and goes up at once."""
    require(actor.role, EVENT_REPORTERS, "只有旗县可以上报重大事项")
    if not isinstance(body, dict):
        raise InvalidData("上报内容应为对象", {"body": "应为对象"})
    fields: dict[str, str] = {name: "不能填写此项" for name in sorted(set(body) - REPORT_FIELDS)}
    county = _actor_place(session, actor)
    kinds = labels(session, "major_event_kind")
    kind = body.get("kind")
    if kind not in kinds:
        fields["kind"] = "应为 " + "、".join(kinds.values())
    kind_note = read_text(body.get("kind_note"), "kind_note", fields, string_length(MajorEvent.kind_note),
                          label="事项类别说明", required=kind == "other") or None
    place = session.get(Place, body["place"]) if isinstance(body.get("place"), str) else None
    if place is None or not actor.sees(place.path):
        fields["place"] = "应为本旗县或其下辖的苏木乡镇、嘎查村"
    event = MajorEvent(
        kind=kind, kind_note=kind_note, occurred_at=_occurred_at(body.get("occurred_at"), engine.now(), fields),
        summary=read_text(body.get("summary"), "summary", fields, MAX_TEXT, label="事项概况", multiline=True),
        measures_taken=read_text(body.get("measures_taken"), "measures_taken", fields, MAX_TEXT, label="已采取措施",
                                 multiline=True),
        needs=read_text(body.get("needs"), "needs", fields, MAX_TEXT, label="需要解决的问题", multiline=True),
        **_figures(body, fields, required=True))
    _check_people(event.affected_households, event.affected_people, fields)
    if fields:
        raise InvalidData("重大事项上报有误", fields)
    event.county_code, event.place_code, event.place_path = county.code, place.code, place.path
    event.status, event.reported_by, event.reported_at = EventStatus.OPEN, actor.username, engine.now()
    event.ack_minutes = ack_minutes(session, county, engine.today().year)
    session.add(event)
    session.flush()
    event.instance_id = start_instance(engine, session, PROCESS, county.code, county.path, actor,
                                       {"event_id": event.id}, business_key=business_key(event.id))
    session.flush()
    return event


def _actor_place(session: Session, actor: Actor) -> Place:
    return session.execute(select(Place).where(Place.code == code_at(actor.place_path))).scalar_one()


def _occurred_at(value: Any, now: datetime, fields: dict[str, str]) -> datetime | None:
    """An ISO time (China time when it names no zone), not after now and not before 2000."""
    try:
        at = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        at = None
    if at is None:
        fields["occurred_at"] = "请填写发生的日期和时间（北京时间，精确到分钟）"
        return None
    at = at if at.tzinfo is not None else at.replace(tzinfo=CHINA_TZ)
    if at > now:
        fields["occurred_at"] = "发生时间不能晚于现在"
    elif at < EARLIEST:
        fields["occurred_at"] = "发生时间不能早于2000年"
    return at


def _count(value: Any, name: str, label: str, fields: dict[str, str]) -> int | None:
    """A JSON integer: text such as "120" is refused like any other non-number (a page turns its fields into numbers
    before it asks)."""
    if value is None:
        fields[name] = f"{label}必填"
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_COUNT:
        fields[name] = f"{label}应为0至{MAX_COUNT}之间的整数"
        return None
    return value


def _losses(value: Any, fields: dict[str, str]) -> Decimal | None:
    """A JSON number of yuan; text such as "1000" is refused, as for the counts."""
    if value is None:
        fields["losses"] = "经济损失（元）必填"
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        fields["losses"] = "经济损失（元）应为金额（数字）"
        return None
    try:
        return to_decimal(value, MajorEvent.losses)
    except ValueError as exc:
        fields["losses"] = f"经济损失（元）{exc}"
        return None


def _figures(body: dict[str, Any], fields: dict[str, str], required: bool) -> dict[str, Any]:
    """The affected households and people and the losses (yuan): all required at the report, each optional after
    (left out or null: as it stands)."""
    figures: dict[str, Any] = {}
    for name, label in (("affected_households", "受影响户数"), ("affected_people", "受影响人数")):
        if required or body.get(name) is not None:
            figures[name] = _count(body.get(name), name, label, fields)
    if required or body.get("losses") is not None:
        figures["losses"] = _losses(body.get("losses"), fields)
    return figures


def _check_people(households: int | None, people: int | None, fields: dict[str, str]) -> None:
    """Each affected household has at least one affected person."""
    if households is not None and people is not None and people < households:
        fields["affected_people"] = f"受影响人数（{people}）不能少于受影响户数（{households}）"
        fields["affected_households"] = f"受影响户数（{households}）不能多于受影响人数（{people}）"


# --- follow-up reports ----------------------------------------------------------------------------------------------

UPDATE_FIELDS = frozenset({"text", "affected_households", "affected_people", "losses", "closed"})


def add_update(session: Session, engine: Engine, actor: Actor, event_id: int, body: Any) -> EventUpdate:
    """A follow-up report (续报) by the county, with the figures as they stand; ``closed`` true closes the event
    (结案), which ends its case once the region has it (or at once if it already has)."""
    event = visible_event(session, actor, event_id)
    require(actor.role, EVENT_REPORTERS, "只有旗县可以续报重大事项")
    if event.status == EventStatus.CLOSED:
        raise Conflict("该重大事项已结案，不能再续报")
    if not isinstance(body, dict):
        raise InvalidData("续报内容应为对象", {"body": "应为对象"})
    fields: dict[str, str] = {name: "不能填写此项" for name in sorted(set(body) - UPDATE_FIELDS)}
    text = read_text(body.get("text"), "text", fields, MAX_TEXT, label="续报内容", multiline=True)
    figures = _figures(body, fields, required=False)
    closes = body.get("closed", False)
    if closes is not True and closes is not False:
        fields["closed"] = "应为 true 或 false"
    _check_people(figures.get("affected_households", event.affected_households),
                  figures.get("affected_people", event.affected_people), fields)
    if fields:
        raise InvalidData("续报有误", fields)
    update = EventUpdate(event_id=event.id, reported_at=engine.now(), reported_by=actor.username, text=text,
                         closes=closes, **figures)
    session.add(update)
    for name, value in figures.items():
        setattr(event, name, value)
    if closes:
        event.status, event.closed_at = EventStatus.CLOSED, engine.now()
    session.flush()
    if closes and _waits_for_closing(session, event):
        send_message(engine, session, event.instance_id, actor, CLOSED_MESSAGE, {})
    return update


def _waits_for_closing(session: Session, event: MajorEvent) -> bool:
    waiting = session.execute(select(ProcessInstance.waiting)
                              .where(ProcessInstance.id == event.instance_id)).scalar() or []
    return any(item.get("type") == "message" and item.get("name") == CLOSED_MESSAGE for item in waiting)


# --- the levels, as the case reaches them (monitoring.event_steps) --------------------------------------------------

def level_place(session: Session, event: MajorEvent, level: str) -> Place | None:
    """The place of ``level`` above the event's county (None: the county has no league above it)."""
    county = session.get(Place, event.county_code)
    codes = [code for code in county.path.strip("/").split("/") if code]
    return session.execute(select(Place).where(Place.code.in_(codes), Place.level == level)
                           .order_by(Place.path.desc()).limit(1)).scalar()


def reach_level(session: Session, event: MajorEvent, level: str, now: datetime) -> EventLevel | None:
    """The report arrives at ``level``: due ``ack_minutes`` from now. None when there is no such level."""
    place = level_place(session, event, level)
    if place is None:
        return None
    row = EventLevel(event_id=event.id, level=level, place_code=place.code, reached_at=now,
                     due_at=now + timedelta(minutes=event.ack_minutes), state=LevelState.WAITING)
    session.add(row)
    session.flush()
    return row


def level_row(session: Session, event: MajorEvent, level: str) -> EventLevel:
    return session.execute(select(EventLevel).where(EventLevel.event_id == event.id, EventLevel.level == level)
                           ).scalar_one()


def acknowledge(session: Session, event: MajorEvent, level: str, instructions: str | None, username: str,
                now: datetime) -> EventLevel:
    """The level acknowledges (who, when, instructions); its task is placed at the level's place, so only that
    place's users give it (the engine's rule for placed tasks), never a place above in its stead."""
    row = level_row(session, event, level)
    fields: dict[str, str] = {}
    text = read_text(instructions, "instructions", fields, MAX_TEXT, label="批示意见", required=False,
                     multiline=True)
    if fields:
        raise InvalidData("确认有误", fields)
    row.state, row.acknowledged_at, row.acknowledged_by, row.instructions = (LevelState.ACKNOWLEDGED, now, username,
                                                                            text or None)
    session.flush()
    return row


def escalate(session: Session, event: MajorEvent, level: str, now: datetime) -> EventLevel:
    """The deadline passed unacknowledged: the report goes up on its own; the late level keeps seeing the event."""
    row = level_row(session, event, level)
    row.state, row.escalated_at = LevelState.ESCALATED, now
    session.flush()
    return row


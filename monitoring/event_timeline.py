"""An event's story in order: reported, each level reached and acknowledged or passed over on its own, each
follow-up, closed — what the event page draws as its timeline, and what an acknowledging level reads beside its task
(``EventCase``): a level decides on the event's facts and how far the report has come, not on a bare form."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from engine.assignment import Actor
from engine.models import ProcessInstance
from monitoring.event_models import LevelState, MajorEvent
from monitoring.events import LEVELS, PROCESS, Standing, event_id_of, standing


@dataclass(frozen=True)
class Entry:
    at: datetime
    title: str
    who: str | None = None  # a login id, shown by name
    text: str | None = None
    warning: bool = False


def timeline(event: MajorEvent) -> list[Entry]:
    entries = [Entry(event.reported_at, "旗县上报", event.reported_by)]
    for row in event.levels:
        name = LEVELS[row.level]
        entries.append(Entry(row.reached_at, f"送达{name}"))
        if row.state == LevelState.ACKNOWLEDGED:
            entries.append(Entry(row.acknowledged_at, f"{name}确认", row.acknowledged_by, row.instructions))
        elif row.state == LevelState.ESCALATED:
            entries.append(Entry(row.escalated_at, f"{name}逾期未确认，已自动上报", warning=True))
    for update in event.updates:
        entries.append(Entry(update.reported_at, "结案" if update.closes else "续报", update.reported_by, update.text))
    return sorted(entries, key=lambda entry: entry.at)


@dataclass(frozen=True)
class EventCase:
    """The event a major event's case is about: its facts, where it stands and its story so far."""

    event: MajorEvent
    standing: Standing
    entries: list[Entry]


def event_case(session: Session, actor: Actor, instance: ProcessInstance, now: datetime) -> EventCase | None:
    """The case's event as ``actor`` reads it; None for a case of no event or an event outside the actor's view."""
    event_id = event_id_of(instance.business_key) if instance.process_key == PROCESS else None
    event = session.get(MajorEvent, event_id) if event_id is not None else None
    if event is None or not actor.sees(event.place_path):
        return None
    return EventCase(event, standing(event, now), timeline(event))

"""An event's story in order: reported, each level reached and acknowledged or passed over on its own, each
follow-up, closed — what the event page draws as its timeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from monitoring.event_models import LevelState, MajorEvent
from monitoring.events import LEVELS


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

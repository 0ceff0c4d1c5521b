"""Whether a major event lists a household as affected: what lets identification start on the event's green channel
(重大事项绿色通道). Reads the models alone, so the process descriptors may ask it without importing the use cases."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.limits import fits_integer
from monitoring.event_models import EventHousehold


def affected_by(session: Session, event_id: Any, household_id: int) -> bool:
    """True when ``event_id`` is an event's id and that event lists the household."""
    if isinstance(event_id, bool) or not isinstance(event_id, int) or not fits_integer(event_id):
        return False
    return session.execute(select(EventHousehold.id).where(
        EventHousehold.event_id == event_id, EventHousehold.household_id == household_id)).first() is not None

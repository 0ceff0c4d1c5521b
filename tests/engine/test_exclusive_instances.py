"""An exclusive instance is the only running one of its process for its business key, held by the database: a second
exclusive start is refused with nothing written and the transaction still usable; an ended one (here: failed at
start, which nobody can act on) frees the key; non-exclusive instances and other keys are not held."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from engine import instances
from engine.core import Engine
from engine.errors import AlreadyOpen
from engine.models import AuditEvent, CalendarOverride, InstanceStatus, ProcessInstance
from engine.scripting import current_step
from monitoring.models import Role
from tests.engine.steps import VILLAGE, Steps


def note_holiday(day: str) -> str:
    session = current_step().session
    session.add(CalendarOverride(day=date.fromisoformat(day), is_working_day=False, note="exclusive test"))
    session.flush()
    return day


@pytest.fixture
def steps(app, clock, session, actors) -> Steps:
    engine = Engine(roles=[r.value for r in Role], clock=clock,
                    functions={"note_holiday": note_holiday})
    steps = Steps(engine, session, actors["designer"])
    steps.deploy("writes_then_fails.bpmn")
    return steps


_days = iter(range(1, 29))


def start(steps: Steps, actor, key: str, divisor: int = 1, exclusive: bool = True) -> int:
    """A case whose start writes a row (a holiday on a day of its own) and then divides by ``divisor``."""
    return steps.run(instances.start_instance, "writes_then_fails", VILLAGE, steps.place_path(VILLAGE), actor,
                     {"day": f"2026-06-{next(_days):02d}", "divisor": divisor}, key, exclusive=exclusive)


def count(steps: Steps, model) -> int:
    return steps.session.execute(select(func.count()).select_from(model)).scalar()


def test_a_second_exclusive_start_for_a_key_is_refused_and_writes_nothing(steps, actors):
    village = actors["village"]
    first = start(steps, village, "household:1")
    before = (count(steps, ProcessInstance), count(steps, AuditEvent), count(steps, CalendarOverride))
    with pytest.raises(AlreadyOpen) as refused:
        start(steps, village, "household:1")
    assert refused.value.instance_id == first and f"#{first}" in str(refused.value)
    assert (count(steps, ProcessInstance), count(steps, AuditEvent), count(steps, CalendarOverride)) == before
    start(steps, village, "household:2")  # another key
    start(steps, village, "household:1", exclusive=False)  # not exclusive: holds nothing, held by nothing


def test_a_refused_start_leaves_the_transaction_usable(steps, actors):
    village = actors["village"]
    start(steps, village, "household:1")

    def refused_then_other(engine, session):
        with pytest.raises(AlreadyOpen):
            instances.start_instance(engine, session, "writes_then_fails", VILLAGE, steps.place_path(VILLAGE), village,
                                     {"day": "2026-05-06", "divisor": 1}, "household:1", exclusive=True)
        return instances.start_instance(engine, session, "writes_then_fails", VILLAGE, steps.place_path(VILLAGE),
                                        village, {"day": "2026-05-07", "divisor": 1}, "household:3", exclusive=True)

    other = steps.run(refused_then_other)
    assert steps.instance(other).status == InstanceStatus.RUNNING
    assert [row.day for row in steps.session.execute(select(CalendarOverride)).scalars()
            if row.day.month == 5] == [date(2026, 5, 7)]


def test_a_case_that_failed_frees_its_key(steps, actors):
    village = actors["village"]
    failed = start(steps, village, "household:1", divisor=0)
    assert steps.instance(failed).status == InstanceStatus.ERROR
    again = start(steps, village, "household:1")
    assert steps.instance(again).status == InstanceStatus.RUNNING

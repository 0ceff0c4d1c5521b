"""The demo's cases are driven step by step through the same use cases as the API, on a clock of their own.

A case starts on a clock set back to its own day and moves forward as it advances; when it waits for a timer (a
notice's last day, a marking window) the clock moves to that moment, so its notices really run their days. Nothing
is moved past the real now: a case whose next moment lies ahead stands there, as it would on a server.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import queries, tasks, timers
from engine.assignment import Actor
from engine.calendar import CHINA_TZ
from engine.clock import FrozenClock
from engine.core import Engine
from engine.models import InstanceStatus, ProcessInstance, Task
from monitoring import places, task_context
from monitoring.models import Place, User
from web.boundary import unit_of_work

STEP_GAP = timedelta(hours=1)  # between two steps of one case
TIMER_SLACK = timedelta(seconds=1)  # a timer is due once the clock has passed its moment
OFFICE_HOURS = (9, 18)  # officials act in the daytime: the timeline reads as a working day's



@dataclass(frozen=True)
class Asked:
    """A task the demo answers: its case, what its form starts from (as the task page shows it) and the day."""

    session: Session
    task: Task
    instance: ProcessInstance
    starts: dict[str, Any]
    today: date


Answers = Callable[[Asked], dict[str, Any]]  # the data the task's user submits


class Travel:
    """The engine's clock while the demo builds: set back for a case, moved forward as it goes, never past
    ``now`` (the real now, or FANGPIN_CLOCK's)."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.clock = FrozenClock(now)

    @property
    def today(self) -> date:
        return self.now.astimezone(CHINA_TZ).date()

    def back_to(self, at: datetime) -> None:
        """A new case's first moment."""
        self.clock.set(min(at, self.now))

    def forward_to(self, at: datetime) -> None:
        """A later moment of the case (the clock never runs backwards within a case)."""
        self.clock.set(max(self.clock.now(), min(at, self.now)))


@contextmanager
def travelling(engine: Engine) -> Iterator[Travel]:
    """The engine on the demo's clock for the block; its own clock again afterwards."""
    real = engine.clock
    travel = Travel(real.now())
    engine.clock = travel.clock
    try:
        yield travel
    finally:
        engine.clock = real


def day_at(day: date, hour: int = 9) -> datetime:
    """A time of day in China."""
    return datetime.combine(day, time(hour), CHINA_TZ)


def office_time(at: datetime) -> datetime:
    """``at``, or the next opening of an office after it (9:00 that day, or the next day after 18:00)."""
    local = at.astimezone(CHINA_TZ)
    opens, closes = OFFICE_HOURS
    if local.hour < opens:
        return day_at(local.date(), opens)
    if local.hour >= closes:
        return day_at(local.date() + timedelta(days=1), opens)
    return at


def user_actor(session: Session, role: str, place_path: str, department: str | None = None) -> Actor:
    """The demo user of ``role`` (and ``department``) whose place lies on ``place_path`` (the case's village, its
    township or its county)."""
    codes = [c for c in place_path.strip("/").split("/") if c]
    query = select(User).join(Place).where(User.role == role, Place.code.in_(codes))
    if department is not None:
        query = query.where(User.department == department)
    return places.actor_for(session, session.execute(query.order_by(User.username)).scalars().first())


def complete(engine: Engine, session: Session, task: Task, answers: Answers) -> None:
    """The task's user submits the form: what it starts from (as the task page shows it) with the demo's answers."""
    instance = session.get(ProcessInstance, task.instance_id)
    actor = user_actor(session, task.role, instance.place_path, task.department)
    schema = engine.versions.get(session, instance.version_id).forms.get(task.form) if task.form else None
    today = engine.today()
    starts = task_context.starting_values(session, actor, instance, task.bpmn_id, task.form, schema, today,
                                          lambda: tasks.waiting_data(engine, session, task))
    tasks.complete_task(engine, session, task.id, actor, answers(Asked(session, task, instance, starts, today)))


def drive(engine: Engine, session: Session, travel: Travel, instance_id: int, answers: Answers,
          stop: Collection[str] = (), hold: Mapping[str, datetime] | None = None) -> None:
    """Take the case's steps until it stands at a step of ``stop`` (a task or a timer it waits at), waits for a
    moment after the real now, or ends. A step named in ``hold`` is done no earlier than its time there."""
    while _step(engine, session, travel, instance_id, answers, stop, hold or {}):
        session.commit()
    session.commit()


def _step(engine: Engine, session: Session, travel: Travel, instance_id: int, answers: Answers,
          stop: Collection[str], hold: Mapping[str, datetime]) -> bool:
    instance = session.get(ProcessInstance, instance_id)
    if instance.status != InstanceStatus.RUNNING:
        return False
    open_tasks = queries.open_tasks(session, instance_id)
    if open_tasks:
        task = open_tasks[0]
        if task.bpmn_id in stop:
            return False
        if task.bpmn_id in hold:
            travel.forward_to(hold[task.bpmn_id])
        complete(engine, session, task, answers)
        travel.forward_to(office_time(travel.clock.now() + STEP_GAP))
        return True
    if set(stop) & {w.get("task") for w in instance.waiting} or instance.wake_at is None:
        return False
    due = instance.wake_at + TIMER_SLACK
    if due > travel.now:
        return False
    travel.forward_to(due)
    session.commit()
    timers.run_due_timers(engine, unit_of_work)
    session.expire_all()
    travel.forward_to(office_time(travel.clock.now()))
    return True

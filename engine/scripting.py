"""Whitelisted functions that every BPMN expression may call, and the context they read.

Domain packages add their own through ``Engine(functions=...)``. Functions here read time from the
engine's clock and working days from the calendar of the current step, which is loaded lazily:
only steps that compute a deadline pay for reading the override table.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from engine import clock
from engine.calendar import CHINA_TZ, WorkingCalendar, as_date
from engine.errors import ScriptError
from engine.serialization import RESERVED_KEY


@dataclass(frozen=True)
class FollowUp:
    """A case a step asked to start once its own workflow is saved (``start_process``)."""

    key: str
    data: dict[str, Any]
    place: str | None = None  # a place code on the case's line (``engine.placement``); None: the case's own place
    business_key: str | None = None  # the new case's own key; None: the starting case's


@dataclass
class StepContext:
    """What a domain function called from BPMN may use: the step's transaction, who acts, on which case."""

    session: Session
    username: str
    instance_id: int | None = None  # set once a new instance has its row
    follow_ups: list[FollowUp] = field(default_factory=list)  # started by the engine when the step is saved
    decisions: list[dict[str, Any]] = field(default_factory=list)  # engine.decision_log: kept if the step is saved


_step: contextvars.ContextVar[StepContext] = contextvars.ContextVar("fangpin_step")


@contextmanager
def step_context(session: Session, username: str, instance_id: int | None = None) -> Iterator[None]:
    token = _step.set(StepContext(session, username, instance_id))
    try:
        yield
    finally:
        _step.reset(token)


def current_step() -> StepContext:
    """The running step; domain functions write through its session so their effects share its commit."""
    try:
        return _step.get()
    except LookupError:
        raise RuntimeError("domain functions run only inside an engine step") from None


_calendar_source: contextvars.ContextVar[Callable[[], WorkingCalendar]] = contextvars.ContextVar(
    "fangpin_calendar", default=WorkingCalendar
)


@contextmanager
def calendar_source(load: Callable[[], WorkingCalendar]) -> Iterator[None]:
    """Within the block, working-day functions use the calendar ``load`` returns (called at most once)."""
    cached: list[WorkingCalendar] = []

    def once() -> WorkingCalendar:
        if not cached:
            cached.append(load())
        return cached[0]

    token = _calendar_source.set(once)
    try:
        yield
    finally:
        _calendar_source.reset(token)


def current_calendar() -> WorkingCalendar:
    return _calendar_source.get()()


def today() -> date:
    """Today's date in China Standard Time, by the engine's clock."""
    return clock.now().astimezone(CHINA_TZ).date()


def now() -> datetime:
    return clock.now()


def add_working_days(start: date | datetime | str, n: int) -> date:
    """The date ``n`` working days after ``start`` (holidays and make-up workdays respected)."""
    return current_calendar().add_working_days(start, n)


def end_of_day(day: date | datetime | str) -> datetime:
    """The moment a deadline on ``day`` passes: midnight after it, China Standard Time."""
    return datetime.combine(as_date(day) + timedelta(days=1), time(0), CHINA_TZ)


def day_ends(day: date | datetime | str) -> str:
    """ISO time at which ``day`` has passed (China time); for timers such as the end of a public notice."""
    return end_of_day(day).isoformat()


def day_starts(day: date | datetime | str) -> str:
    """ISO time at which ``day`` begins (China time); for timers that wait until a day comes, e.g. a window opening."""
    return datetime.combine(as_date(day), time(0), CHINA_TZ).isoformat()


def working_deadline(start: date | datetime | str, n: int) -> str:
    """ISO time at which ``n`` working days after ``start`` have run out; for timer expressions."""
    return end_of_day(add_working_days(start, n)).isoformat()


START_PROCESS = "start_process"
MAX_FOLLOW_UPS_PER_STEP = 20


def start_process(key: str, data: dict[str, Any] | None = None, place: str | None = None,
                  business_key: str | None = None) -> None:
    """Ask the engine to start the latest version of ``key`` for this case's business key (or ``business_key``, for
    a case that is its own matter, e.g. a place's part of a campaign), at this case's place or at ``place`` (a code
    above or below it, ``engine.placement``), by this step's user, in this step's transaction once the step is
    saved: if it cannot start, the step fails."""
    if not isinstance(key, str) or not key:
        raise ScriptError(f"{START_PROCESS} 的流程标识应为非空字符串")
    if place is not None and (not isinstance(place, str) or not place.strip()):
        raise ScriptError(f"{START_PROCESS} 的地点 place 应为地点代码 (非空字符串), 实际为 {type(place).__name__}")
    if business_key is not None and (not isinstance(business_key, str) or not business_key.strip()):
        raise ScriptError(f"{START_PROCESS} 的业务键 business_key 应为非空字符串, 实际为 {type(business_key).__name__}")
    data = {} if data is None else data
    if not isinstance(data, dict) or _has_reserved_key(data):
        raise ScriptError(f"{START_PROCESS} 的数据应为对象, 且不含系统保留字段名“{RESERVED_KEY}”")
    requested = current_step().follow_ups
    if len(requested) >= MAX_FOLLOW_UPS_PER_STEP:
        raise ScriptError(f"一次处理最多发起 {MAX_FOLLOW_UPS_PER_STEP} 个后续流程")
    requested.append(FollowUp(key, data, place, business_key))


def _has_reserved_key(value: Any) -> bool:
    if isinstance(value, dict):
        return RESERVED_KEY in value or any(_has_reserved_key(v) for v in value.values())
    return isinstance(value, list) and any(_has_reserved_key(v) for v in value)


ENGINE_FUNCTIONS: dict[str, Callable] = {
    "today": today,
    "now": now,
    "add_working_days": add_working_days,
    "working_deadline": working_deadline,
    "day_ends": day_ends,
    "day_starts": day_starts,
    START_PROCESS: start_process,
}

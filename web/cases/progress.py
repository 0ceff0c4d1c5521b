"""Where a case stands, from its rows alone: steps done, steps open, events awaited.

The diagram highlights the same facts the page states in words, so the page is useful without JavaScript.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.calendar import CHINA_TZ
from engine.core import LoadedVersion
from engine.models import AuditEvent, ProcessInstance, Task
from monitoring.models import Role
from web.templating import ROLE_NAMES, cn_date, cn_datetime

LANE_NAMES = {**ROLE_NAMES, Role.VILLAGE: "嘎查村", Role.TOWNSHIP: "苏木乡镇", Role.COUNTY: "旗县"}
MESSAGE_NAMES = {"objection": "异议"}
# what a case awaiting a message is doing, in the reader's words (an objection is only awaited during a notice)
MESSAGE_WAITS = {"objection": "公示中，可提出异议"}
OTHER_MESSAGE_WAIT = "等待外部消息"
UNNAMED_WAIT = "等待中"
# the BPMN element each kind of audit event says was passed
_PASSED = {"task_completed": "element", "timer_fired": "element", "instance_completed": "end"}


@dataclass(frozen=True)
class Awaited:
    """A timer or message the case waits for, at the element ``step`` (named in Chinese)."""

    kind: str  # "timer" | "message"
    element: str
    step: str
    until: datetime | None = None
    name: str = ""  # of the message
    message: str = ""  # what the case is doing while it waits for it, in Chinese

    @property
    def until_text(self) -> str:
        """至2026年3月7日 for a wait that ends at midnight (the end of the 7th), else with the time."""
        if self.until is None:
            return ""
        local = self.until.astimezone(CHINA_TZ)
        if local.time() == time(0):
            return f"至{cn_date(local.date() - timedelta(days=1))}"
        return f"至{cn_datetime(local)}"


@dataclass(frozen=True)
class Progress:
    completed: list[str]
    active: list[str]
    awaited: list[Awaited]

    def highlights(self) -> dict[str, Any]:
        """What case-diagram.js marks, by BPMN element id."""
        return {"completed": self.completed, "active": self.active,
                "waiting": [{"id": a.element, "type": a.kind} for a in self.awaited], "lanes": LANE_NAMES}


def element_names(version: LoadedVersion) -> dict[str, str]:
    """BPMN id -> name of every named element of the version (an id is no word for a reader)."""
    specs = (version.spec, *version.subprocess_specs.values())
    return {ts.bpmn_id: ts.bpmn_name for spec in specs for ts in spec.task_specs.values()
            if getattr(ts, "bpmn_id", None) and ts.bpmn_name}


def passed_events(session: Session, instance_id: int) -> list[AuditEvent]:
    """The events that pass an element (``_PASSED``), oldest first: what ``progress`` reads, a few per step, however
    long the rest of the case's history."""
    return list(session.execute(select(AuditEvent).where(AuditEvent.instance_id == instance_id,
                                                         AuditEvent.type.in_(_PASSED))
                                .order_by(AuditEvent.id)).scalars())


def progress(instance: ProcessInstance, open_tasks: list[Task], events: list[AuditEvent],
             names: dict[str, str]) -> Progress:
    active = [t.bpmn_id for t in open_tasks]
    awaited = [_awaited(item, names) for item in instance.waiting or []]
    current = set(active) | {a.element for a in awaited}
    passed = [e.detail.get(_PASSED[e.type]) for e in events if e.type in _PASSED]
    completed = [element for element in dict.fromkeys(passed) if element and element not in current]
    return Progress(completed, active, awaited)


def waiting_words(waiting: list[dict[str, Any]]) -> str:
    """What a waiting case is doing, in one line for a list: 公示中，可提出异议，至2026年12月6日."""
    if not waiting:
        return ""
    awaited = [_awaited(item, {}) for item in waiting]
    doing = dict.fromkeys(a.message for a in awaited if a.kind == "message") or [UNNAMED_WAIT]
    until = min((a for a in awaited if a.kind == "timer" and a.until), key=lambda a: a.until, default=None)
    return "，".join([*doing, *([until.until_text] if until else [])])


def _awaited(item: dict[str, Any], names: dict[str, str]) -> Awaited:
    step = names.get(item["task"], UNNAMED_WAIT)
    if item["type"] == "timer":
        until = datetime.fromisoformat(item["until"]) if item.get("until") else None
        return Awaited("timer", item["task"], step, until=until)
    name = item["name"]
    return Awaited("message", item["task"], step, name=name, message=MESSAGE_WAITS.get(name, OTHER_MESSAGE_WAIT))

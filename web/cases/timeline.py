"""The audit log of a case told in Chinese: who did what, when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine import decision_log
from engine.models import AuditEvent
from monitoring.objections import shown_text
from monitoring.people import SYSTEM_NAME
from web.cases.progress import MESSAGE_NAMES

INTERNAL = {"warning", "script_output"}  # notes for administrators (a due date not computed, what scripts printed)
_TASK_EVENTS = {"task_completed": "完成", "task_claimed": "认领", "task_unclaimed": "退回待办"}


@dataclass(frozen=True)
class Entry:
    at: datetime
    who: str
    what: str
    note: str = ""  # a reason, an objection: what the people involved wrote


def entries(events: list[AuditEvent], element_names: dict[str, str], task_names: dict[str, str],
            people: dict[str, str]) -> list[Entry]:
    """Oldest first; ``task_names`` names the task rows claim events point to (they carry no name);
    ``people`` labels the actors (``monitoring.people.labels``)."""
    return [Entry(e.at, people.get(e.actor or "", SYSTEM_NAME), *_describe(e, element_names, task_names))
            for e in events if e.type not in INTERNAL]


def _describe(event: AuditEvent, element_names: dict[str, str], task_names: dict[str, str]) -> tuple[str, str]:
    detail = event.detail or {}
    if event.type in _TASK_EVENTS:
        name = task_names.get(event.task_id or "") or detail.get("name") or element_names.get(detail.get("element"))
        answers = detail.get("after")
        return f"{_TASK_EVENTS[event.type]}“{name or '步骤'}”{_decision(answers)}", _reason(answers)
    if event.type == "instance_started":
        return "发起案件", ""
    if event.type == "timer_fired":
        return _elapsed(element_names.get(detail.get("element"))), ""
    if event.type == "message_received":
        return f"收到{MESSAGE_NAMES.get(detail.get('name'), '消息')}", _payload(detail.get("payload"))
    if event.type == "instance_cancelled":
        return "撤销案件", detail.get("reason") or ""
    if event.type == "instance_completed":
        return f"案件办结：{detail.get('end_name') or '流程结束'}", ""
    if event.type == "instance_migrated":
        return _migration(detail)
    if event.type == decision_log.DECISION_EVENT:
        return f"系统判定“{detail.get('title') or '规则'}”（规则、数据与结论见系统判定依据）", ""
    if event.type == "error":
        return "流程出错，已记录，请联系系统管理员", ""
    return "系统记录", ""


def _migration(detail: dict[str, Any]) -> tuple[str, str]:
    """流程迁移：第 1 版 → 第 2 版, with the steps awaited before and after: a reader of the case learns it now follows
    another version of the process, and whether that changed what it waits for."""
    def steps(names: Any) -> str:
        return "、".join(names) if isinstance(names, list) and names else "无"
    what = f"流程迁移：第 {detail.get('from_version')} 版 → 第 {detail.get('to_version')} 版"
    return what, f"迁移前待办：{steps(detail.get('tasks_before'))}；迁移后待办：{steps(detail.get('tasks_after'))}"


def _decision(answers: Any) -> str:
    """A decision as the history reads it: ：通过 or ：未通过 (a form's ``approved``), nothing for other steps."""
    if not isinstance(answers, dict) or not isinstance(answers.get("approved"), bool):
        return ""
    return "：通过" if answers["approved"] else "：未通过"


def _reason(answers: Any) -> str:
    """Why a decision did not pass the case (its ``reason``), as the reviewer wrote it."""
    reason = answers.get("reason") if isinstance(answers, dict) and answers.get("approved") is False else None
    return shown_text(reason) if isinstance(reason, str) else ""


def _elapsed(name: str | None) -> str:
    """第一次公示期届满; a catch event named for its end (公示期满) as it is."""
    if not name:
        return "期限届满"
    return name if name.endswith("满") else f"{name}届满"


def _payload(payload: Any) -> str:
    """An objection's payload ``{"by": ..., "content": ...}`` as one line."""
    if not isinstance(payload, dict):
        return ""
    by, content = payload.get("by"), payload.get("content")
    return shown_text("：".join(str(part) for part in (by, content) if part))

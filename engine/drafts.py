"""Drafts: a half-filled form kept per task and user, so a long visit record survives a lost connection."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from engine.assignment import Actor
from engine.models import TaskDraft
from engine.serialization import to_plain_json
from engine.tasks import visible_task


def save_draft(session: Session, task_id: str, actor: Actor, data: dict[str, Any], at: datetime) -> TaskDraft:
    """Keep ``data`` unvalidated: a draft may be incomplete, it is checked when submitted."""
    visible_task(session, task_id, actor)
    draft = session.get(TaskDraft, (task_id, actor.username))
    if draft is None:
        draft = TaskDraft(task_id=task_id, username=actor.username)
        session.add(draft)
    draft.data = to_plain_json(data)
    draft.saved_at = at
    session.flush()
    return draft


def load_draft(session: Session, task_id: str, actor: Actor) -> TaskDraft | None:
    return session.get(TaskDraft, (task_id, actor.username))


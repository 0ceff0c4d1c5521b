"""The designer's list of models: per key its latest version, its draft and its running instances (reads only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from lxml import etree
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import model_drafts, versions
from engine.models import InstanceStatus, ProcessDraft, ProcessInstance, ProcessVersion


@dataclass(frozen=True)
class ModelRow:
    key: str
    name: str | None  # None for a new model that has only a draft
    version: int | None
    deployed_by: str | None
    deployed_at: datetime | None
    draft_revision: int | None  # None when nobody saved a draft
    draft_by: str | None
    draft_at: datetime | None
    running: int


def model_rows(session: Session) -> list[ModelRow]:
    """Every key with a version or a draft, by key; three queries whatever the number of models."""
    latest = {v.key: v for v in versions.latest_versions(session)}
    drafts = model_drafts.summaries(session)
    running = dict(session.execute(
        select(ProcessVersion.key, func.count(ProcessInstance.id))
        .join(ProcessInstance, ProcessInstance.version_id == ProcessVersion.id)
        .where(ProcessInstance.status == InstanceStatus.RUNNING).group_by(ProcessVersion.key)).all())
    rows = []
    for key in sorted(latest.keys() | drafts.keys()):
        version, draft = latest.get(key), drafts.get(key)
        rows.append(ModelRow(
            key=key, name=version.name if version else draft_name(session, key),
            version=version.version if version else None,
            deployed_by=version.deployed_by if version else None, deployed_at=version.deployed_at if version else None,
            draft_revision=draft.revision if draft else None, draft_by=draft.updated_by if draft else None,
            draft_at=draft.updated_at if draft else None, running=running.get(key, 0)))
    return rows


def model_exists(session: Session, key: str) -> bool:
    """Whether ``key`` has a version or a draft: the editor opens nothing else."""
    return any(session.execute(select(model.key).where(model.key == key).limit(1)).first() is not None
               for model in (ProcessVersion, ProcessDraft))


NEW_MODEL_NAME = "新流程（未发布）"
_BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"


def model_name(session: Session, key: str) -> str | None:
    """The latest version's name; for a model that has only a draft, the name its draft gives its process (the one
    typed at 新建流程) or a stand-in; None for an unknown key."""
    name = session.execute(select(ProcessVersion.name).where(ProcessVersion.key == key)
                           .order_by(ProcessVersion.version.desc()).limit(1)).scalar()
    if name is None and model_exists(session, key):
        return draft_name(session, key) or NEW_MODEL_NAME
    return name


def draft_name(session: Session, key: str) -> str | None:
    """The name of the process ``key`` in its draft's BPMN files; None when no draft names it (or a file is not
    readable XML — a draft may hold anything)."""
    files = session.execute(select(ProcessDraft.files).where(ProcessDraft.key == key)).scalar() or {}
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    for name in sorted(files):
        if not name.endswith(".bpmn"):
            continue
        try:
            root = etree.fromstring(files[name].encode("utf-8"), parser)
        except (etree.XMLSyntaxError, ValueError):
            continue
        for process in root.iter(f"{_BPMN}process"):
            if process.get("id") == key and process.get("name"):
                return process.get("name")
    return None

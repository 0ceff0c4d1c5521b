"""Code lists as data: seeded from ``monitoring.codes``, editable by an administrator afterwards."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitoring.codes import CODE_LISTS
from monitoring.models import CodeEntry


def seed(session: Session) -> int:
    """Add every code that is not there yet; never overwrites an administrator's edits."""
    existing = set(session.execute(select(CodeEntry.list_key, CodeEntry.code)).all())
    added = 0
    for list_key, entries in CODE_LISTS.items():
        for position, (code, label) in enumerate(entries):
            if (list_key, code) not in existing:
                session.add(CodeEntry(list_key=list_key, code=code, label=label, position=position))
                added += 1
    session.flush()
    return added


def labels(session: Session, list_key: str) -> dict[str, str]:
    rows = session.execute(select(CodeEntry.code, CodeEntry.label).where(
        CodeEntry.list_key == list_key, CodeEntry.active.is_(True)).order_by(CodeEntry.position)).all()
    return dict(rows)


def all_lists(session: Session) -> dict[str, list[dict[str, str]]]:
    result: dict[str, list[dict[str, str]]] = {}
    for row in session.execute(select(CodeEntry).where(CodeEntry.active.is_(True))
                               .order_by(CodeEntry.list_key, CodeEntry.position)).scalars():
        result.setdefault(row.list_key, []).append({"code": row.code, "label": row.label})
    return result

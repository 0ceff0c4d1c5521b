"""Code lists as data: seeded from ``monitoring.codes``, editable by an administrator afterwards.

A transaction reads every entry once, with its first label or choice asked: a page shows codes of several lists (a
household list: its filters' choices, its rows' types and risks), each read on its own cost a round trip. What the
transaction writes (its edits are flushed first, as a query would) and its end forget them; an edit another
transaction commits meanwhile is read by the next transaction, as a request, a sweep's batch or a document is one.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.orm import ORMExecuteState, Session

from engine.errors import InvalidData
from engine.limits import string_length
from engine.text import read_text
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


def set_entry(session: Session, list_key: str, code: str, label: str, active: bool = True,
              position: int | None = None) -> CodeEntry:
    """An administrator renames, retires or adds a code; stored values keep their code, so nothing breaks."""
    fields = {}
    if list_key not in CODE_LISTS:
        fields["list"] = "未知的代码表"
    if not re.fullmatch(r"[a-z0-9_]{1,40}", code):
        fields["code"] = "代码应为小写字母、数字或下划线, 不超过40位"
    label = read_text(label, "label", fields, string_length(CodeEntry.label), label="名称")
    if fields:
        raise InvalidData("代码表条目有误", fields)
    entry = session.get(CodeEntry, (list_key, code))
    if entry is None:
        last = session.execute(select(func.max(CodeEntry.position)).where(CodeEntry.list_key == list_key)).scalar()
        entry = CodeEntry(list_key=list_key, code=code, position=(last or 0) + 1)
        session.add(entry)
    entry.label, entry.active = label, bool(active)
    if position is not None:
        entry.position = int(position)
    session.flush()
    return entry


def labels(session: Session, list_key: str, include_retired: bool = False) -> dict[str, str]:
    """Code -> label of the entries in force (and retired ones too, to show old records), in their order."""
    return dict(_lists(session).get((list_key, include_retired), {}))


_LISTS = "fangpin.code_lists"  # in a session's info: (list key, retired too) -> code -> label, read in this transaction


def _lists(session: Session) -> dict[tuple[str, bool], dict[str, str]]:
    if session.autoflush and _edits_lists(session):
        session.flush()  # as a query would: an edit not yet written is read (and forgets what was read)
    lists = session.info.get(_LISTS)
    if lists is None:
        lists = {}
        for list_key, code, label, active in session.execute(
                select(CodeEntry.list_key, CodeEntry.code, CodeEntry.label, CodeEntry.active)
                .order_by(CodeEntry.list_key, CodeEntry.position)):
            lists.setdefault((list_key, True), {})[code] = label
            if active:
                lists.setdefault((list_key, False), {})[code] = label
        session.info[_LISTS] = lists
    return lists


@event.listens_for(Session, "after_flush")
def _forget_written(session: Session, _context: Any) -> None:
    if _edits_lists(session):
        session.info.pop(_LISTS, None)


def _edits_lists(session: Session) -> bool:
    """Whether the session holds an entry added, changed or deleted and not yet written (or being written)."""
    return any(isinstance(row, CodeEntry) for row in (*session.new, *session.dirty, *session.deleted))


@event.listens_for(Session, "do_orm_execute")
def _forget_at_a_write(state: ORMExecuteState) -> None:
    """An UPDATE, INSERT or DELETE run through the session may change a list: what was read is read again."""
    if not state.is_select:
        state.session.info.pop(_LISTS, None)


@event.listens_for(Session, "after_transaction_end")
def _forget_at_the_end(session: Session, _transaction: Any) -> None:
    session.info.pop(_LISTS, None)


def all_lists(session: Session) -> dict[str, list[dict[str, str]]]:
    result: dict[str, list[dict[str, str]]] = {}
    for row in session.execute(select(CodeEntry).where(CodeEntry.active.is_(True))
                               .order_by(CodeEntry.list_key, CodeEntry.position)).scalars():
        result.setdefault(row.list_key, []).append({"code": row.code, "label": row.label})
    return result

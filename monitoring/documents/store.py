"""Documents as records: asked for by a step or a user, rendered once, then served byte for byte.

A step only *asks* for a document (a cheap row, inside the step's transaction); rendering costs up
to a second and must not hold the case's lock, so it happens after the commit — by the scheduler's
sweep or by the first download. Every household of a batch decided in one transaction asks for the
same pending notice, so the batch gets one document. When a document is rendered and its data is
what the newest version already shows, the request folds into that version: a new version exists
only when the data changed, and old versions are kept.

Whoever renders a pending document first claims it (``claim``): its row lock on PostgreSQL, held while it renders
and released by the commit — or by the connection's end if the process dies, so a crashed render is simply still
pending for the next sweep; on SQLite (one serving process) the caller's process lock. Sweepers on any number of
workers and hosts pass a document another one is rendering; a user's print waits for that render and answers with
its result.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.assignment import Actor
from engine.errors import Conflict, NotFound
from monitoring.documents import render
from monitoring.documents.annexes import ANNEXES, Annex, context_for
from monitoring.models import Document, DocumentLink, DocumentStatus, Household, Notice

VERSION_RACES = 3  # a print that lost the race for a new version this often in a row is refused (409), not looped
NOTICE_ANNEXES = {a.stage: a.kind for a in ANNEXES.values() if a.stage}  # notice stage -> the annex it prints


def subject_key(annex: Annex, subject_id: int | None) -> str:
    return "blank" if annex.subject == "none" else f"{annex.subject}:{subject_id}"


def _place_path(session: Session, annex: Annex, subject_id: int | None) -> str:
    """A document is seen where its subject is seen; a blank form by everybody."""
    model = {"household": Household, "notice": Notice}.get(annex.subject)
    if model is None:
        return "/"
    row = session.get(model, subject_id)
    if row is None:
        raise NotFound(f"{annex.subject} {subject_id}")
    return row.place_path


def request_document(session: Session, kind: str, subject_id: int | None, username: str, at: datetime,
                     instance_id: int | None = None, step: str | None = None,
                     household_id: int | None = None) -> Document:
    """The pending document of this subject (new if none is pending), linked to the case and household; an annex
    printed per case is pending per case, so that each case's paper shows its own case."""
    annex = ANNEXES[kind]
    key = subject_key(annex, subject_id)
    pending = select(Document).where(
        Document.kind == kind, Document.subject == key, Document.status == DocumentStatus.PENDING)
    if annex.per_case:
        of_cases = select(DocumentLink.document_id).where(
            DocumentLink.instance_id.is_not(None) if instance_id is None else DocumentLink.instance_id == instance_id)
        pending = pending.where(Document.id.not_in(of_cases) if instance_id is None else Document.id.in_(of_cases))
    for _ in range(VERSION_RACES):
        document = session.execute(pending.limit(1)).scalar()
        if document is not None:
            break
        newest = session.execute(select(func.max(Document.version)).where(
            Document.kind == kind, Document.subject == key)).scalar() or 0
        document = Document(kind=kind, subject=key, version=newest + 1, title=annex.title,
                            place_path=_place_path(session, annex, subject_id), status=DocumentStatus.PENDING,
                            created_at=at, created_by=username)
        try:
            with session.begin_nested():  # a request at the same moment (another worker) may take this version
                session.add(document)
        except IntegrityError:
            continue  # it did (the unique index waited for its commit): join its pending document, or take the next
        break
    else:
        raise Conflict("同一文书正被多人同时打印, 请重试")
    if instance_id is not None or household_id is not None:
        _link(session, document.id, instance_id, step, household_id)
    return document


def _link(session: Session, document_id: int, instance_id: int | None, step: str | None,
          household_id: int | None) -> None:
    exists = session.execute(select(DocumentLink.id).where(
        DocumentLink.document_id == document_id, DocumentLink.instance_id.is_(None) if instance_id is None
        else DocumentLink.instance_id == instance_id,
        DocumentLink.household_id.is_(None) if household_id is None else DocumentLink.household_id == household_id,
    )).first()
    if exists is None:
        session.add(DocumentLink(document_id=document_id, instance_id=instance_id, step=step,
                                 household_id=household_id))
        session.flush()


def _digest(context: dict) -> str:
    return hashlib.sha256(json.dumps(context, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def file_path(directory: Path, document: Document) -> Path:
    return directory / "documents" / f"{document.sha256}.pdf"


def render_document(session: Session, document: Document, directory: Path, today: date, at: datetime) -> Document:
    """Render a pending document; returns the version that holds its data (itself, or the unchanged newest)."""
    if document.status == DocumentStatus.READY:
        return document
    annex = ANNEXES[document.kind]
    subject_id = None if document.subject == "blank" else int(document.subject.split(":", 1)[1])
    context = context_for(session, document.kind, subject_id, today, _case_of(session, document))
    digest = _digest(context)
    unchanged = newest_ready(session, document.kind, document.subject)
    if unchanged is not None and unchanged.context_sha256 == digest:
        return _fold_into(session, document, unchanged)
    content = render.render_pdf(annex.template, context)
    document.context, document.context_sha256 = context, digest
    document.sha256, document.size = hashlib.sha256(content).hexdigest(), len(content)
    path = file_path(directory, document)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".part")
        temporary.write_bytes(content)
        temporary.replace(path)
    document.status, document.rendered_at = DocumentStatus.READY, at
    session.flush()
    return document


def newest_ready(session: Session, kind: str, subject: str) -> Document | None:
    """The latest rendered version of a subject's annex: the one a request whose data it shows folds into."""
    return session.execute(select(Document).where(
        Document.kind == kind, Document.subject == subject,
        Document.status == DocumentStatus.READY).order_by(Document.version.desc()).limit(1)).scalar()


def claim(session: Session, document_id: int, wait: bool) -> Document | None:
    """The pending document, locked for this transaction so that nobody else renders it; None when it is not pending
    any more (rendered, or folded into a kept version) or, unless ``wait``, another worker is rendering it now."""
    pending = (Document.id == document_id, Document.status == DocumentStatus.PENDING)
    query = select(Document).where(*pending).execution_options(populate_existing=True)
    if session.get_bind().dialect.name != "postgresql":
        # SQLite: one serving process (``serve`` refuses more), whose renders the caller serializes with a process
        # lock. Taking the database's write lock here instead held it through every PDF rendering, and the users'
        # own writes (a login) failed as "database is locked" while a demo's backlog rendered.
        return session.execute(query).scalar()
    document = session.execute(query.with_for_update(skip_locked=not wait)).scalar()
    if document is None or _subject_locked(session, document, wait):
        return document
    return None


def _subject_locked(session: Session, document: Document, wait: bool) -> bool:
    """One render at a time per annex and subject (PostgreSQL advisory lock, to the transaction's end): a second
    pending version of the same paper, asked for while the first renders, must see the first rendered to fold into
    it, not render the same data again."""
    key = func.hashtext(f"{document.kind}:{document.subject}")
    if wait:
        session.execute(select(func.pg_advisory_xact_lock(key)))
        return True
    return bool(session.execute(select(func.pg_try_advisory_xact_lock(key))).scalar())


def _case_of(session: Session, document: Document) -> int | None:
    """The case that asked for a document printed per case (None: a user's print, which reads the latest case)."""
    if not ANNEXES[document.kind].per_case:
        return None
    return session.execute(select(DocumentLink.instance_id).where(
        DocumentLink.document_id == document.id, DocumentLink.instance_id.is_not(None))
        .order_by(DocumentLink.id).limit(1)).scalar()


def _fold_into(session: Session, pending: Document, kept: Document) -> Document:
    """The data did not change: the request's links move to the version that already shows it."""
    for link in session.execute(select(DocumentLink).where(DocumentLink.document_id == pending.id)).scalars():
        _link(session, kept.id, link.instance_id, link.step, link.household_id)
        session.delete(link)
    session.flush()
    session.delete(pending)
    session.flush()
    return kept


def pending_ids(session: Session, after: int = 0, limit: int = 20) -> list[int]:
    """The next pending documents after id ``after``, oldest first (a sweep pages past the ones that failed)."""
    return list(session.execute(select(Document.id).where(Document.status == DocumentStatus.PENDING,
                                                          Document.id > after)
                                .order_by(Document.id).limit(limit)).scalars())


def visible_document(session: Session, document_id: int, actor: Actor) -> Document:
    document = session.get(Document, document_id)
    if document is None or not (actor.sees(document.place_path) or document.place_path == "/"):
        raise NotFound(f"document {document_id}")
    return document


def households_of(session: Session, document_id: int) -> list[int]:
    return households_of_documents(session, [document_id])[document_id]


def households_of_documents(session: Session, document_ids: Collection[int]) -> dict[int, list[int]]:
    """The households each document is about, for a page of documents in one read (not one read per document)."""
    found: dict[int, set[int]] = {document_id: set() for document_id in document_ids}
    for document_id, household_id in session.execute(select(DocumentLink.document_id, DocumentLink.household_id).where(
            DocumentLink.document_id.in_(found), DocumentLink.household_id.is_not(None))):
        found[document_id].add(household_id)
    return {document_id: sorted(households) for document_id, households in found.items()}


"""Documents at the boundary: render what is pending (each in its own unit of work) and send stored bytes."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Response, current_app, url_for

from engine.assignment import Actor
from engine.errors import InvalidData
from monitoring.documents import store
from monitoring.documents.annexes import ANNEXES
from monitoring.models import Document, DocumentStatus
from web.api.views import iso
from web.boundary import engine, unit_of_work
from web.downloads import PDF, send_download
from web.extensions import db

log = logging.getLogger("fangpin.documents")
# SQLite has no row locks and serves from one process: its renders (the sweeper's and the users' prints) take turns
# here, outside the database's write lock, so nobody's writes wait for a PDF (see ``store.claim``).
_SQLITE_RENDERS = threading.Lock()


def documents_dir() -> Path:
    return Path(current_app.config["DOCUMENTS_DIR"])


def ready(document_id: int) -> Document:
    """The document rendered: now, by this request, unless another worker is rendering it (then its result, once it
    is done). A pending request may fold into a kept version; that version is the answer."""
    document = db.session.get(Document, document_id)
    if document.status != DocumentStatus.PENDING:
        return document
    return _rendered(document_id, document.kind, document.subject)


def _rendered(document_id: int, kind: str, subject: str) -> Document:
    """A pending document once rendered; ``kind`` and ``subject`` find the kept version it may have folded into."""
    rendered = _render(document_id, wait=True)
    if rendered is None:  # another worker got there first: it rendered this one, or folded it into a kept version
        return db.session.get(Document, document_id) or store.newest_ready(db.session, kind, subject)
    return db.session.get(Document, rendered)


def _render(document_id: int, wait: bool) -> int | None:
    """Claim and render one pending document in a transaction of its own; the id of the version that holds its data,
    or None when it is not this worker's to render (done by another, or, unless ``wait``, being rendered)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return _claim_and_render(document_id, wait)
    if not _SQLITE_RENDERS.acquire(blocking=wait):
        return None
    try:
        return _claim_and_render(document_id, wait)
    finally:
        _SQLITE_RENDERS.release()


def _claim_and_render(document_id: int, wait: bool) -> int | None:
    with unit_of_work() as session:
        document = store.claim(session, document_id, wait)
        if document is None:
            return None
        return store.render_document(session, document, documents_dir(), engine().today(), engine().now()).id


def print_now(kind: str, subject_id: int | None, actor: Actor) -> tuple[Document, bool]:
    """A user's print button: the newest version if the data is unchanged, else a new version. (document, new?)"""
    if kind not in ANNEXES:
        raise InvalidData("文书类型无效", {"kind": "应为 " + "/".join(ANNEXES)})
    if subject_id is None and ANNEXES[kind].subject != "none":
        raise InvalidData("缺少打印对象", {"subject_id": "必填"})
    with unit_of_work() as session:
        pending = store.request_document(session, kind, subject_id, actor.username, engine().now())
        store.visible_document(session, pending.id, actor)  # outside the user's place: 404, nothing kept
        pending_id, subject = pending.id, pending.subject
    document = _rendered(pending_id, kind, subject)  # a sweeper may have rendered it since the commit, or folded it
    return document, document.id == pending_id


def render_pending(budget: float) -> Backlog:
    """The scheduler's sweep: render pending documents, oldest first, until none waits or ``budget`` seconds have
    passed (then the scheduler comes back at once); one failure does not stop the others and is retried next sweep."""
    deadline = time.monotonic() + budget
    rendered, after = 0, 0
    while ids := store.pending_ids(db.session, after=after):
        for document_id in ids:
            if time.monotonic() >= deadline:
                return Backlog(rendered, waiting=True)
            try:
                rendered += _render(document_id, wait=False) is not None
            except Exception:  # keep the sweep alive; the document stays pending and is retried
                log.exception("rendering document %s failed", document_id)
            after = document_id
    return Backlog(rendered, waiting=False)


@dataclass(frozen=True)
class Backlog:
    rendered: int
    waiting: bool  # documents still wait: the time was up before they were done


def send(document: Document, download: bool = False) -> Response:
    """The stored bytes, unchanged on every download."""
    version = f"-{document.id}-v{document.version}"
    response = send_download(store.file_path(documents_dir(), document), f"{document.title}{version}.pdf",
                             f"annex{ANNEXES[document.kind].number}{version}", PDF,
                             inline=not download, etag=document.sha256)
    response.headers["X-Content-SHA256"] = document.sha256 or ""
    return response


def body(document: Document, households: list[int] | None = None) -> dict[str, Any]:
    """The JSON shape of a document in the API; ``households`` when already read for a page of them."""
    if households is None:
        households = store.households_of(db.session, document.id)
    return {"id": document.id, "kind": document.kind, "annex": ANNEXES[document.kind].number,
            "title": document.title, "version": document.version, "subject": document.subject,
            "status": document.status, "sha256": document.sha256, "size": document.size,
            "households": households, "created_at": iso(document.created_at),
            "rendered_at": iso(document.rendered_at), "url": url_for("api.get_document", document_id=document.id)}

"""A case's and a household's documents, read a page at a time in the order the pages print them (annex, version).

Every version of every annex is kept, so a household printed again each year gathers many; a page reads one window
by keyset (``engine.paging``) and the total is counted by the database.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from engine.paging import Key, Page, Window, page
from monitoring.models import Document, DocumentLink

ORDER = (Key(Document.kind), Key(Document.version), Key(Document.id))


def of_instance(instance_id: int) -> Select[Any]:
    """The documents a case's steps produced or belong to (a batch notice belongs to several cases)."""
    return select(Document).where(Document.id.in_(
        select(DocumentLink.document_id).where(DocumentLink.instance_id == instance_id)))


def of_household(household_id: int) -> Select[Any]:
    """The documents about the household (its own subject) and those that name it among others (a batch notice)."""
    linked = select(DocumentLink.document_id).where(DocumentLink.household_id == household_id)
    return select(Document).where(or_(Document.id.in_(linked), Document.subject == f"household:{household_id}"))


def instance_documents(session: Session, instance_id: int, window: Window) -> Page[Document]:
    return page(session, of_instance(instance_id), ORDER, window)


def household_documents(session: Session, household_id: int, window: Window) -> Page[Document]:
    return page(session, of_household(household_id), ORDER, window)

"""Printing from the pages: open a stored document, or print an annex now from the data in the system."""

from __future__ import annotations

from flask import Blueprint, g, redirect, request, url_for

from engine.limits import row_id
from monitoring.documents import store
from web.documents import service
from web.extensions import db

documents = Blueprint("documents", __name__, url_prefix="/documents")


@documents.get("/<int:document_id>")
def show(document_id: int):
    """The PDF in the browser's viewer, to print; the bytes are the stored ones."""
    document = service.ready(store.visible_document(db.session, document_id, g.actor).id)
    return service.send(document, download=bool(request.args.get("download")))


@documents.post("/print")
def print_annex():
    subject = row_id(request.form.get("subject_id", ""))
    document, _ = service.print_now(request.form.get("kind", ""), subject, g.actor)
    return redirect(url_for("documents.show", document_id=document.id))

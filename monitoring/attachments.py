"""Signed scans uploaded with a form: checked by content, stored once per content, shown only in scope."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from engine.assignment import Actor
from engine.errors import InvalidData
from engine.queries import in_scope
from monitoring.models import Attachment

MAX_BYTES = 10 * 1024 * 1024
# What a phone camera or a scanner produces, recognised by the first bytes rather than the file name.
SIGNATURES = {b"%PDF-": "application/pdf", b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}


def content_type_of(content: bytes) -> str | None:
    return next((kind for magic, kind in SIGNATURES.items() if content.startswith(magic)), None)


def store_attachment(session: Session, directory: Path, actor: Actor, place_path: str, field: str,
                     filename: str, content: bytes, at: datetime) -> Attachment:
    """Keep an uploaded file; ``field`` names the form field in the error of a file we refuse."""
    if not content:
        raise InvalidData("上传的文件为空", {field: "文件为空"})
    if len(content) > MAX_BYTES:
        raise InvalidData("上传的文件过大", {field: f"文件不能超过 {MAX_BYTES // 1024 // 1024} MB"})
    kind = content_type_of(content)
    if kind is None:
        raise InvalidData("文件类型不支持", {field: "只接受 PDF、JPG 或 PNG 格式的扫描件或照片"})
    digest = hashlib.sha256(content).hexdigest()
    path = directory / "attachments" / digest
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".part")
        temporary.write_bytes(content)
        temporary.replace(path)
    attachment = Attachment(sha256=digest, filename=Path(filename).name[:200] or "upload", content_type=kind,
                            size=len(content), place_path=place_path, uploaded_by=actor.username, uploaded_at=at)
    session.add(attachment)
    session.flush()
    return attachment


def visible_attachment(session: Session, attachment_id: int, actor: Actor) -> Attachment:
    return in_scope(session, Attachment, attachment_id, actor)


def attachment_path(directory: Path, attachment: Attachment) -> Path:
    return directory / "attachments" / attachment.sha256

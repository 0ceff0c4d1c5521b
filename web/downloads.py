"""Every file the server sends (documents, attachments, exports) goes out here, under its Chinese name.

Browsers save a download under the name in ``Content-Disposition``. RFC 6266 carries a non-ASCII name
as ``filename*=UTF-8''…`` (RFC 8187 percent-encoding) and lets an ASCII ``filename=`` stand beside it
for old clients; Werkzeug's own fallback drops every Chinese character (``附件1.pdf`` → ``1.pdf``),
so each caller names a readable ASCII stem itself (``annex1-12-v1``) and the real name's extension follows.
"""

from __future__ import annotations

import io
import re
from pathlib import Path, PurePath
from typing import BinaryIO
from urllib.parse import quote

from flask import Response, send_file

ATTR_CHARS = "!#$&+-.^_`|~"  # RFC 8187 attr-char besides letters and digits: sent unencoded
UNSAFE_IN_FALLBACK = re.compile(r"[^A-Za-z0-9._-]+")

PDF = "application/pdf"


def ascii_fallback(name: str) -> str:
    """``name`` reduced to characters every client takes inside a quoted ``filename=``."""
    return UNSAFE_IN_FALLBACK.sub("_", name).strip("_.") or "download"


def content_disposition(filename: str, fallback_stem: str, inline: bool = False) -> str:
    """The header value: ``attachment`` (or ``inline``), the ASCII fallback, then the real name."""
    kind = "inline" if inline else "attachment"
    fallback = ascii_fallback(fallback_stem + PurePath(filename).suffix)
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe=ATTR_CHARS)}"


def send_download(source: Path | BinaryIO | bytes, filename: str, fallback_stem: str, mimetype: str, *,
                  inline: bool = False, etag: str | None = None) -> Response:
    """A file, path or bytes sent under ``filename`` (shown in the browser when ``inline``), never cached stale."""
    body = io.BytesIO(source) if isinstance(source, bytes) else source
    response = send_file(body, mimetype=mimetype, etag=etag if etag is not None else isinstance(body, Path),
                         max_age=0)
    response.headers["Content-Disposition"] = content_disposition(filename, fallback_stem, inline)
    return response

"""A check on every HTML page a web test renders: nothing technical reaches a user.

It reads only what a person sees (text nodes, not attributes, scripts, styles or hidden inputs) and
refuses a login id of any user in the database, an internal code (BPMN element ids, process keys,
code-list codes, role keys), an ISO date or timestamp, and English words outside ``ALLOWED_WORDS``.
Administration pages may show login ids in elements of class ``login-id`` (the 登录名 column), and a
department's upload list the names of its files (``file-name``).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from engine.models import ProcessVersion
from monitoring.models import CodeEntry, Role, User
from web.extensions import db

# file formats, brands and keys people know by these names (formats in either case: ".csv 或 .xlsx 文件"); a
# designer's forms are JSON Schema files, and the form editor's messages name that format
ALLOWED_WORDS = {"PDF", "XLSX", "CSV", "JPG", "PNG", "Excel", "APP", "Ctrl", "JSON", "Schema"}
# what users wrote themselves, shown back to them: login ids in the administration's 登录名 column, file names
ALLOWED_CLASSES = {"login-id", "file-name"}
_INVISIBLE = {"script", "style", "template"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
_TOKEN = re.compile(r"[A-Za-z0-9_]+")
_WORD = re.compile(r"[A-Za-z]{2,}")
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2})?")
_ELEMENT_ID = re.compile(r'\bid="([^"]+)"')
_element_ids: dict[str, set[str]] = {}  # by version sha256: a deployed version never changes


class _VisibleText(HTMLParser):
    """Text a reader sees, less what ``ALLOWED_CLASSES`` mark as the users' own words."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []  # (tag, hidden or login id)
        self.visible: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            return
        classes = (dict(attrs).get("class") or "").split()
        self.stack.append((tag, tag in _INVISIBLE or not ALLOWED_CLASSES.isdisjoint(classes)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        pass

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                return

    def handle_data(self, data: str) -> None:
        if not any(skipped for _, skipped in self.stack):
            self.visible.append(data)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    return " ".join(parser.visible)


def internal_words() -> tuple[set[str], set[str]]:
    """(login ids, internal codes) of the current database."""
    usernames = set(db.session.execute(select(User.username)).scalars())
    codes = {c for c in db.session.execute(select(CodeEntry.code)).scalars() if not c.isdigit()}
    codes |= {r.value for r in Role}
    for version_id, key, sha in db.session.execute(select(ProcessVersion.id, ProcessVersion.key,
                                                          ProcessVersion.sha256)):
        codes.add(key)
        if sha not in _element_ids:
            files = db.session.get(ProcessVersion, version_id).files
            _element_ids[sha] = {i for text in files.values() for i in _ELEMENT_ID.findall(text)}
        codes |= _element_ids[sha]
    return usernames, codes


def problems(html: str, usernames: set[str], codes: set[str]) -> list[str]:
    """What a reader of ``html`` should not see, each once."""
    text = visible_text(html)
    found = []
    for token in dict.fromkeys(_TOKEN.findall(text)):
        if token in usernames:
            found.append(f"login id {token!r}")
        elif token in codes:
            found.append(f"internal code {token!r}")
        else:
            found += [f"English word {word!r}" for word in _WORD.findall(token)
                      if word not in ALLOWED_WORDS and word.upper() not in ALLOWED_WORDS]
    found += [f"ISO date {match!r}" for match in dict.fromkeys(_ISO.findall(text))]
    return list(dict.fromkeys(found))


class ScanningClient(FlaskClient):
    """The test client, failing the request's test when an HTML page shows what a user should not see."""

    def open(self, *args, **kwargs):
        response = super().open(*args, **kwargs)
        if response.mimetype == "text/html" and not 300 <= response.status_code < 400:  # a redirect body: never read
            html = response.get_data(as_text=True)
            with self.application.app_context():
                found = problems(html, *internal_words())
            if found:
                path = args[0] if args and isinstance(args[0], str) else kwargs.get("path", "?")
                raise AssertionError(f"page {path} shows {', '.join(found)}")

        return response


def install(app: Flask) -> None:
    app.test_client_class = ScanningClient

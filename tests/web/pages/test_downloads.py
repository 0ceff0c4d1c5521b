"""Downloads carry their Chinese name (RFC 6266 ``filename*``) with a readable ASCII fallback."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest
from werkzeug.http import parse_options_header

from monitoring.attachments import store_attachment
from tests.web.test_documents import api_path, authorized
from web.documents.service import documents_dir
from web.downloads import content_disposition

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 16


HEADER = re.compile(r"(attachment|inline); "
                    r'filename="([A-Za-z0-9._-]+)"; '
                    r"filename\*=UTF-8''([A-Za-z0-9%!#$&+.^_`|~-]+)")


def names(header: str) -> tuple[str, str, str]:
    """(disposition, ASCII filename, the filename* value decoded as RFC 8187 says)."""
    match = HEADER.fullmatch(header)
    assert match, header
    disposition, fallback, encoded = match.groups()
    assert parse_options_header(header)[1]["filename"] == unquote(encoded, errors="strict")  # how Werkzeug reads it
    return disposition, fallback, unquote(encoded, encoding="utf-8", errors="strict")


@pytest.mark.parametrize(("name", "stem", "fallback"), [
    ("承诺授权书-12-v1.pdf", "annex1-12-v1", "annex1-12-v1.pdf"),
    ("监测对象 名单 \"2026\";Q4.xlsx", "cases 2026Q4", "cases_2026Q4.xlsx"),
    ("扫描件", "附件", "download"),
])
def test_the_header_names_the_real_file_and_an_ascii_fallback(name, stem, fallback):
    header = content_disposition(name, stem)
    assert header.isascii() and "\n" not in header
    assert names(header) == ("attachment", fallback, name)
    assert content_disposition(name, stem, inline=True).startswith("inline; ")


def test_a_document_downloads_under_its_chinese_title(api, world, pages):
    _, instance = authorized(api)
    annex1 = next(d for d in api("cun").get(f"/instances/{instance['id']}/documents").json if d["annex"] == 1)
    browser = pages("cun")
    saved = browser.get(f"/documents/{annex1['id']}?download=1")
    assert names(saved.headers["Content-Disposition"]) == (
        "attachment", f"annex1-{annex1['id']}-v1.pdf", f"承诺授权书-{annex1['id']}-v1.pdf")
    saved.close()
    shown = api("cun").get(api_path(annex1))
    assert names(shown.headers["Content-Disposition"])[0] == "inline" and shown.data.startswith(b"%PDF")
    shown.close()


def test_an_attachment_keeps_its_uploaded_name(app, api, actors, pages, session):
    stored = store_attachment(session, documents_dir(), actors["village"], actors["village"].place_path,
                              "signed_scan", "授权书 扫描.png", PNG, app.extensions["fangpin_engine"].now())
    session.commit()
    served = pages("cun").get(f"/tasks/attachments/{stored.id}")
    assert served.status_code == 200 and served.data == PNG
    assert names(served.headers["Content-Disposition"]) == ("inline", f"attachment-{stored.id}.png", "授权书 扫描.png")
    served.close()


def test_the_favicon_is_served_to_anyone_and_linked_from_every_page(pages):
    browser = pages()
    icon = browser.get("/favicon.ico")
    assert icon.status_code == 200 and icon.data[:4] == b"\0\0\1\0"  # an ICO file
    icon.close()
    login = browser.get("/login").text
    svg_link = re.search(r'<link rel="icon" href="([^"]+\.svg)" type="image/svg\+xml">', login)
    assert svg_link and '<link rel="icon" href="/favicon.ico"' in login
    svg = browser.get(svg_link.group(1))
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml" and b"#b42318" in svg.data
    svg.close()

"""The scanner every web test's pages go through (tests/web/page_scanner.py) catches what it should, only that."""

from __future__ import annotations

import pytest
from flask import Response

from tests.web.page_scanner import internal_words, problems


@pytest.fixture
def words(app, actors):
    return internal_words()


def test_it_catches_a_login_id_a_role_key_an_english_word_and_an_iso_date(words):
    html = "<main><p>cun 已办理</p><p>township</p><button>Submit</button><p>2026-03-02T09:00</p></main>"
    assert problems(html, *words) == ["login id 'cun'", "internal code 'township'", "English word 'Submit'",
                                      "ISO date '2026-03-02T09:00'"]


def test_it_reads_only_what_a_person_sees(words):
    html = """<head><title>案件</title><style>.cun { color: red }</style></head>
    <main data-user="cun"><input type="hidden" name="who" value="cun"><a href="/tasks/?step=visit">走访排查</a>
    <script>const role = "township";</script><td class="login-id">cun</td><p>导出 Excel 或 PDF（.xlsx）</p></main>"""
    assert problems(html, *words) == []


def test_a_test_fails_when_its_page_shows_a_login_id_and_json_is_left_alone(app, actors):
    app.add_url_rule("/leaky", "leaky", lambda: Response("<p>由 zhen 办理</p>", mimetype="text/html"))
    app.add_url_rule("/leaky.json", "leaky_json", lambda: {"by": "zhen"})
    client = app.test_client()
    with pytest.raises(AssertionError, match="login id 'zhen'"):
        client.get("/leaky")
    assert client.get("/leaky.json").json == {"by": "zhen"}

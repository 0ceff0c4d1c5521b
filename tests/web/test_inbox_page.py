"""What the inbox page (``GET /tasks/``) asks of the database, counted statement by statement (issue 14: the page cost
hundreds of milliseconds at region size while its query took one). Each statement costs a round trip and its Python
side whatever its rows, and each object made from a row costs more than the row: the page counts the actor's tasks in
one grouped scan (then reads its page's keys, then their rows), the places of its filters once, process names without
their BPMN and forms, and of each household only what a row shows — the same statements for a page of one task or of
many (``bench/scale.py`` prints its time)."""

from __future__ import annotations

import re

import pytest

from tests.web.pages.conftest import PageClient
from tests.web.test_api_completion_statements import reads, statements
from tests.web.test_identification import forms_dir, new_household, start, world  # noqa: F401  (fixtures)

# Of a household, the page shows its head's name (and, to tell two heads of one name apart, its village group and
# the last digits of the head's ID number) and its size.
SHOWN_MEMBER_COLUMNS = {"household_id", "position", "name", "id_number", "relation", "left_on"}


@pytest.fixture
def inbox(app, actors, api, world):  # noqa: F811  (the fixture imported above)
    """A village cadre's inbox page, after ``count`` new applications; answers the statements the page sent."""
    browser = PageClient(app, "cun")

    def read(count: int) -> tuple[list[str], str]:
        for _ in range(count):
            start(api("cun"), new_household(api))
        browser.get("/tasks/")  # the login's first page reads what every later page has cached
        with statements() as sent:
            page = browser.get("/tasks/")
        assert page.status_code == 200
        return sent, page.text

    return read


def _columns(statement: str, table: str) -> set[str]:
    return set(re.findall(rf"\b{table}\.(\w+)", statement.split(" FROM ")[0]))


def test_the_inbox_page_counts_its_tasks_in_one_scan_and_reads_places_once(inbox):
    sent, text = inbox(3)

    assert "共 3 项" in text
    assert len(reads(sent, "tasks")) == 2  # the counts, grouped; the page's rows and cases, by keys a subquery picks
    listed_places = [s for s in reads(sent, "places") if re.search(r"places\.code (IN|= ANY)", s)]
    assert len(listed_places) == 1, listed_places  # the filters' villages and townships, and the rows' village names


def test_process_names_are_read_without_their_models(inbox):
    sent, text = inbox(1)

    versions = reads(sent, "process_versions")
    assert versions and "农牧户申请" in text
    assert not any({"files", "forms"} & _columns(s, "process_versions") for s in versions), versions


def test_of_each_household_the_page_reads_what_a_row_shows(inbox):
    sent, text = inbox(2)

    members = [s for s in sent if s.startswith("SELECT") and re.search(r"\b(FROM|JOIN) members\b", s)]
    assert len(members) == 1 and "2人" in text  # head and spouse
    assert _columns(members[0], "members") <= SHOWN_MEMBER_COLUMNS | {"id"}, members[0]
    assert not {"health", "phone", "work"} & _columns(reads(sent, "households")[0], "members")


def test_a_page_of_many_tasks_sends_the_statements_of_a_page_of_one(inbox):
    one, _ = inbox(1)
    many, text = inbox(6)

    assert "共 7 项" in text
    assert len(many) == len(one), (len(one), len(many))


def test_the_page_shows_a_phone_page_of_rows_and_a_chosen_step_a_batch(inbox, app, monkeypatch):
    from web.inbox import blueprint

    monkeypatch.setattr(blueprint, "PAGE_ROWS", 2)
    monkeypatch.setattr(blueprint, "BATCH_ROWS", 3)
    _, text = inbox(3)
    browser = PageClient(app, "cun")

    assert text.count("data-task=") == 2 and "共 3 项" in text and 'rel="next"' in text  # counted whole, shown by 2
    batch = browser.get("/tasks/?step=apply").text
    assert batch.count("data-task=") == 3 and 'rel="next"' not in batch
    assert browser.get("/tasks/?limit=1").text.count("data-task=") == 1  # as asked


def test_the_place_that_scopes_the_page_and_heads_it_comes_with_the_login(inbox):
    sent, text = inbox(1)

    logins = [s for s in sent if re.search(r"\bFROM login_sessions\b", s)]
    assert len(logins) == 1 and re.search(r"\bJOIN places\b", logins[0]), logins
    assert not [s for s in reads(sent, "places") if re.search(r"places\.code = (?!ANY)", s)]  # not again by its code
    assert '<span class="who">艾力嘎查 · ' in text  # the header names it all the same

"""Lists page by keyset and export to XLSX: households (page and API), the inbox with SQL filters and counts,
and a page's queries that do not grow with the list."""

from __future__ import annotations

import io
import re
from contextlib import contextmanager
from datetime import datetime, timedelta
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook
from sqlalchemy import event

from engine.paging import encode_cursor
from monitoring import households
from monitoring.id_number import check_digit, mask_id_number
from tests.web.test_identification import APPRAISAL, VISIT, form_data, new_household, start, sweep
from web.extensions import db
from web.list_pages import PAGE_ROWS

VILLAGE, VILLAGE_2 = "150223100201", "150223100202"
_serial = iter(range(1, 9999))


def register(session, actors, clock, count: int, village: str = VILLAGE) -> list[int]:
    ids = []
    for _ in range(count):
        n = next(_serial)
        first17 = f"15022319800101{n:03d}" if n < 1000 else f"1502231981{n:04d}0"[:17]
        head = {"name": f"户主{n}", "id_number": first17 + check_digit(first17), "relation": "head"}
        household = households.create_household(session, actors["county"], {
            "village": village, "household_type": "ordinary", "members": [head]}, clock.now())
        ids.append(household.id)
    session.commit()
    return ids


def listed(text: str) -> list[int]:
    return [int(n) for n in re.findall(r'<td data-label="户主"><a href="/households/(\d+)"', text)]


def next_link(text: str) -> str | None:
    match = re.search(r'<a class="button" rel="next" href="([^"]+)">下一页</a>', text)
    return match.group(1).replace("&amp;", "&") if match else None


def test_120_households_page_by_50_through_the_api_with_rows_added_between_pages(api, session, actors, clock):
    first = register(session, actors, clock, 120)
    qi = api("qi")
    response = qi.get("/households?limit=50")
    seen = [h["id"] for h in response.json]
    assert len(seen) == 50 and response.headers["X-Total-Count"] == "120"
    added = register(session, actors, clock, 3)  # registered while the reader is on page one
    pages = 1
    while (link := response.headers.get("Link")) is not None:
        url = re.fullmatch(r'<(/api/v1[^>]+)>; rel="next"', link).group(1)
        response = qi.get(url.removeprefix("/api/v1"))
        seen += [h["id"] for h in response.json]
        pages += 1
    assert pages == 3
    assert len(seen) == len(set(seen)) == 123
    assert seen == sorted(first + added)


def test_the_household_list_pages_by_a_phone_page_with_rows_added_between_pages(pages, session, actors, clock):
    first = register(session, actors, clock, 120)
    browser = pages("qi")
    text = browser.get("/households/").text
    assert "共 120 户" in text
    seen = listed(text)
    assert len(seen) == PAGE_ROWS
    added = register(session, actors, clock, 2)
    while (link := next_link(text)) is not None:
        text = browser.get(link).text
        seen += listed(text)
    assert seen == sorted(first + added)
    assert "回到第一页" in text


def test_a_bad_cursor_or_limit_is_refused_by_name(api, pages, tree, actors):
    qi = api("qi")
    # a limit off its declaration is malformed (400); a cursor is checked against the list it pages (422)
    for query, field, status in (("after=bm90LWEtY3Vyc29y", "after", 422), ("limit=0", "limit", 400),
                                 ("limit=201", "limit", 400), ("limit=%C2%B2", "limit", 400),
                                 (f"after={encode_cursor(['x', 1])}", "after", 422),
                                 (f"after={encode_cursor(['x'])}", "after", 422)):
        response = qi.get(f"/households?{query}")
        assert response.status_code == status, query
        assert field in response.json["error"]["fields"], query
    assert pages("qi").get("/households/?after=%%%").status_code == 422


def test_the_household_export_reads_back_with_titles_dates_and_masked_ids(pages, session, actors, clock):
    ids = register(session, actors, clock, 3)
    register(session, actors, clock, 1, village=VILLAGE_2)
    response = pages("qi").get(f"/households/?village={VILLAGE}&format=xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    disposition = response.headers["Content-Disposition"]
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == "农牧户_2026-03-02.xlsx"
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("户主", "身份证号", "嘎查村") and "登记日期" in rows[0]
    assert len(rows) == 1 + len(ids)  # the village filter applies to the export too
    head = session.get(households.Household, ids[0]).head
    assert rows[1][0] == head.name and rows[1][1] == mask_id_number(head.id_number) != head.id_number
    assert rows[1][2] == "艾力嘎查" and rows[1][4] == 1
    registered = rows[1][rows[0].index("登记日期")]
    assert isinstance(registered, datetime) and registered.date() == clock.now().date()


def test_every_list_page_exports(pages, session, actors, clock):
    register(session, actors, clock, 2)
    qi = pages("qi")
    for url, title in (("/households/", "户主"), ("/cases/", "案件号"), ("/tasks/", "农牧户"),
                       ("/notices/", "嘎查村"), ("/admin/users/", "姓名"), ("/admin/uploads/", "数据集")):
        response = qi.get(f"{url}?format=xlsx")
        assert response.status_code == 200, url
        assert load_workbook(io.BytesIO(response.data)).active["A1"].value == title, url


# --- the inbox -----------------------------------------------------------------------------------------------


@pytest.fixture
def work(api, world, clock, create_user):
    """In 艾力嘎查: three applications and two cadre screenings (at the visit); one application claimed by a
    colleague; in 新宝力格嘎查 one screening."""
    cun = api("cun")
    applications = [start(cun, new_household(api)) for _ in range(3)]
    clock.advance(timedelta(hours=1))
    screenings = [start(cun, new_household(api), "cadre_screening") for _ in range(2)]
    start(api("cun2"), new_household(api, village=VILLAGE_2), "cadre_screening")
    create_user("cun_b", "village", VILLAGE)
    colleague = api("cun_b")
    colleague.post(f"/tasks/{colleague.task(applications[0]['id'], 'apply')['id']}/claim")
    return {"applications": applications, "screenings": screenings}


def test_the_inbox_filters_and_counts_in_sql(api, pages, work, clock):
    browser = pages("cun")
    text = browser.get("/tasks/").text
    assert "共 4 项" in text and "另有 1 项已由他人认领" in text
    assert re.search(r"农牧户申请 <b>2</b>", text) and re.search(r"走访排查 <b>2</b>", text)
    visits = browser.get("/tasks/?step=visit").text
    assert visits.count('data-label="步骤"') == 2 and "农牧户申请</a>" not in visits
    assert browser.get("/tasks/?due=on_time&step=visit").text.count('data-label="步骤"') == 2
    due = {t["bpmn_id"]: t["due_at"] for t in api("cun").get("/tasks").json}
    assert due["apply"] is None and due["visit"] is not None
    clock.set(datetime.fromisoformat(due["visit"]) + timedelta(minutes=1))
    browser = pages("cun")  # a new login: the first one has expired by the time the visits are due
    overdue = browser.get("/tasks/?due=overdue").text
    assert overdue.count('data-label="步骤"') == 2 and "2 项已逾期" in overdue
    assert re.search(r"走访排查 <b>2</b>", overdue) and "农牧户申请 <b>" not in overdue  # chips under the filter
    assert browser.get("/tasks/?due=no_due").text.count("农牧户申请</a>") == 2


def test_the_inbox_api_returns_one_page_with_a_link_to_the_next(api, work):
    cun = api("cun")
    response = cun.get("/tasks?limit=2")
    assert len(response.json) == 2 and response.headers["X-Total-Count"] == "5"  # the API lists the colleague's too
    ids = [t["id"] for t in response.json]
    while "Link" in response.headers:
        link = re.fullmatch(r'<(/api/v1[^>]+)>; rel="next"', response.headers["Link"]).group(1)
        response = cun.get(link.removeprefix("/api/v1"))
        ids += [t["id"] for t in response.json]
    assert len(ids) == len(set(ids)) == 5
    assert [t["id"] for t in cun.get("/tasks").json] == ids  # oldest first, as the pages read them
    assert [t["id"] for t in cun.get("/tasks?order=newest").json] == ids[::-1]
    refused = cun.get("/tasks?order=sideways")  # not one of the declared orders: malformed
    assert refused.status_code == 400 and "order" in refused.json["error"]["fields"]


def test_the_inbox_page_reads_newest_first_when_asked(pages, work):
    browser = pages("cun")
    oldest = re.findall(r'data-task="([^"]+)"', browser.get("/tasks/").text)
    newest = re.findall(r'data-task="([^"]+)"', browser.get("/tasks/?order=newest").text)
    assert len(oldest) == 4 and newest == oldest[::-1]
    assert browser.get("/tasks/?order=sideways").status_code == 422


def test_a_step_chip_is_enough_to_batch_one_villages_households(api, pages, work):
    cun = api("cun")
    for case in work["screenings"]:
        cun.complete(case["id"], "visit", form_data(cun, case["id"], "visit", **VISIT))
        cun.complete(case["id"], "authorize", form_data(cun, case["id"], "authorize", approved=True))
    browser = pages("cun")
    appraisal = browser.get("/tasks/?step=appraisal").text
    assert 'id="batch-submit"' in appraisal and 'id="select-all"' in appraisal and "全选本页 2 户" in appraisal
    assert 'id="batch-submit"' not in browser.get("/tasks/?step=apply").text  # not a step decided together


@contextmanager
def statements():
    seen: list[str] = []

    def count(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def test_a_list_pages_queries_do_not_grow_with_the_list(app, pages, session, actors, clock):
    browser = pages("qi")
    register(session, actors, clock, 5)
    browser.get("/households/")
    with statements() as small:
        assert browser.get("/households/").status_code == 200
    register(session, actors, clock, 40, village=VILLAGE_2)
    register(session, actors, clock, 40)  # the first page spans both villages, in whichever order it lists
    with statements() as large:
        assert browser.get("/households/").status_code == 200
    assert len(large) == len(small), (len(small), len(large))


def test_a_list_page_reads_every_code_list_it_labels_with_in_one_statement(app, pages, session, actors, clock):
    browser = pages("qi")
    register(session, actors, clock, 3)
    with statements() as sent:
        page = browser.get("/households/")
    reads = [s for s in sent if re.match(r"SELECT code_entries\.\w+, .*\bFROM code_entries\b", s, re.S)]
    assert len(reads) == 1, reads  # the page shows labels of several lists (its filters' choices, its rows)
    assert page.status_code == 200 and "边缘易致贫户" in page.text  # a choice of the monitoring type filter


def test_a_list_page_names_its_rows_villages_from_its_village_choices(app, pages, session, actors, clock):
    browser = pages("qi")
    register(session, actors, clock, 2, village=VILLAGE_2)
    register(session, actors, clock, 2)
    with statements() as sent:
        assert browser.get("/households/").status_code == 200
    names = [s for s in sent if re.search(r"SELECT places\.code, places\.name\s+FROM places\s+WHERE places\.code", s)]
    assert names == [], names  # the choices' (code, name) rows already name every village of the page


def test_the_inbox_pages_queries_do_not_grow_with_the_inbox(api, pages, work):
    browser = pages("cun")
    browser.get("/tasks/")
    with statements() as small:
        assert browser.get("/tasks/?step=visit").status_code == 200
    for _ in range(4):
        start(api("cun"), new_household(api), "cadre_screening")
    with statements() as large:
        page = browser.get("/tasks/?step=visit")
    assert re.search(r"走访排查 <b>6</b>", page.text)
    assert len(large) == len(small), (len(small), len(large))


def test_a_township_reviews_the_villages_of_one_township_in_one_batch_by_its_chip(api, pages, world, clock):
    """township_review may span the villages of one township (batch="parent"): the chip alone offers it."""
    for cadre, village in (("cun", VILLAGE), ("cun2", VILLAGE_2)):
        user = api(cadre)
        instance = start(user, new_household(api, village=village), "cadre_screening")
        user.complete(instance["id"], "visit", form_data(user, instance["id"], "visit", **VISIT))
        user.complete(instance["id"], "authorize", form_data(user, instance["id"], "authorize", approved=True))
        user.complete(instance["id"], "appraisal", form_data(user, instance["id"], "appraisal", **APPRAISAL))
    assert sweep(clock) == 2
    page = pages("zhen").get("/tasks/?step=township_review").text
    assert page.count('name="task"') == 2 and 'id="batch-submit"' in page
    assert "艾力嘎查" in page and "新宝力格嘎查" in page


def test_the_case_lists_queries_do_not_grow_with_the_list(api, pages, world):
    browser = pages("qi")
    start(api("cun"), new_household(api))
    browser.get("/cases/")
    with statements() as small:
        assert browser.get("/cases/").status_code == 200
    for _ in range(5):
        start(api("cun"), new_household(api))
    with statements() as large:
        page = browser.get("/cases/")
    assert "共 6 件" in page.text
    assert len(large) == len(small), (len(small), len(large))

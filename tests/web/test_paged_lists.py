"""Issue 14's remaining lists read a page at a time by keyset (``?after=&limit=``; the API's body stays a list, the
next page in ``Link``, the total in ``X-Total-Count``): a case's audit events (API and case page), a case's and a
household's documents (API and pages) and the campaigns (API and page)."""

from __future__ import annotations

import re

from sqlalchemy import select

from engine import audit
from engine.models import Task
from monitoring.campaign_models import Campaign
from monitoring.models import Document, DocumentLink
from tests.web.pages.conftest import PageClient
from tests.web.test_api_completion_statements import reads, statements
from tests.web.test_identification import new_household, person  # noqa: F401  (new_household's helper)

VILLAGE = "150223100201"


def start(api) -> dict:
    response = api("cun").post("/instances", json={"process": "approval", "place": VILLAGE,
                                                   "data": {}})
    assert response.status_code == 201, response.json
    return response.json


def claims(session, clock, instance_id: int, count: int) -> None:
    """``count`` claims and releases of the case's task, appended to its audit chain as a claim appends them."""
    task_id = session.execute(select(Task.id).where(Task.instance_id == instance_id)).scalar_one()
    audit.append_to_instance(session, instance_id, [
        audit.Event("task_claimed" if n % 2 == 0 else "task_unclaimed", clock.now(), "cun", instance_id, task_id)
        for n in range(count)])
    session.commit()


def all_pages(client, url: str) -> tuple[list, list[str]]:
    """Every row of an API list followed through its ``Link`` headers, and each page's total."""
    rows, totals = [], []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.json
        rows += response.json
        totals.append(response.headers["X-Total-Count"])
        link = response.headers.get("Link")
        url = re.fullmatch(r'<(/api/v1[^>]+)>; rel="next"', link).group(1).removeprefix("/api/v1") if link else None
    return rows, totals


def next_link(text: str) -> str | None:
    match = re.search(r'<a class="button" rel="next" href="([^"]+)">下一页</a>', text)
    return match.group(1).replace("&amp;", "&") if match else None


def test_a_long_cases_events_page_through_the_api_and_its_body_carries_the_first_page(api, deployed, session,
                                                                                    clock):
    case = start(api)
    claims(session, clock, case["id"], 250)
    cun = api("cun")
    body = cun.get(f"/instances/{case['id']}").json
    assert len(body["events"]) == 200 and body["events"][0]["type"] == "instance_started"
    rest, _ = all_pages(cun, body["events_next"].removeprefix("/api/v1"))
    every, totals = all_pages(cun, f"/instances/{case['id']}/events?limit=120")
    assert len(every) == 251 and totals == ["251"] * 3
    assert body["events"] + rest == every
    assert [e["type"] for e in every[1:3]] == ["task_claimed", "task_unclaimed"]
    assert audit.verify(session).broken_at is None
    assert api("cun3").get(f"/instances/{case['id']}/events").status_code == 404  # another township's cadre
    assert cun.get(f"/instances/{case['id']}/events?after=bogus").status_code == 422


def test_a_short_cases_body_has_every_event_and_no_next(api, deployed):
    body = api("cun").get(f"/instances/{start(api)['id']}").json
    assert [e["type"] for e in body["events"]] == ["instance_started"] and body["events_next"] is None


def test_the_case_page_shows_one_page_of_its_timeline_with_a_pager(app, api, deployed, session, clock):
    case = start(api)
    claims(session, clock, case["id"], 60)
    browser = PageClient(app, "cun")
    text = browser.get(f"/cases/{case['id']}?events_limit=50").text
    assert "共 61 条记录" in text and text.count('<li><time datetime=') == 50
    following = browser.get(next_link(text)).text
    assert following.count('<li><time datetime=') == 11 and "回到第一页" in following


def documents(session, clock, count: int, subject: str, instance_id: int | None = None,
              household_id: int | None = None) -> list[int]:
    """``count`` versions of annex 1 about ``subject``, linked to the case or household."""
    ids = []
    for version in range(1, count + 1):
        row = Document(kind="annex1", subject=subject, version=version, title="承诺授权书", place_path="/",
                       status="pending", created_at=clock.now(), created_by="cun")
        session.add(row)
        session.flush()
        session.add(DocumentLink(document_id=row.id, instance_id=instance_id, household_id=household_id))
        ids.append(row.id)
    session.commit()
    return ids


def test_a_cases_documents_page_through_the_api_and_the_case_page(app, api, deployed, session, clock):
    case = start(api)
    made = documents(session, clock, 7, "blank", instance_id=case["id"])
    rows, totals = all_pages(api("cun"), f"/instances/{case['id']}/documents?limit=3")
    assert [d["id"] for d in rows] == made and totals == ["7"] * 3
    browser = PageClient(app, "cun")
    text = browser.get(f"/cases/{case['id']}?documents_limit=5").text
    assert "共 7 份" in text
    following = browser.get(next_link(text)).text
    assert len(re.findall(r'href="/documents/\d+"', following)) == 2


def test_a_page_of_a_cases_documents_reads_their_households_in_one_statement(api, deployed, session, clock):
    case = start(api)
    made = documents(session, clock, 6, "blank", instance_id=case["id"])
    household = new_household(api)["id"]
    session.add_all([DocumentLink(document_id=made[0], household_id=household),
                     DocumentLink(document_id=made[2], household_id=household)])
    session.commit()
    with statements() as sent:
        rows = api("cun").get(f"/instances/{case['id']}/documents?limit=5").get_json()
    assert [d["households"] for d in rows] == [[household], [], [household], [], []]
    households_read = [s for s in reads(sent, "document_links") if "household_id" in s.split(" FROM ")[0]]
    assert len(households_read) == 1  # every row's households at once, not one read per document


def test_a_households_documents_page_on_its_page(app, api, session, clock):
    household = new_household(api)
    made = documents(session, clock, 4, f"household:{household['id']}", household_id=household["id"])
    browser = PageClient(app, "cun")
    text = browser.get(f"/households/{household['id']}?documents_limit=3").text
    assert "共 4 份" in text and len(re.findall(r'href="/documents/(\d+)"', text)) == 3
    following = browser.get(next_link(text)).text
    assert re.findall(r'href="/documents/(\d+)"', following) == [str(made[-1])]


def test_the_campaigns_page_newest_first(app, api, session, clock):
    for year in (2024, 2025, 2026):
        session.add(Campaign(year=year, place_code="150000000000", place_path="/150000000000/", income_line=7500,
                             deadlines={}, opened_by="zizhiqu", opened_at=clock.now()))
    session.commit()
    rows, totals = all_pages(api("qi"), "/campaigns?limit=2")
    assert [c["year"] for c in rows] == [2026, 2025, 2024] and totals == ["3", "3"]
    text = PageClient(app, "qi").get("/campaigns/?limit=2").text
    assert "2026年度" in text and "2024年度" not in text and next_link(text)

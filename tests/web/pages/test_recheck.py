"""The re-check after an objection: the objection above the form, a visit date of its own, the first visit kept;
录入系统 starts from the risk types the visit recorded."""

from __future__ import annotations

import re
from datetime import timedelta

from tests.web.test_identification import APPRAISAL, VISIT, form_data, new_household, start, sweep

RAISED_BY = "王五（本村村民，户主之兄）13812345678"
CONTENT = "其子在旗里开饭店，身份证150223198001011234的名下有小轿车"


def objected(api, clock) -> dict:
    """A case sent back to the visit by an objection two days into its first notice."""
    cun = api("cun")
    instance = start(cun, new_household(api), "cadre_screening")
    cun.complete(instance["id"], "visit", form_data(cun, instance["id"], "visit", **VISIT))
    cun.complete(instance["id"], "authorize", form_data(cun, instance["id"], "authorize", approved=True))
    cun.complete(instance["id"], "appraisal", form_data(cun, instance["id"], "appraisal", **APPRAISAL))
    clock.advance(timedelta(days=2))
    sent = cun.post(f"/instances/{instance['id']}/messages",
                    json={"name": "objection", "payload": {"by": RAISED_BY, "content": CONTENT}})
    assert sent.status_code == 200, sent.json
    return instance


def visit_date_input(html: str) -> str:
    match = re.search(r'<input[^>]*name="visited_on"[^>]*>', html)
    assert match, html
    return match.group()


def test_the_recheck_shows_the_objection_and_starts_without_a_visit_date(api, world, pages, clock):
    instance = objected(api, clock)
    cun = api("cun")
    page = pages("cun").get(f"/tasks/{cun.task(instance['id'], 'visit')['id']}").text
    start = page.index("公示期间收到异议")
    assert start < page.index('<form method="post" enctype')  # above the form
    block = page[start:page.index("</section>", start)]
    assert "王五（本村村民，户主之兄）138****5678" in block and "13812345678" not in page
    assert "其子在旗里开饭店" in block and "150223198001011234" not in block and "1502**********1234" in block
    assert "2026年3月4日" in block  # received two days into the notice
    assert "2026年3月2日首次走访的记录随异议保存在案件中" in block
    assert 'value=""' in visit_date_input(page) or "value=" not in visit_date_input(page)
    assert "2026-03-02" not in visit_date_input(page)
    prefill = cun.get(f"/tasks/{cun.task(instance['id'], 'visit')['id']}").json["prefill"]
    assert "visited_on" not in prefill and "approved" not in prefill  # a new day, a new verdict
    assert prefill["wage_income"] == 6000  # the figures start from what the first visit found


def test_a_first_visit_shows_no_objection_and_starts_today(api, world, pages):
    cun = api("cun")
    instance = start(cun, new_household(api), "cadre_screening")
    page = pages("cun").get(f"/tasks/{cun.task(instance['id'], 'visit')['id']}").text
    assert "收到异议" not in page and 'value="2026-03-02"' in visit_date_input(page)


def test_a_day_done_offers_no_later_day_than_the_engine_s_today(api, world, pages, clock):
    """A date the engine refuses after today (x-not-after-today) tells the phone's picker so, by the engine's clock."""
    cun = api("cun")
    instance = start(cun, new_household(api), "cadre_screening")
    task = cun.task(instance["id"], "visit")["id"]
    assert 'max="2026-03-02"' in visit_date_input(pages("cun").get(f"/tasks/{task}").text)
    clock.advance(timedelta(days=3))
    assert 'max="2026-03-05"' in visit_date_input(pages("cun").get(f"/tasks/{task}").text)


def test_the_recheck_does_not_overwrite_the_first_visit(api, world, clock):
    instance = objected(api, clock)
    clock.advance(timedelta(days=1))  # the re-check visit, the day after the objection (5 March)
    cun = api("cun")
    again = form_data(cun, instance["id"], "visit", visited_on="2026-03-05", wage_income=9000, approved=True)
    cun.complete(instance["id"], "visit", again)
    data = cun.get(f"/instances/{instance['id']}").json["data"]
    assert data["visit"]["visited_on"] == "2026-03-05" and data["visit"]["wage_income"] == 9000
    first = data["objections"][0]["visit"]
    assert first["visited_on"] == "2026-03-02" and first["wage_income"] == 6000


def test_entry_starts_from_the_risk_types_the_visit_recorded(api, world, clock):
    cun = api("cun")
    instance = start(cun, new_household(api), "cadre_screening")
    cun.complete(instance["id"], "visit", form_data(cun, instance["id"], "visit",
                                                    **{**VISIT, "risk_types": ["illness", "schooling"]}))
    cun.complete(instance["id"], "authorize", form_data(cun, instance["id"], "authorize", approved=True))
    cun.complete(instance["id"], "appraisal", form_data(cun, instance["id"], "appraisal", **APPRAISAL))
    assert sweep(clock) == 1
    api("zhen").complete(instance["id"], "township_review", {"approved": True, "opinion": "逐户审核属实"})
    qi = api("qi")
    qi.complete(instance["id"], "county_review", {"approved": True, "review_method": "joint",
                                                  "reply_reference": "达旗乡振字〔2026〕12号"})
    assert sweep(clock) == 1
    entry = form_data(qi, instance["id"], "entry")
    assert entry["risk_types"] == ["illness", "schooling"] and entry["monitoring_type"] == "marginal"
    assert qi.complete(instance["id"], "entry", entry)["status"] == "completed"  # nothing typed again


def test_the_objectors_phone_is_masked_wherever_the_objection_is_shown(api, world, pages, clock):
    instance = objected(api, clock)
    case_page = pages("zhen").get(f"/cases/{instance['id']}").text
    assert "138****5678" in case_page and "13812345678" not in case_page  # the timeline
    evidence = api("cun").get(f"/tasks/{api('cun').task(instance['id'], 'visit')['id']}").json["evidence"]
    assert evidence["objections"][0]["by"].endswith("138****5678")

"""The quarterly bulletin (季度通报): counts within the chosen quarter, steps in the model's order, and each
number a link to the list of exactly the cases or households it counts."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest

from monitoring.models import Household, MonitoringStatus
from monitoring.status_history import record_change
from tests.conftest import CST
from tests.web.pages.test_dashboard import table
from tests.web.test_identification import VILLAGE2, VISIT, form_data, new_household, start

STEPS = ["1. 农牧户申请", "2. 走访排查", "3. 农牧户授权", "4. 民主评议公示", "5. 苏木乡镇审核", "6. 数据比对研判",
         "7. 旗县审定", "8. 录入系统"]


@pytest.fixture
def quarters(api, world, clock, session):
    """First quarter (from Mon 2 Mar 2026): case A refused at the visit, case B past the visit and waiting on the
    authorization, H1 identified on 20 Mar, H3 on 5 Jan. Second quarter: case C started 7 Apr in the other village
    and its visit left overdue, H2 identified on 1 Apr, H3's risk eliminated on 30 Jun."""
    cun = api("cun")
    a = start(cun, new_household(api), "cadre_screening")
    cun.complete(a["id"], "visit", form_data(cun, a["id"], "visit", **{**VISIT, "approved": False,
                                                                            "reason": "人均纯收入高于监测标准"}))
    b = start(cun, new_household(api), "cadre_screening")
    cun.complete(b["id"], "visit", form_data(cun, b["id"], "visit", **VISIT))
    clock.set(datetime(2026, 4, 7, 9, 0, tzinfo=CST))
    c = start(api("cun2"), new_household(api, VILLAGE2), "cadre_screening")
    clock.set(datetime(2026, 4, 20, 9, 0, tzinfo=CST))  # c's visit was due 14 April
    households = {}
    for name, village, since, eliminated in (("H1", "150223100201", date(2026, 3, 20), None),
                                             ("H2", VILLAGE2, date(2026, 4, 1), None),
                                             ("H3", "150223100201", date(2026, 1, 5), date(2026, 6, 30))):
        household = session.get(Household, new_household(api, village)["id"])
        household.monitoring_type, household.monitored_since = "marginal", since
        record_change(session, household, MonitoringStatus.MONITORED, clock.now(), "qi", instance_id=1, on=since)
        if eliminated:
            record_change(session, household, MonitoringStatus.ELIMINATED, clock.now(), "qi", instance_id=2,
                          on=eliminated)
        households[name] = household.id
    session.commit()
    return {"A": a["id"], "B": b["id"], "C": c["id"], **households}


def listed(browser, url: str, kind: str) -> set[int]:
    """The ids a case or household list links to (one page is enough here)."""
    page = browser.get(url)
    assert page.status_code == 200, page.text
    return {int(n) for n in re.findall(rf'href="/{kind}/(\d+)"', page.text)}


def link(html: str, row: str, column: int) -> str:
    """The address behind the number in ``column`` of the area table's row named ``row``."""
    areas = re.search(r'<table class="[^"]*areas[^"]*">(.*?)</table>', html, re.S).group(1)
    cells = re.search(rf"<t[dh][^>]*>{row}</t[dh]>(.*?)</tr>", areas, re.S)
    assert cells, areas
    hrefs = re.findall(r'<t[dh][^>]*>(?:<a href="([^"]*)">)?\d+', cells.group(1))
    return hrefs[column].replace("&amp;", "&")


def test_the_first_quarter_counts_only_what_happened_in_it(quarters, pages):
    html = pages("qi").get("/dashboard/bulletin?quarter=2026Q1").text
    assert "达茂旗2026年第一季度防止返贫动态监测和帮扶工作通报" in html
    assert "2026年1月1日至2026年3月31日" in html
    rows = table(html, "苏木乡镇", "新发起案件")
    assert rows[0] == ["百灵庙镇", "2", "2", "1", "0", "0"]  # started A B; identified H1 H3; refused A
    assert rows[1] == ["查干哈达苏木", "0", "0", "0", "0", "0"]
    assert rows[-1] == ["合计", "2", "2", "1", "0", "0"]


def test_the_second_quarter_counts_its_own_and_is_the_default_by_the_clock(quarters, pages):
    html = pages("qi").get("/dashboard/bulletin").text
    assert "2026年第二季度" in html and 'value="2026Q2" selected' in html and 'value="2026Q1"' in html
    assert table(html, "苏木乡镇", "新发起案件")[-1] == ["合计", "1", "1", "0", "1", "1"]  # C; H2; H3; C late


def test_steps_follow_the_process_model_not_the_alphabet(quarters, pages):
    html = pages("qi").get("/dashboard/bulletin?quarter=2026Q1").text
    steps = table(html, "步骤", "到达案件")
    assert [row[0] for row in steps] == STEPS
    assert steps[1] == ["2. 走访排查", "2", "0"] and steps[2] == ["3. 农牧户授权", "1", "0"]
    q2 = table(pages("qi").get("/dashboard/bulletin?quarter=2026Q2").text, "步骤", "到达案件")
    assert q2[1] == ["2. 走访排查", "1", "1"]  # C reached the visit in April and let it pass its due date


def test_each_number_links_to_a_list_of_exactly_what_it_counts(quarters, pages):
    browser = pages("qi")
    html = browser.get("/dashboard/bulletin?quarter=2026Q1").text
    assert listed(browser, link(html, "合计", 0), "cases") == {quarters["A"], quarters["B"]}
    assert "季度通报：2026年第一季度 · 新发起案件 · 达茂旗" in browser.get(link(html, "合计", 0)).text
    assert listed(browser, link(html, "合计", 1), "households") == {quarters["H1"], quarters["H3"]}
    assert listed(browser, link(html, "百灵庙镇", 2), "cases") == {quarters["A"]}
    visit = re.search(r"2\. 走访排查</td><td class=\"num\"><a href=\"([^\"]+)\"", html).group(1).replace("&amp;", "&")
    assert listed(browser, visit, "cases") == {quarters["A"], quarters["B"]}
    q2 = browser.get("/dashboard/bulletin?quarter=2026Q2").text
    assert listed(browser, link(q2, "合计", 3), "households") == {quarters["H3"]}
    assert listed(browser, link(q2, "合计", 4), "cases") == {quarters["C"]}


def test_a_township_has_no_bulletin_of_its_own(quarters, pages):  # issue 12: per league and county
    page = pages("zhen").get("/dashboard/bulletin?quarter=2026Q2")
    assert page.status_code == 422 and "季度通报按盟市、旗县编制" in page.text


def test_a_quarter_that_cannot_be_is_refused_naming_it(quarters, pages, api):
    page = pages("qi").get("/dashboard/bulletin?quarter=2026Q5")
    assert page.status_code == 422 and "2026Q4" in page.text
    answer = api("qi").get("/reports/bulletin?quarter=2026-4")
    assert answer.status_code == 422 and "quarter" in answer.json["error"]["fields"]
    assert pages("qi").get("/cases/?quarter=2026Q1&count=everything").status_code == 422


def test_the_api_answers_the_same_bulletin_as_json(quarters, api):
    answer = api("qi").get("/reports/bulletin?quarter=2026Q1&place=150223000000")
    assert answer.status_code == 200, answer.json
    body = answer.json
    assert body["quarter"] == "2026Q1" and body["place"] == "150223000000" and body["from"] == "2026-01-01"
    assert body["total"]["started"]["count"] == 2 and body["total"]["rejected"]["count"] == 1
    assert body["total"]["started"]["list"].startswith("/cases/?")
    assert [s["name"] for s in body["steps"][0]["steps"]] == [s.split(". ")[1] for s in STEPS]
    assert api("cun").get("/reports/bulletin?place=150223000000").status_code == 404  # above the user's place

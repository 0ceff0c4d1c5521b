"""Decision pages show what the decision rests on: the township's review, the county's comparison judgement and
approval, the re-check after an objection; the API's task carries the same evidence."""

from __future__ import annotations

import html
import re
from datetime import datetime

import pytest

from monitoring import thresholds
from tests.conftest import CST
from tests.monitoring.test_evidence import OBJECTOR, at_county_review
from tests.web.test_identification import (
    VISIT,
    form_data,
    new_household,
    start,
    through_first_notice,
    upload_vehicle_of,
)

pytestmark = pytest.mark.usefixtures("world")


def text_of(page) -> str:
    """What a reader sees: the page's text without its tags."""
    assert page.status_code == 200, page.text
    return html.unescape(re.sub(r"<[^>]+>", "", page.text))


def test_the_township_review_shows_income_expenses_type_votes_and_documents(api, pages, clock, session):
    thresholds.set_threshold(session, thresholds.EXPENSE_WARNING, "150223000000", 2026, 20000, "test",
                             datetime(2026, 1, 1, tzinfo=CST))
    session.commit()
    instance = through_first_notice(api, clock, new_household(api))
    task = api("zhen").task(instance["id"], "township_review")
    page = text_of(pages("zhen").get(f"/tasks/{task['id']}"))
    assert "审核依据" in page
    assert "4,100.00 元" in page and "监测标准线 8,900.00 元" in page and "低于监测标准线" in page
    assert "30,000.00 元" in page and "预警标准 20,000.00 元" in page and "超过预警标准" in page
    assert "因病" in page and "边缘易致贫户" in page and "人均纯收入低于监测收入标准的一般农户" in page
    assert "参会 35 人，同意 33，反对 2" in page and "评议通过" in page and "公示期满" in page
    assert "附件1 承诺授权书" in page and "附件2 民主评议记录及拟新识别监测对象公示" in page
    assert "数据比对" not in page  # nothing compared yet


def test_the_comparison_judgement_shows_each_hit_with_its_source_row(api, pages, clock):
    household = new_household(api)
    upload_vehicle_of(api, household)
    instance = through_first_notice(api, clock, household)
    api("zhen").complete(instance["id"], "township_review", {"approved": True})
    task = api("qi").task(instance["id"], "comparison_review")
    hit = api("qi").get(f"/instances/{instance['id']}").json["data"]["exclusion_hits"][0]
    page = text_of(pages("qi").get(f"/tasks/{task['id']}"))
    assert "发现1条排除情形" in page
    assert "其木格" in page and "拥有车辆或大型农机" in page and "机动车登记" in page
    assert f"第{hit['row']}行" in page and "号牌号码" in page
    assert "4,100.00 元" in page  # the figures stand beside the hits


def test_the_county_approval_shows_the_objection_and_what_the_recheck_found(api, pages, clock, session):
    household, instance = at_county_review(api, clock, session)
    task = api("qi").task(instance["id"], "county_review")
    page = text_of(pages("qi").get(f"/tasks/{task['id']}"))
    assert "异议及处理（1条）" in page and OBJECTOR in page and "家中新买了小轿车" in page
    assert "2026年3月4日 重新核实：仍符合纳入条件" in page
    assert not re.search(r"\d{4}-\d{2}-\d{2}", page)  # dates as people write them, department data's too
    assert "1502**********1234" in page and "150223197001011234" not in page
    assert "拥有车辆或大型农机" in page and "机动车登记" in page
    assert "4,100.00 元" in page and "超过预警标准" in page and "参会 35 人" in page
    for member in household["members"]:
        assert member["id_number"] not in page


def test_the_recheck_after_an_objection_shows_who_objected_and_what_they_said(api, pages, clock):
    cun = api("cun")
    instance = start(cun, new_household(api), "cadre_screening")
    cun.complete(instance["id"], "visit", form_data(cun, instance["id"], "visit", **VISIT))
    cun.complete(instance["id"], "authorize", form_data(cun, instance["id"], "authorize", approved=True))
    cun.complete(instance["id"], "appraisal", form_data(cun, instance["id"], "appraisal", approved=True,
                                                         meeting_form="representative_meeting", attendees=20,
                                                         votes_for=18, votes_against=1))
    cun.post(f"/instances/{instance['id']}/messages",
             json={"name": "objection", "payload": {"by": "张大爷（邻居）", "content": "儿子在外地开公司"}})
    task = cun.task(instance["id"], "visit")
    page = text_of(pages("cun").get(f"/tasks/{task['id']}"))
    assert "张大爷（邻居）" in page and "儿子在外地开公司" in page
    assert page.count("儿子在外地开公司") == 1  # above the form, not again in the evidence


def test_a_first_step_with_nothing_found_yet_shows_no_evidence(api, pages, clock):
    instance = start(api("cun"), new_household(api), "self_declared")
    task = api("cun").task(instance["id"], "apply")
    assert "审核依据" not in text_of(pages("cun").get(f"/tasks/{task['id']}"))


def test_the_api_task_carries_the_same_evidence(api, clock):
    instance = through_first_notice(api, clock, new_household(api))
    zhen = api("zhen")
    body = zhen.get(f"/tasks/{zhen.task(instance['id'], 'township_review')['id']}").json
    evidence = body["evidence"]
    assert evidence["income"] == {"amount": 4100.0, "standard": 8900.0, "judgement": "低于监测标准线", "alert": True}
    assert evidence["suggested_type"] == "边缘易致贫户" and evidence["risk_types"] == ["因病"]
    assert (evidence["votes"]["attendees"], evidence["votes"]["votes_for"], evidence["votes"]["result"]) == \
        (35, 33, "评议通过")
    assert [d["number"] for d in evidence["documents"]] == [1, 2, 7]
    assert evidence["compared"] is False and evidence["objections"] == []
    assert "prefill" in body and "form" in body  # added beside, nothing taken away

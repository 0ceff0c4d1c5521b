"""A case's annexes print that case, rendered whenever: a household eliminated in June, reverted in July, whose
second elimination is appraised and accepted in September before June's papers are first downloaded."""

from __future__ import annotations

import pytest

from engine.models import ProcessInstance
from monitoring.evidence import evidence_for
from tests.web.pages.conftest import PageClient
from tests.web.test_documents import api_path, pdf_text
from tests.web.test_elimination_rollback import eliminated_naturally
from tests.web.test_identification import APPRAISAL, forms_dir, sweep, world  # noqa: F401  (fixtures)
from tests.web.test_risk_elimination import (  # noqa: F401  (fixtures)
    ACCEPTED,
    at,
    begin,
    elimination_world,
    form_data,
    identified,
    verify,
)

pytestmark = pytest.mark.usefixtures("world", "elimination_world")


def printed(api, case: int, annex: int) -> str:
    """The text of the case's annex, downloaded (so rendered) only now."""
    qi = api("qi")
    documents = [d for d in qi.get(f"/instances/{case}/documents").json if d["annex"] == annex]
    assert len(documents) == 1, documents
    response = qi.get(api_path(documents[0]))
    text = pdf_text(response.data)
    response.close()
    return " ".join(text.split())


@pytest.fixture
def reverted_and_again(api, clock):
    """(June's case, September's case) of one household, nothing of June's printed yet."""
    (household,) = identified(api, clock, "苏和")
    june = eliminated_naturally(api, clock, household)
    at(clock, "2026-07-10")
    reverted = api("qi").post(f"/households/{household['id']}/elimination-reversal", {"reason": "子女失业"})
    assert reverted.status_code == 200, reverted.json
    at(clock, "2026-09-02")
    september = begin(api, household, method="natural")["id"]
    verify(api, september)
    cun = api("cun")
    cun.complete(september, "appraisal", form_data(cun, september, "appraisal", **{
        **APPRAISAL, "meeting_date": "2026-09-02", "votes_for": 21, "votes_against": 14}))
    assert sweep(clock) == 1
    zhen = api("zhen")
    zhen.complete(september, "acceptance", form_data(zhen, september, "acceptance", **{
        **ACCEPTED, "inspectors": ["赵科长", "钱干事"], "accepted_on": "2026-09-08"}))
    return june, september


def test_the_earlier_case_s_acceptance_sheet_prints_its_own_acceptance(api, reverted_and_again):
    june, september = reverted_and_again
    text = printed(api, june, 5)
    assert "王镇长" in text and "刘干事" in text and "2026年6月" in text
    assert "赵科长" not in text and "2026年9月8日" not in text
    later = printed(api, september, 5)
    assert "赵科长" in later and "2026年9月8日" in later and "王镇长" not in later


def test_the_earlier_case_s_first_notice_prints_its_own_meeting_and_votes(api, reverted_and_again):
    june, september = reverted_and_again
    text = printed(api, june, 4)
    assert "同意33票，反对2票" in text and "2026年6月" in text
    assert "同意21票" not in text and "2026年9月2日" not in text
    assert "同意21票，反对14票" in printed(api, september, 4)


def test_a_case_names_each_of_its_notices_by_stage_after_a_later_case_posts_its_own(api, session, clock,
                                                                                    reverted_and_again):
    june, september = reverted_and_again
    shown = {case: evidence_for(session, session.get(ProcessInstance, case), clock.now().date()).notices
             for case in (june, september)}
    assert [(n.title, n.period.posted_on.isoformat(), n.running) for n in shown[june]] == [
        ("风险消除·初选名单公示（嘎查村）", "2026-06-01", False), ("风险消除·旗县审定名单公示", "2026-06-07", False)]
    assert [n.title for n in shown[september]] == ["风险消除·初选名单公示（嘎查村）"]


def test_the_case_page_lists_each_notice_the_case_posted_by_stage(app, reverted_and_again):
    june, _ = reverted_and_again
    text = " ".join(PageClient(app, "qi").get(f"/cases/{june}").text.split())
    first, second = text.find("风险消除·初选名单公示（嘎查村）"), text.find("风险消除·旗县审定名单公示")
    assert 0 < first < second, "the village's first notice, then the county's"
    assert "2026年6月2日至2026年6月6日（共5天）" in text and "2026年6月8日至2026年6月12日（共5天）" in text

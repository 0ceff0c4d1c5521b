"""The household page tells the way in and out of monitoring, lets the county revert an elimination with a
reason (the same rule as the API) and the village start a risk elimination, each refusal at its field."""

from __future__ import annotations

import re

import pytest

from monitoring import status_history
from monitoring.models import Household
from tests.web.test_elimination_reversal import add_eliminated

VILLAGE = "150223100201"


@pytest.fixture
def household_id(api, session):
    return add_eliminated(api, session)


def history(page) -> list[str]:
    block = re.search(r'<ol class="status-history">(.*?)</ol>', page.text, re.S).group(1)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", item)).strip() for item in re.findall(r"<li>(.*?)</li>", block,
                                                                                           re.S)]


def test_the_page_tells_each_change_with_its_month_method_and_reason(pages, household_id):
    qi = pages("qi")
    page = qi.get(f"/households/{household_id}")
    assert history(page) == ["纳入监测 2026年3月 旗县乡村振兴部门（达茂旗）",
                             "风险消除（帮扶消除） 2026年9月 旗县乡村振兴部门（达茂旗）"]
    assert "风险消除回退" in page.text and 'name="reason"' in page.text
    reverted = qi.post(f"/households/{household_id}/elimination-reversal",
                       {"reason": "复核发现务工收入中断", "confirm": "yes"}, follow_redirects=True)
    assert reverted.status_code == 200
    assert "已回退风险消除" in reverted.text
    assert history(reverted)[-1].startswith("风险消除回退 2026年3月：复核发现务工收入中断")
    assert f'action="/households/{household_id}/elimination-reversal"' not in reverted.text  # monitored now


@pytest.mark.parametrize(("form", "where", "why"), [
    ({"reason": "", "confirm": "yes"}, "回退理由", "回退理由必填"),
    ({"reason": "稳" * 501, "confirm": "yes"}, "回退理由", "回退理由不能超过500个字"),
    ({"reason": "收入不稳定"}, "确认", "请勾选确认回退"),
])
def test_a_refused_reversal_shows_why_at_its_field_and_keeps_what_was_typed(pages, household_id, session, form,
                                                                            where, why):
    page = pages("qi").post(f"/households/{household_id}/elimination-reversal", form)
    assert page.status_code == 422
    assert f"<li>{where}：{why}</li>" in page.text
    assert "<details class=\"toggle danger\" open>" in page.text
    assert form["reason"][:20] in page.text
    session.expire_all()
    assert session.get(Household, household_id).monitoring_status == "eliminated"


def test_only_the_county_sees_the_form_and_others_are_refused(pages, household_id, session):
    for username in ("cun", "zhen"):
        page = pages(username).get(f"/households/{household_id}")
        assert page.status_code == 200 and "回退风险消除" not in page.text
        refused = pages(username).post(f"/households/{household_id}/elimination-reversal",
                                       {"reason": "收入不稳定", "confirm": "yes"})
        assert refused.status_code == 403
        assert pages(username).post(f"/households/{household_id}/elimination-reversal",
                                    {"reason": "收入不稳定"}).status_code == 403  # before asking for the tick
    assert len(status_history.history(session, household_id)) == 2

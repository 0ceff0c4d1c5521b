"""The household page tells the way in and out of monitoring, lets the county revert an elimination with a
reason (the same rule as the API) and the village start a risk elimination, each refusal at its field."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from monitoring import status_history
from monitoring.models import Household, MonitoringStatus
from tests.web.test_elimination_reversal import ELIMINATED_AT, add_eliminated, forms_dir  # noqa: F401 (fixture)
from tests.web.test_identification import person

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
    ({"reason": " "}, "回退理由", "回退理由必填"),  # reported with the missing tick, both at once
])
def test_a_refused_reversal_shows_why_at_its_field_and_keeps_what_was_typed(pages, household_id, session, form,
                                                                            where, why):
    page = pages("qi").post(f"/households/{household_id}/elimination-reversal", form)
    assert page.status_code == 422
    assert f"<li>{where}：{why}</li>" in page.text
    if where == "回退理由":  # and at the field itself
        assert f'<div class="field-error" id="e-reversal-reason" role="alert">{why}</div>' in page.text
    assert ("<li>确认：请勾选确认回退</li>" in page.text) == ("confirm" not in form)
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


ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def elimination_deployed(api):
    designer = api("sheji")
    response = designer.deploy(ROOT / "processes" / "risk_elimination.bpmn")
    assert response.status_code == 201, response.json


@pytest.fixture
def monitored_id(api, session):
    """A household able to work, monitored since 20 Jan 2026 for illness (the clock stands at 2 Mar 2026)."""
    response = api("cun").post("/households", json={"village": VILLAGE, "household_type": "ordinary", "members": [
        {**person("巴特尔", "15022319700101001"), "labour_skill": "ordinary"}]})
    assert response.status_code == 201, response.json
    household = session.get(Household, response.json["id"])
    household.monitoring_type, household.risk_types = "marginal", ["illness"]
    household.monitored_since = date(2026, 1, 20)
    status_history.record_change(session, household, MonitoringStatus.MONITORED, ELIMINATED_AT, "qi",
                                 on=household.monitored_since, instance_id=1)
    session.commit()
    return household.id


def elimination_form(page) -> str | None:
    found = re.search(r'<section class="card apply no-print" id="eliminate".*?</section>', page.text, re.S)
    return found.group(0) if found else None


def test_the_village_starts_a_natural_elimination_and_goes_to_its_first_step(pages, monitored_id,
                                                                            elimination_deployed):
    cun = pages("cun")
    form = elimination_form(cun.get(f"/households/{monitored_id}"))
    assert re.findall(r"<option[^>]*>([^<]+)</option>", form) == ["帮扶消除", "自然消除"]
    for username in ("zhen", "qi"):  # the start lane is the village's
        assert elimination_form(pages(username).get(f"/households/{monitored_id}")) is None
    started = cun.post(f"/households/{monitored_id}/elimination", {"method": "natural"})
    assert started.status_code == 302 and started.headers["Location"].startswith("/tasks/")
    page = cun.get(f"/households/{monitored_id}")
    assert elimination_form(page) is None  # one open elimination per household
    assert "风险消除" in page.text and "（自然消除）" in page.text  # the case in the list, with its method
    again = cun.post(f"/households/{monitored_id}/elimination", {"method": "natural"})
    assert again.status_code == 409 and "该农户已有进行中的案件" in again.text


def test_a_refused_start_shows_each_rule_at_the_form(pages, monitored_id, elimination_deployed, session, clock):
    household = session.get(Household, monitored_id)
    household.monitored_since = date(2026, 3, 1)  # identified this month
    session.commit()
    refused = pages("cun").post(f"/households/{monitored_id}/elimination", {"method": "assisted"})
    assert refused.status_code == 422
    form = elimination_form(refused)
    assert "2026年3月识别纳入监测，不得当月识别、当月标注风险消除" in form
    assert "帮扶消除须至少有一项已完成的帮扶措施" in form
    assert re.search(r'<option value="assisted" selected>', form)  # the choice made is kept
    # the browser lands at the form, not at the page's top (far above on a phone), the errors first in it
    assert f'action="/households/{monitored_id}/elimination#eliminate"' in form
    assert form.index('role="alert"') < form.index("<form")
    assert "<h2" in refused.text and len(status_history.history(session, monitored_id)) == 1


def test_a_household_out_of_sight_or_not_monitored_cannot_start_one(pages, api, session, monitored_id,
                                                                    elimination_deployed):
    assert pages("cun3").post(f"/households/{monitored_id}/elimination", {"method": "natural"}).status_code == 404
    eliminated = add_eliminated(api, session, "15022319700101002")
    cun = pages("cun")
    assert elimination_form(cun.get(f"/households/{eliminated}")) is None
    refused = cun.post(f"/households/{eliminated}/elimination", {"method": "natural"})
    assert refused.status_code == 422 and "只有监测对象才能风险消除" in refused.text

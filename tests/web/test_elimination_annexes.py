"""Annexes 4, 5 and 6 printed from a risk elimination run through the API: each checked by its PDF's text.

Annex 4 is the village meeting with its posted list, annex 5 the township's checklist with what the check on site
found, its verdicts, the income after elimination, the inspectors and the head; annex 6 the county's list with its
written reply. The posted ones (4, 6) name no ID, phone, bank account or health condition.
"""

from __future__ import annotations

import subprocess

import pytest

from monitoring.models import Household
from tests.monitoring.test_annexes import ARTIFACTS, BANK, PHONE, assert_private, page_one_of, render
from tests.web.test_batch_decisions import batch
from tests.web.test_documents import api_path, pdf_text
from tests.web.test_identification import APPRAISAL, form_data, forms_dir, sweep, world  # noqa: F401  (fixtures)
from tests.web.test_risk_elimination import (  # noqa: F401  (fixtures)
    ACCEPTED,
    APPROVED,
    assisted,
    at,
    begin,
    elimination_world,
    identified,
    measure,
    verify,
)

pytestmark = pytest.mark.usefixtures("world", "elimination_world")


def with_private_details(session, households) -> None:
    """Each household given a bank account and a seriously ill head: what a posted notice must never show."""
    for household in households:
        row = session.get(Household, household["id"])
        row.bank_account, row.phone = BANK, PHONE
        row.head.health = ["serious_illness"]
    session.commit()


def notice_id(api, stage: str) -> int:
    found = [n for n in api("cun").get("/notices").json if n["stage"] == stage]
    assert len(found) == 1, found
    return found[0]["id"]


@pytest.fixture
def two_cases(api, clock):
    """巴特尔 and 乌云, identified in March, measures done in April, verified and appraised on 2 September."""
    households = assisted(api, clock, "巴特尔", "乌云")
    at(clock, "2026-09-02")
    cases = [begin(api, h)["id"] for h in households]
    for case in cases:
        verify(api, case)
    response, _ = batch(api("cun"), "appraisal", cases, {**APPRAISAL, "meeting_date": "2026-09-02"},
                        {0: {"votes_for": 30, "votes_against": 5, "approved": True},
                         1: {"votes_for": 28, "votes_against": 6, "votes_abstain": 1, "approved": True}})
    assert response.status_code == 200, response.json
    return households, cases


def test_annex4_prints_the_meeting_and_the_list_with_what_each_household_received(api, session, two_cases):
    with_private_details(session, two_cases[0])
    text = page_one_of(render(session, "annex4", notice_id(api, "elimination_first"), "annex4-case"))
    assert "艾力嘎查风险消除初选名单公示" in text and "一、民主评议记录" in text
    assert "会议日期2026年9月2日" in text and "村民代表大会" in text and "参会人数35人" in text
    assert "对2户监测对象风险消除初选名单逐户评议表决" in text
    assert "1.巴特尔：同意30票，反对5票，弃权0票，通过；2.乌云：同意28票，反对6票，弃权1票，通过。" in text
    assert "评议通过，同意将下列监测对象列入风险消除初选名单并予以公示" in text
    # head, size, group, type, date identified, way out, measures received, per-capita income: (20000+3000+1200-2000)/2
    assert "1巴特尔22组突发严重困难户2026年3月14日帮扶消除健康帮扶·家庭医生签约（已完成）11100.00" in text
    assert "公示时间：2026年9月3日至2026年9月7日（共5天，2026年9月2日张贴当日不计入）" in text
    assert_private(text)


def accept(api, case, **answers):
    zhen = api("zhen")
    return zhen.complete(case, "acceptance", form_data(zhen, case, "acceptance", **{**ACCEPTED, **answers}))


def test_annex5_prints_the_check_on_site_the_verdicts_and_who_signs(api, session, clock, two_cases):
    households, cases = two_cases
    sweep(clock)
    accept(api, cases[0], accepted_on="2026-09-08")
    documents = api("zhen").get(f"/instances/{cases[0]}/documents").json
    annex5 = next(d for d in documents if d["annex"] == 5)  # issued at the acceptance
    response = api("zhen").get(api_path(annex5))
    printed = pdf_text(response.data)
    response.close()
    assert "风险消除验收表" in printed and "王镇长" in printed
    text = page_one_of(render(session, "annex5", households[0]["id"], "annex5-case"))
    assert "消除方式帮扶消除验收日期2026年9月8日" in text
    # the evidence is what verify_elimination found, then the village's note on each criterion
    assert "风险类型：因病；已完成帮扶措施1项：健康帮扶·家庭医生签约" in text
    assert "核查说明：家庭医生签约已完成，定期随访" in text
    assert "2026年测算：义务教育、基本医疗、住房安全和饮水安全均有保障" in text
    assert "2026年家庭人均纯收入11,100.00元，高于监测收入标准8,900.00元" in text
    assert "核查说明：医疗费用经医保和救助后自付较少" in text
    assert text.count("■达标□未达标") == 4
    assert ("2026年：工资性收入20000.00元，生产经营性收入3000.00元，财产性收入0.00元，转移性收入1200.00元，"
            "生产经营性支出2000.00元；家庭纯收入22200.00元，家庭人均纯收入11100.00元") in text
    assert "■同意标注风险消除□暂不标注，继续帮扶" in text and "意见：逐户验收，符合消除标准" in text
    assert "百灵庙镇人民政府（盖章）2026年9月8日" in text
    assert "验收人员签字王镇长：刘干事：" in text and "户主签字巴特尔：手印■户主已签字确认" in text
    assert households[0]["members"][0]["id_number"] in text  # not posted: the full record


def test_annex5_of_a_refused_acceptance_prints_what_failed_and_why(api, session, clock, two_cases):
    households, cases = two_cases
    sweep(clock)
    accept(api, cases[1], accepted_on="2026-09-08", approved=False, income_ok=False, opinion="",
           reason="务工收入来源单一，尚不稳定")
    text = page_one_of(render(session, "annex5", households[1]["id"], "annex5-refused"))
    assert text.count("■达标□未达标") == 3 and text.count("□达标■未达标") == 1
    assert "□同意标注风险消除■暂不标注，继续帮扶" in text and "原因：务工收入来源单一，尚不稳定" in text


def test_annex6_prints_the_county_list_with_its_reply_and_period(api, session, clock, two_cases):
    households, cases = two_cases
    with_private_details(session, households)
    sweep(clock)
    response, _ = batch(api("zhen"), "acceptance", cases, {**ACCEPTED, "accepted_on": "2026-09-08"})
    assert response.status_code == 200, response.json
    response, _ = batch(api("qi"), "county_review", cases,
                        {**APPROVED, "warnings_reason": "务工收入稳定，会商同意提前消除"})
    assert response.status_code == 200, response.json
    text = page_one_of(render(session, "annex6", notice_id(api, "elimination_second"), "annex6-case"))
    assert "达茂旗审定风险消除名单公示" in text and "（批复文号：达旗乡振批〔2026〕31号）" in text
    assert "审定艾力嘎查下列2户监测对象风险消除" in text
    assert "巴特尔" in text and "乌云" in text and "2026年3月14日" in text
    assert "公示时间：2026年9月9日至2026年9月13日（共5天，2026年9月8日张贴当日不计入）" in text
    assert "达茂旗乡村振兴局（盖章）" in text and "艾力嘎查村民委员会（盖章）" in text
    assert_private(text)


HEALTH_MEASURES = ("resident_medical_subsidy", "family_doctor", "serious_illness_treatment", "chronic_disease_service")
LONG_MEASURES = "、".join(f"健康帮扶·{name}（已完成）" for name in (
    "城乡居民基本医疗保险个人缴费补贴", "家庭医生签约", "大病专项救治", "慢病签约服务"))


def on_the_page(session, kind: str, notice: int) -> str:
    """What the printed pages show, without spaces and line breaks: pdftotext reads only what lies on the paper."""
    render(session, kind, notice, f"{kind}-fits")  # kept under test-artifacts to look at
    pdf = (ARTIFACTS / f"{kind}-fits").with_suffix(".pdf").read_bytes()
    return "".join(subprocess.run(["pdftotext", "-raw", "-", "-"], input=pdf, capture_output=True,
                                  check=True).stdout.decode().split())


@pytest.fixture
def mixed_notice(api, clock):
    """巴特尔 (帮扶消除, four health measures done) and 苏和 (自然消除), appraised on 2 September at two meetings."""
    batu, suhe = identified(api, clock, "巴特尔", "苏和")
    at(clock, "2026-04-01")
    for subtype in HEALTH_MEASURES:
        measure(api, batu, done_on="2026-04-01", subtype=subtype)
    at(clock, "2026-09-02")
    cases = [begin(api, batu)["id"], begin(api, suhe, method="natural")["id"]]
    cun = api("cun")
    for case, meeting in zip(cases, ({"meeting_form": "representative_meeting", "attendees": 35, "votes_for": 30,
                                      "votes_against": 5},
                                     {"meeting_form": "extended_two_committees", "attendees": 12, "votes_for": 11,
                                      "votes_against": 1}), strict=True):
        verify(api, case)
        cun.complete(case, "appraisal", form_data(cun, case, "appraisal", **{**APPRAISAL, **meeting}))
    return cases


def test_annex4_prints_each_meeting_each_way_out_and_every_measure_within_the_page(api, session, mixed_notice):
    text = on_the_page(session, "annex4", notice_id(api, "elimination_first"))
    assert LONG_MEASURES in text, "the measures column runs off the paper"
    assert text.count("会议日期2026年9月2日") == 2
    assert "会议形式村民代表大会参会人数35人" in text
    assert "对1户监测对象风险消除初选名单逐户评议表决评议结果1.巴特尔：同意30票" in text
    assert "会议形式村两委扩大会议参会人数12人" in text and "2.苏和：同意11票，反对1票，弃权0票，通过。" in text
    assert "于2026年9月2日召开村民代表大会、于2026年9月2日召开村两委扩大会议进行民主评议" in text
    assert ("下列2户监测对象，其中帮扶消除的1户已落实针对性帮扶措施" in text
            and "自然消除的1户未经帮扶、风险已自然消除" in text), "a natural elimination is never said to be assisted"
    assert "消除方式" in text and "帮扶消除" in text


def test_annex6_prints_every_measure_and_each_way_out_within_the_page(api, session, clock, mixed_notice):
    sweep(clock)
    zhen, qi = api("zhen"), api("qi")
    for case in mixed_notice:
        zhen.complete(case, "acceptance", form_data(zhen, case, "acceptance", **{**ACCEPTED,
                                                                                  "accepted_on": "2026-09-08"}))
        qi.complete(case, "county_review", {**APPROVED, "warnings_reason": "务工收入稳定，会商同意提前消除"})
    text = on_the_page(session, "annex6", notice_id(api, "elimination_second"))
    assert LONG_MEASURES in text, "the measures column runs off the paper"
    assert "1巴特尔" in text and "帮扶消除" in text and "2苏和" in text and "自然消除" in text

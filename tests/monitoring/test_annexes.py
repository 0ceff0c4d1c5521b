"""The seven annexes as PDF: the data each prints, the privacy rule on posted notices, page numbers, long lists.

The PDFs (and 60 dpi PNGs of them) land in test-artifacts/documents/ for a person to look at.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
from datetime import date, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from engine.errors import InvalidData, NotFound
from monitoring import households, notices
from monitoring.documents import annexes
from monitoring.documents.render import TEMPLATES, render_pdf, template_file
from monitoring.id_number import check_digit
from monitoring.models import Household, Notice
from tests.conftest import CST
from tests.web import conftest as web
from tests.web import test_identification as identification
from tests.web.test_identification import VILLAGE, form_data, person, sweep, through_first_notice

# Fixtures of the web tests: the JSON API client, the real forms, the identification process deployed.
api, forms_dir, world = web.api, identification.forms_dir, identification.world

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "documents"
ID_NUMBER = re.compile(r"\d{17}[\dXx]")
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
PHONE, BANK = "13912345678", "6228480012345678901"
TODAY = date(2026, 3, 20)
_serial = iter(range(500, 999))


def page_one_of(pages: list[str], total: int = 1) -> str:
    """The text of a document of ``total`` pages, without the line breaks that table cells put into phrases."""
    assert len(pages) == total, pages
    assert f"第 1 页 共 {total} 页" in pages[0]
    return re.sub(r"\s+", "", "".join(pages))


def render(session, kind: str, subject_id: int | None, name: str | None = None) -> list[str]:
    """Each page's text of the annex as printed; the PDF and its pictures are kept under test-artifacts."""
    context = annexes.context_for(session, kind, subject_id, TODAY)
    assert json.loads(json.dumps(context)) == context  # plain JSON: the store hashes it
    if annexes.ANNEXES[kind].posted:
        assert_private(json.dumps(context, ensure_ascii=False))  # not even handed to the template
    pdf = render_pdf(annexes.ANNEXES[kind].template, context)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / (name or kind)
    for old in ARTIFACTS.glob(f"{path.name}-*.png"):
        if re.fullmatch(rf"{path.name}-\d+\.png", old.name):
            old.unlink(missing_ok=True)  # the other database's run of this test may be here too (pytest -n)
    path.with_suffix(".pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-", path], input=pdf, check=True)  # never a half-written file
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def assert_private(text: str) -> None:
    """A posted notice shows no ID number, mobile number, bank account or health condition."""
    assert not ID_NUMBER.search(text)
    assert not MOBILE.search(text)
    assert BANK not in text
    assert not any(word in text for word in ("患有大病", "长期慢性病", "残疾"))


def new_household(api):
    """Richer than the web tests' household: phones, a bank account, an illness (none of it may be posted)."""
    n = next(_serial)
    head = {**person("巴特尔", f"15022319700101{n:03d}"), "phone": PHONE, "health": ["serious_illness"]}
    body = {"village": VILLAGE, "household_type": "ordinary", "group": "2组", "phone": PHONE, "bank_account": BANK,
            "address": "艾力嘎查2组18号", "members": [head, person("其木格", f"15022319720101{n:03d}", "spouse")]}
    response = api("cun").post("/households", json=body)
    assert response.status_code == 201, response.json
    return response.json


def notice_of(session, stage: str) -> Notice:
    return session.execute(select(Notice).where(Notice.stage == stage).order_by(Notice.id.desc())).scalars().first()


@pytest.fixture
def approved(api, world, clock, session):
    """A household through the county's approval: both notices posted, the entry waiting."""
    household = new_household(api)
    instance = through_first_notice(api, clock, household)
    api("zhen").complete(instance["id"], "township_review", {"approved": True, "opinion": "逐户审核属实"})
    api("qi").complete(instance["id"], "county_review", {"approved": True, "review_method": "joint",
                                                          "reply_reference": "达旗乡振字〔2026〕12号"})
    return {"household": household, "instance": instance}


@pytest.fixture
def monitored(api, approved, clock, session):
    """The same household entered as a monitoring object, then proposed for risk elimination in June."""
    instance = approved["instance"]
    sweep(clock)
    qi = api("qi")
    qi.complete(instance["id"], "entry", form_data(qi, instance["id"], "entry", risk_types=["illness"]))
    household = session.get(Household, approved["household"]["id"])
    for stage, day in (("elimination_first", date(2026, 6, 1)), ("elimination_second", date(2026, 6, 15))):
        notices.post_notice(session, household, stage, 5, day, "cun", datetime(2026, 6, 1, tzinfo=CST))
    session.commit()
    return household


def test_annex1_prints_the_head_and_every_member_with_full_id_numbers(session, approved):
    household = approved["household"]
    text = page_one_of(render(session, "annex1", household["id"]))
    assert "承诺授权书" in text
    for m in household["members"]:
        assert m["name"] in text and m["id_number"] in text
    assert "签字日期：2026年3月2日" in text
    assert "代签人签字并按手印" in text and "户主手印" in text


def test_annex2_prints_the_meeting_and_the_first_notice_without_private_data(session, approved):
    text = page_one_of(render(session, "annex2", notice_of(session, "identification_first").id))
    assert "艾力嘎查拟新识别监测对象民主评议及公示" in text
    assert "村民代表大会" in text and "同意33票，反对2票，弃权0票" in text
    assert "巴特尔" in text and "边缘易致贫户" in text and "因病" in text
    assert "公示时间：2026年3月3日至2026年3月7日（共5天，2026年3月2日张贴当日不计入）" in text
    assert "12317" in text and "百灵庙镇人民政府" in text and "艾力嘎查村民委员会（盖章）" in text
    assert_private(text)


def test_annex3_prints_the_county_list_with_its_written_reply(session, approved):
    text = page_one_of(render(session, "annex3", notice_of(session, "identification_second").id))
    assert "达茂旗审定监测对象名单公示" in text
    assert "批复文号：达旗乡振字〔2026〕12号" in text
    assert "巴特尔" in text and "边缘易致贫户" in text
    # posted once the first notice's last day passed
    assert "公示时间：2026年3月9日至2026年3月13日（共5天，2026年3月8日张贴当日不计入）" in text
    assert "达茂旗乡村振兴局（盖章）" in text
    assert_private(text)


@pytest.mark.parametrize(("kind", "stage", "title", "period"), [
    ("annex4", "elimination_first", "艾力嘎查风险消除初选名单公示", "2026年6月2日至2026年6月6日（共5天"),
    ("annex6", "elimination_second", "达茂旗审定风险消除名单公示", "2026年6月16日至2026年6月20日（共5天"),
])
def test_elimination_notices_print_since_when_and_the_income(session, monitored, kind, stage, title, period):
    text = page_one_of(render(session, kind, notice_of(session, stage).id))
    assert title in text and period in text
    assert "巴特尔" in text and "边缘易致贫户" in text
    assert monitored.monitored_since.year == 2026 and annexes.cn_date(monitored.monitored_since) in text
    assert "4100.00" in text  # (6000 + 3000 + 1200 - 2000) / 2
    assert_private(text)


def test_annex5_lists_the_four_criteria_with_the_evidence_on_record(session, monitored):
    text = page_one_of(render(session, "annex5", monitored.id))
    assert "风险消除验收表" in text
    assert monitored.head.id_number in text and PHONE in text
    assert "收入持续稳定" in text and "大额刚性支出" in text and "饮水安全" in text
    assert "2026年家庭人均纯收入4100.00元，收入监测底线8900.00元，未超出底线" in text
    assert "合规自付刚性支出30000.00元" in text
    assert "验收人员签字" in text and "百灵庙镇人民政府（盖章）" in text


def test_annex7_collects_everything_about_the_household(session, approved):
    household = approved["household"]
    text = page_one_of(render(session, "annex7", household["id"]))
    assert "监测对象信息采集表" in text
    for m in household["members"]:
        assert m["name"] in text and m["id_number"] in text
    assert PHONE in text and BANK in text
    assert "8200.00" in text and "4100.00" in text and "30000.00" in text  # net, per capita, medical
    assert "采集日期：2026年3月2日" in text
    assert "走访人员签字" in text


def test_annex7_prints_blank_for_a_visit_without_a_connection(session, tree):
    context = annexes.context_for(session, "annex7_blank", None, TODAY)
    assert len(context["members"]) == annexes.BLANK_MEMBER_ROWS
    text = page_one_of(render(session, "annex7_blank", None))
    assert "监测对象信息采集表" in text and "家庭成员" in text
    assert "123456" in text and not re.search(r"20\d\d|\d{7}", text)  # six numbered rows; no date, no number


def test_a_blank_form_has_the_same_fields_as_a_filled_one(session, approved):
    filled = annexes.context_for(session, "annex7", approved["household"]["id"], TODAY)
    blank = annexes.context_for(session, "annex7_blank", None, TODAY)

    def shape(value):
        if isinstance(value, dict):
            return {k: shape(v) for k, v in value.items()}
        return [shape(value[0])] if isinstance(value, list) and value and isinstance(value[0], dict) else None

    assert shape(blank) == shape(filled)


def test_a_context_does_not_change_with_the_day_it_is_printed(session, approved):
    household_id = approved["household"]["id"]
    notice_id = notice_of(session, "identification_first").id
    for kind, subject in (("annex1", household_id), ("annex7", household_id), ("annex2", notice_id)):
        assert annexes.context_for(session, kind, subject, TODAY) == \
            annexes.context_for(session, kind, subject, date(2027, 1, 1))


def test_forty_households_run_over_pages_with_the_header_repeated(session, actors):
    notice = None
    for n in range(40):
        first17 = f"15022319800101{n:03d}"
        household = households.create_household(session, actors["village"], {
            "village": VILLAGE, "group": f"{n % 5 + 1}组", "phone": PHONE,
            "members": [{"name": f"村民{n + 1:02d}", "id_number": first17 + check_digit(first17), "relation": "head",
                         "health": ["chronic"]}]}, datetime(2026, 3, 1, tzinfo=CST))
        notice = notices.post_notice(session, household, "identification_second", 5, date(2026, 3, 9), "qi",
                                     datetime(2026, 3, 9, tzinfo=CST))
    session.commit()
    pages = render(session, "annex3", notice.id, "annex3-forty")
    assert len(pages) >= 2
    assert "户主姓名" in pages[1] and "家庭人口" in pages[1]
    assert f"第 2 页 共 {len(pages)} 页" in pages[1]
    text = re.sub(r"\s+", "", "".join(pages))
    assert all(f"村民{n:02d}" in text for n in range(1, 41))
    assert_private(text)


def test_unknown_subjects_and_wrong_stages_are_refused(session, approved):
    with pytest.raises(NotFound):
        annexes.context_for(session, "annex1", 9999, TODAY)
    with pytest.raises(NotFound):
        annexes.context_for(session, "annex2", 9999, TODAY)
    with pytest.raises(InvalidData):
        annexes.context_for(session, "annex3", notice_of(session, "identification_first").id, TODAY)


@pytest.mark.parametrize("url", [
    "file://{root}/%2e%2e/%2e%2e/pyproject.toml",
    "file://{root}/..%2f..%2fpyproject.toml",
    "file://{root}/../../pyproject.toml",
    "file://evil.example{root}/base.css",
    "http://127.0.0.1/{root}/base.css",
    "file:///etc/passwd",
])
def test_documents_read_no_file_outside_their_templates_however_the_url_is_encoded(url):
    with pytest.raises(ValueError):
        template_file(url.format(root=TEMPLATES))


def test_documents_read_their_own_template_files():
    assert template_file(f"file://{TEMPLATES}/base.html") == TEMPLATES / "base.html"
    assert template_file(f"file://{TEMPLATES}/sub%20dir/../base.html") == TEMPLATES / "base.html"

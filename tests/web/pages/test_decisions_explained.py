"""Decisions that explain themselves: the case page, the household page and the letter handed to a household that was
not included say which rule and which figures decided, as kept at the step that decided (issue 15).

The world of tests/web/test_identification.py: an income line of 8,900 yuan for 2026, no expense warning set; a
household of two with 10,200 yuan income and 2,000 of production costs, i.e. 4,100 yuan a head."""

from __future__ import annotations

import html
import io
import re

import pytest
from lxml import etree
from pypdf import PdfReader

from tests.monitoring.test_annexes import ARTIFACTS, ID_NUMBER, MOBILE, page_one_of
from tests.web.test_identification import (  # noqa: F401 (forms_dir, world: the fixtures)
    ROOT,
    VISIT,
    form_data,
    forms_dir,
    new_household,
    start,
    sweep,
    through_first_notice,
    upload_vehicle_of,
    world,
)

pytestmark = pytest.mark.usefixtures("world")
INCOME = "家庭人均纯收入 4,100 元 < 2026年监测收入标准 8,900 元"
ROW = "决策表第 2 行：人均纯收入低于监测收入标准的一般农户：建议认定为边缘易致贫户"


def visited(api, household) -> dict:
    cun = api("cun")
    case = start(cun, household)
    cun.complete(case["id"], "apply", form_data(cun, case["id"], "apply", way="in_person", applicant_name="巴特尔",
                                                 reason="家人患病, 医疗支出大"))
    cun.complete(case["id"], "visit", form_data(cun, case["id"], "visit", **VISIT))
    return case


def flat(page: str) -> str:
    """The page's HTML with entities read (``&lt;``) and runs of space as one."""
    return re.sub(r"\s+", " ", html.unescape(page))


def letter_text(body: bytes) -> str:
    """The letter's text on its one page (kept under test-artifacts to look at)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "feedback-letter.pdf").write_bytes(body)
    return page_one_of([page.extract_text() for page in PdfReader(io.BytesIO(body)).pages])


def test_the_case_page_says_which_row_and_which_figures_suggested_the_type(api, pages):
    household = new_household(api)
    case = visited(api, household)

    page = flat(pages("cun").get(f"/cases/{case['id']}").get_data(as_text=True))

    assert "系统判定依据" in page and "测算建议监测类型" in page
    assert INCOME in page
    assert "合规自付刚性支出 30,000 元，本年度未设置刚性支出预警标准" in page
    assert "“三保障”和饮水安全：无问题" in page
    assert "→ <strong>建议认定为边缘易致贫户</strong>" in page
    assert ROW in page
    household_page = flat(pages("cun").get(f"/households/{household['id']}").get_data(as_text=True))
    assert "系统判定依据（1项）" in household_page and INCOME in household_page


def test_a_rejected_household_is_handed_a_letter_with_the_reason_the_rule_and_the_figures(api, pages, clock):
    household = new_household(api)
    case = through_first_notice(api, clock, household)
    api("zhen").complete(case["id"], "township_review", {"approved": False, "reason": "家庭有稳定务工收入"})
    cun = pages("cun")
    page = cun.get(f"/households/{household['id']}").get_data(as_text=True)
    [link] = re.findall(r'href="(/households/\d+/feedback/\d+/letter\.pdf)"', page)

    answer = cun.get(link)

    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    text = letter_text(answer.data)
    for said in ("防止返贫监测对象识别结果告知书", "巴特尔户", "您户暂不纳入防止返贫监测对象", "家庭有稳定务工收入",
                 INCOME.replace(" ", ""), "结论：建议认定为边缘易致贫户", ROW.replace(" ", ""), "农户签收"):
        assert said in text, said
    assert not ID_NUMBER.search(text) and not MOBILE.search(text)


def test_another_village_a_department_and_another_household_s_letter_are_not_found(api, pages, clock):
    household = new_household(api)
    case = through_first_notice(api, clock, household)
    api("zhen").complete(case["id"], "township_review", {"approved": False, "reason": "家庭有稳定务工收入"})
    [link] = re.findall(r'href="(/households/\d+/feedback/\d+/letter\.pdf)"',
                        pages("cun").get(f"/households/{household['id']}").get_data(as_text=True))
    other = new_household(api)
    elsewhere = link.replace(f"/households/{household['id']}/", f"/households/{other['id']}/")

    assert pages("cun2").get(link).status_code == 404
    assert pages("gongan").get(link).status_code == 404
    assert pages("cun").get(elsewhere).status_code == 404
    assert pages("cun").get(re.sub(r"feedback/\d+", "feedback/999999", link)).status_code == 404


def test_the_comparison_s_exclusions_are_kept_and_told_on_the_case_page(api, pages, clock):
    household = new_household(api)
    upload_vehicle_of(api, household)
    case = through_first_notice(api, clock, household)
    api("zhen").complete(case["id"], "township_review", {"approved": True})

    page = flat(pages("qi").get(f"/cases/{case['id']}").get_data(as_text=True))

    assert "部门数据比对" in page and "→ <strong>命中1项剔除情形</strong>" in page
    assert re.search(r"其木格（[^）]*第\d+行）", page)


def before_the_table(model: bytes) -> bytes:
    """identification.bpmn as deployed before monitoring_type.dmn: the visit's record goes straight to the gateway."""
    root = etree.fromstring(model)
    ns = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL", "di": "http://www.omg.org/spec/BPMN/20100524/DI"}
    for node in root.xpath("//bpmn:businessRuleTask | //bpmn:sequenceFlow[@id='f_save_visit_gw'] | "
                           "//bpmn:incoming[.='f_save_visit_gw'] | //bpmn:flowNodeRef[.='suggest_type'] | "
                           "//*[@bpmnElement='suggest_type' or @bpmnElement='f_save_visit_gw']", namespaces=ns):
        node.getparent().remove(node)
    root.xpath("//bpmn:sequenceFlow[@id='f_save_visit_suggest']", namespaces=ns)[0].set("targetRef", "gw_visit")
    root.xpath("//bpmn:exclusiveGateway[@id='gw_visit']", namespaces=ns)[0].insert(
        0, etree.fromstring(f'<bpmn:incoming xmlns:bpmn="{ns["bpmn"]}">f_save_visit_suggest</bpmn:incoming>'))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def test_a_case_of_the_model_deployed_before_the_table_is_entered_without_a_reason_to_differ(api, pages, clock):
    """A case still running on the earlier version has no suggestion: entry asks no reason for its type, and the
    county's evidence says it was not measured by the table rather than 不符合纳入条件."""
    designer = api("sheji")
    old = designer.deploy(before_the_table((ROOT / "processes" / "identification.bpmn").read_bytes()),
                          "identification.bpmn")
    assert old.status_code == 201, old.json
    household = new_household(api)
    case = through_first_notice(api, clock, household)
    assert "suggested_type" not in api("cun").get(f"/instances/{case['id']}").json["data"]["visit_result"]
    api("zhen").complete(case["id"], "township_review", {"approved": True})
    qi = api("qi")
    qi.complete(case["id"], "county_review", {"approved": True, "review_method": "joint", "reply_reference": "1号"})
    sweep(clock)
    task = qi.task(case["id"], "entry")
    assert "未经决策表测算" in pages("qi").get(f"/tasks/{task['id']}").get_data(as_text=True)
    entry = form_data(qi, case["id"], "entry", risk_types=["illness"], monitoring_type="marginal")
    entry.pop("type_reason", None)

    assert qi.complete(case["id"], "entry", entry)["status"] == "completed"

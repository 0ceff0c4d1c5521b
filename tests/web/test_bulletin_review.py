"""The bulletin after its review (issue 12): steps named from the model wherever they sit (a subprocess, a
multi-instance) in the order a reader follows them, the （本级） line's links to exactly its rows, a league's or a
county's bulletin of a quarter begun only, the XLSX's Chinese as-of line, and the PDF laid out for A4."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from tests.engine.steps import Steps
from tests.web.pages.conftest import PageClient
from tests.web.test_bulletin_figures import COUNTY, T1, V1, county  # noqa: F401 (the hand-counted county)
from web.dashboard.bulletin import steps_in_order

PROCESSES = Path(__file__).parents[2] / "processes"
ASCII_WORD = re.compile(r"\b[a-z]+_[a-z_]+\b")  # a step id such as village_check, never a Chinese name
pytestmark = pytest.mark.usefixtures("county")
MEMBERS = [{"name": "王某", "relation": "户主"}, {"name": "李某", "relation": "配偶"}]


def model_steps(name: str) -> list[str]:
    parser = SpiffBpmnParser()
    parser.add_bpmn_files([str(PROCESSES / name)])
    key = name.split(".")[0]
    spec, subprocesses = parser.get_spec(key), parser.get_subprocess_specs(key)
    return [step_name for _, step_name in steps_in_order(spec, subprocesses)]


def test_the_campaigns_steps_are_named_from_every_level_up_from_the_village():
    assert model_steps("annual_adjustment.bpmn") == [
        # a township case's deadlines are branches beside its work: its two 督办 follow the work they watch
        "村级年度排查", "乡镇审核（村）", "乡镇汇总上报", "旗县审核（乡镇）", "督办（嘎查村）", "督办（苏木乡镇）",
        "旗县审定上报", "督办（旗县）", "盟市汇总上报", "督办（盟市）", "自治区接收汇总"]
    assert "落实帮扶措施" in model_steps("assistance.bpmn")  # carry_out, a multi-instance task


def test_a_multi_instance_step_is_named_on_the_page_the_pdf_and_the_xlsx(app, api, engine, session, actors):
    steps = Steps(engine, session, actors["designer"])
    steps.deploy("multi_sign.bpmn")
    steps.start(actors["village"], "multi_sign", {"members": MEMBERS}, V1)
    html = PageClient(app, "qi").get("/dashboard/bulletin?quarter=2026Q4").text
    section = re.search(r'id="q-steps">(.*?)</section>', html, re.S).group(1)
    assert re.search(r"<td>1\. 家庭成员签字</td><td class=\"num\"><a [^>]*>1</a>", section)
    assert not ASCII_WORD.findall(re.sub(r"<[^>]+>", " ", section))
    book = load_workbook(io.BytesIO(api("qi").get("/reports/bulletin?quarter=2026Q4&format=xlsx").data))
    cells = [str(c) for sheet in book for row in sheet.values for c in row if c is not None]
    assert "1. 家庭成员签字" in cells and not [c for c in cells if ASCII_WORD.search(c)]
    pdf = PdfReader(io.BytesIO(api("qi").get("/reports/bulletin?quarter=2026Q4&format=pdf").data))
    text = "".join(page.extract_text() for page in pdf.pages)
    assert "家庭成员签字" in text and not ASCII_WORD.findall(text)


def test_the_place_itself_links_to_its_own_rows_only(app, engine, session, actors, create_user):
    steps = Steps(engine, session, actors["designer"])
    own = steps.start(create_user("qiben", "village", COUNTY), "deadline", {"applied_on": "2026-11-23"}, COUNTY)
    steps.start(actors["village"], "deadline", {"applied_on": "2026-11-23"}, V1)  # a township's case: not listed
    browser = PageClient(app, "qi")
    html = browser.get("/dashboard/bulletin?quarter=2026Q4").text
    areas = re.search(r'<table class="[^"]*areas[^"]*">(.*?)</table>', html, re.S).group(1)
    row = re.search(r"<td[^>]*>达茂旗（本级）</td>(.*?)</tr>", areas, re.S).group(1)
    started = re.search(r'href="([^"]*count=started[^"]*)"', row).group(1).replace("&amp;", "&")
    listed = browser.get(started).text
    assert {int(n) for n in re.findall(r'href="/cases/(\d+)"', listed)} == {own}  # the county's own only
    assert "新发起案件 · 达茂旗（本级）" in listed
    assert browser.get(started.replace("own=1", "own=yes")).status_code == 422


def test_a_future_quarter_and_a_place_below_a_county_are_refused_naming_them(app, api):
    answer = api("qi").get("/reports/bulletin?quarter=2027Q1")  # the clock is in 2026Q4
    assert answer.status_code == 422 and list(answer.json["error"]["fields"]) == ["quarter"]
    page = PageClient(app, "qi").get("/dashboard/bulletin?quarter=2027Q1")
    assert page.status_code == 422 and "2027年第一季度尚未开始" in page.text
    for place in (T1, V1):
        answer = api("qi").get(f"/reports/bulletin?quarter=2026Q3&place={place}")
        assert answer.status_code == 422 and list(answer.json["error"]["fields"]) == ["place"]
        page = PageClient(app, "qi").get(f"/dashboard/bulletin?quarter=2026Q3&place={place}")
        assert page.status_code == 422 and "季度通报按盟市、旗县编制" in page.text
    assert PageClient(app, "zhen").get("/dashboard/bulletin").status_code == 422  # a township has none to report
    assert "/dashboard/bulletin" not in PageClient(app, "zhen").get("/dashboard/").text  # nor a link to one
    assert "/dashboard/bulletin" in PageClient(app, "qi").get("/dashboard/").text


def test_the_xlsx_says_its_period_and_as_of_time_in_chinese(api):
    book = load_workbook(io.BytesIO(api("qi").get("/reports/bulletin?quarter=2026Q3&format=xlsx").data))
    for sheet in book:
        rows = [row[0] for row in sheet.values]
        assert rows[0] == "达茂旗2026年第三季度防止返贫动态监测和帮扶工作通报"
        assert rows[1] == ("统计期间 2026年7月1日至2026年9月30日，范围为达茂旗及其下级；"
                           "数据截至 2026年12月1日 10:00。")


def test_the_pdf_fits_a4_with_each_name_on_one_line_in_the_pages_order(api):
    pdf = PdfReader(io.BytesIO(api("qi").get("/reports/bulletin?quarter=2026Q3&format=pdf").data))
    for page in pdf.pages:
        size = (round(float(page.mediabox.width) / 72 * 25.4), round(float(page.mediabox.height) / 72 * 25.4))
        assert size == (210, 297)
    lines = [line.strip() for page in pdf.pages for line in page.extract_text().splitlines()]
    assert any(line.startswith("突发严重困难户") for line in lines), lines  # not 突发严重 / 困难 / 户
    assert "季末监测对象 本季度新纳入 本季度风险消除 本季度消除回退" in " ".join(lines)  # titles over 户 人
    text = "\n".join(lines)
    titles = ["一、监测对象", "二、本季度识别与消除情况", "三、待办任务逾期情况", "四、案件办理", "五、人口自然变更",
              "六、苏木乡镇排名"]
    assert [text.index(t) for t in titles] == sorted(text.index(t) for t in titles)

"""Pages speak the reader's words: step names instead of BPMN ids, how a case ended, notice periods a reader
can count, no hashes or version numbers."""

from __future__ import annotations

import io
import re
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from tests.conftest import CST
from tests.web.pages.test_cases import case_at_visit, case_on_first_notice
from tests.web.test_identification import form_data, new_household, person, start, sweep, through_first_notice

pytestmark = pytest.mark.usefixtures("world")


def test_a_feedback_reason_names_the_step_that_refused(api, pages, clock):
    household = new_household(api)
    instance = through_first_notice(api, clock, household)
    api("zhen").complete(instance["id"], "township_review", {"approved": False, "reason": "人均纯收入高于监测线"})
    page = pages("cun").get(f"/households/{household['id']}").text
    feedback = re.search(r'<ul class="feedback">(.*?)</ul>', page, re.DOTALL).group(1)
    assert "<b>苏木乡镇审核</b>：人均纯收入高于监测线" in feedback
    assert "township_review" not in page


def test_case_pages_show_no_hash_and_no_version_number(api, pages):
    instance_id = case_on_first_notice(api)
    page = pages("cun").get(f"/cases/{instance_id}").text
    listing = pages("cun").get("/cases/").text
    assert "附件2" in page  # the notice's document is listed
    for text in (page, listing):
        assert "SHA-256" not in text and not re.search(r"第\s*\d+\s*版", text)


def outcome_of(listing: str, instance_id: int) -> str:
    row = re.search(rf'<tr data-instance="{instance_id}">(.*?)</tr>', listing, re.DOTALL).group(1)
    return re.search(r'<td data-label="状态">(.*?)</td>', row, re.DOTALL).group(1)


def test_the_case_list_says_how_each_case_ended(api, pages, clock):
    included = through_first_notice(api, clock, new_household(api))["id"]
    api("zhen").complete(included, "township_review", {"approved": True, "opinion": "逐户审核属实"})
    qi = api("qi")
    qi.complete(included, "county_review", {"approved": True, "review_method": "joint",
                                            "reply_reference": "达旗乡振字〔2026〕12号"})
    sweep(clock)
    qi.complete(included, "entry", form_data(qi, included, "entry", risk_types=["illness"]))
    refused = through_first_notice(api, clock, new_household(api))["id"]
    api("zhen").complete(refused, "township_review",
                         {"approved": False, "reason": "家庭有稳定务工收入，人均纯收入高于监测线"})
    cancelled = through_first_notice(api, clock, new_household(api))["id"]
    assert pages("qi").post(f"/cases/{cancelled}/cancel", {"reason": "重复登记", "confirm": "yes"}).status_code == 302

    listing = pages("qi").get("/cases/").text
    assert "纳入监测（边缘易致贫户）" in outcome_of(listing, included)
    assert "未纳入，原因：家庭有稳定务工收入，人均纯收入高于监测线" in outcome_of(listing, refused)
    assert "已撤销，原因：重复登记" in outcome_of(listing, cancelled)
    assert "已办结" not in listing.split("<tbody>")[1]
    assert "案件已办结：纳入监测（边缘易致贫户）。" in pages("qi").get(f"/cases/{included}").text


def test_amounts_read_as_money_on_the_case_and_household_pages(api, pages, clock):
    household = new_household(api)
    instance_id = through_first_notice(api, clock, household)["id"]
    case = pages("zhen").get(f"/cases/{instance_id}").text
    assert "<dt>工资性收入</dt><dd>6,000.00 元</dd>" in case  # 元 once, with the amount
    assert "<dt>医疗支出（合规自付）</dt><dd>30,000.00 元</dd>" in case  # Chinese punctuation
    record = pages("zhen").get(f"/households/{household['id']}").text
    assert '<td data-label="人均纯收入" class="num"><b>4,100.00 元</b>' in record


def test_households_whose_heads_share_a_name_are_told_apart_in_the_inbox(api, pages):
    twins = [new_household(api), new_household(api)]  # both headed by 巴特尔, in 2组
    other = api("cun").post("/households", json={"village": "150223100201", "household_type": "ordinary",
                                                 "group": "3组", "members": [person("其其格", "15022319800101777")]})
    for household in (*twins, other.json):
        start(api("cun"), household)
    inbox = pages("cun").get("/tasks/").text
    for household in twins:
        tail = household["members"][0]["id_number"][-4:]
        assert f'<span class="muted small twin">2组 · 身份证尾号{tail}</span>' in inbox
    assert inbox.count('class="muted small twin"') == 2  # 其其格 is the only one of her name


def test_pages_follow_the_engines_clock_through_time_travel(api, pages, clock):
    instance_id = case_on_first_notice(api)  # posted 2 March 2026 for 5 days: counted 3 to 7 March
    waiting = case_at_visit(api)  # a task created 2 March 09:00
    assert "还剩 5 天" in pages("zhen").get("/notices/").text
    clock.set(datetime(2026, 3, 8, 10, 0, tzinfo=CST))  # past the notice, before any sweep has run
    assert "当前没有公示中的名单" in pages("zhen").get("/notices/").text
    case = pages("zhen").get(f"/cases/{instance_id}").text
    assert "至2026年3月7日</time>，已届满，系统即将处理" in case and "还有" not in case
    clock.set(datetime(2026, 3, 1, 9, 0, tzinfo=CST))  # a clock behind the data (e.g. a server behind --now)
    for page in (pages("cun").get("/tasks/").text, pages("cun").get(f"/cases/{waiting}").text):
        assert "刚刚" in page and not re.search(r"-\s*\d+\s*(天|小时|分钟)", page)


def test_the_case_list_says_what_a_waiting_case_is_doing(api, pages):
    instance_id = case_on_first_notice(api)
    row = re.search(rf'<tr data-instance="{instance_id}">(.*?)</tr>', pages("zhen").get("/cases/").text, re.DOTALL)
    assert '<span class="muted">公示中，可提出异议，至2026年3月7日</span>' in row.group(1)


def test_the_notice_export_states_the_same_period_as_the_page(api, pages):
    case_on_first_notice(api)  # posted 2 March 2026 for 5 days
    exported = pages("zhen").get("/notices/?format=xlsx")
    title, row = list(load_workbook(io.BytesIO(exported.data)).active.iter_rows(max_row=2, values_only=True))
    period = dict(zip(title, row, strict=True))
    assert [period["张贴日期"].date(), period["公示开始"].date(), period["公示结束"].date(), period["公示天数"]] == \
        [date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 7), 5]

"""Risk elimination's later steps show what the check on site found: the method and each of the four criteria with
its evidence, and the household's risk types (the check records none of its own) — up to the county's 系统标注,
which otherwise showed identification's 建议类型 and 风险类型：未填写. The API's task carries the same evidence."""

from __future__ import annotations

from datetime import date

import pytest

from tests.web.pages.test_decision_evidence import text_of
from tests.web.test_identification import form_data
from tests.web.test_risk_elimination import (  # noqa: F401  (fixtures)
    ACCEPTED,
    assisted,
    at,
    begin,
    elimination_world,
    through_first_notice,
    through_second_notice,
    verify,
)

pytestmark = pytest.mark.usefixtures("world", "elimination_world")
CRITERIA = ["落实针对性帮扶措施", "“三保障”及饮水安全持续巩固", "家庭人均纯收入稳定超过当年监测收入标准",
            "大额刚性支出问题稳定解决"]


def test_the_village_appraisal_shows_the_method_and_the_four_criteria(api, pages, clock):
    (household,) = assisted(api, clock, "巴特尔")
    at(clock, "2026-09-02")
    case = begin(api, household)["id"]
    verify(api, case)
    task = api("cun").task(case, "appraisal")

    evidence = api("cun").get(f"/tasks/{task['id']}").json["evidence"]
    assert evidence["method"] == "帮扶消除"
    assert [(c["title"], c["met"]) for c in evidence["criteria"]] == [(title, True) for title in CRITERIA]
    assert evidence["risk_types"] == ["因病"]
    page = text_of(pages("cun").get(f"/tasks/{task['id']}"))
    assert "入户核查核实（帮扶消除）" in page
    assert all(title in page for title in CRITERIA)
    assert "已完成帮扶措施1项：健康帮扶·家庭医生签约" in page
    assert "建议类型" not in page and "未填写" not in page


def test_the_county_marking_reads_what_the_village_found(api, pages, clock):
    (household,) = assisted(api, clock, "乌云")
    at(clock, "2026-09-02")
    case = begin(api, household)["id"]
    through_second_notice(api, clock, case, warnings_reason="务工收入稳定，会商同意")
    task = api("qi").task(case, "marking")

    page = text_of(pages("qi").get(f"/tasks/{task['id']}"))
    assert "入户核查核实（帮扶消除）" in page and "达到" in page
    assert "因病" in page and "建议类型" not in page


def test_the_check_on_site_shows_what_the_records_say_about_the_four_criteria_before_the_village_judges(
        api, pages, clock):
    (household,) = assisted(api, clock, "图雅")
    at(clock, "2026-09-02")
    case = begin(api, household)["id"]
    task = api("cun").task(case, "verification")

    reference = api("cun").get(f"/tasks/{task['id']}").json["evidence"]["check_reference"]
    assert reference["method"] == "帮扶消除" and reference["year"] == 2026 and reference["income_line"] == 8900
    assert reference["risk_types"] == ["因病"]
    assert reference["measures"] == [{"title": "健康帮扶·家庭医生签约", "status": "已完成", "done_on": "2026-04-01"}]
    (visit,) = reference["measurements"]  # identification's, in March: one measurement is not yet stable income
    assert visit["measured_on"].startswith("2026-03") and visit["above"] is True and visit["income_line"] == 8900
    assert [(c["key"], c["met"]) for c in reference["criteria"]] == [
        ("measures", True), ("guarantees", True), ("income", False), ("expenses", False)]
    page = text_of(pages("cun").get(f"/tasks/{task['id']}"))
    assert "核查参考（帮扶消除，按系统记录计算）" in page
    assert "健康帮扶·家庭医生签约 已完成 2026年4月1日完成" in page
    assert "2026年收入标准8,900.00 元" in page and "高于标准 8,900.00 元" in page
    assert "收入尚不稳定" in page and "超过预警标准" in page
    assert all(title in page for title in CRITERIA)


def test_the_county_review_shows_the_township_s_acceptance(api, pages, clock):
    (household,) = assisted(api, clock, "萨仁")
    at(clock, "2026-09-02")
    case = begin(api, household)["id"]
    through_first_notice(api, clock, case)
    zhen = api("zhen")
    zhen.complete(case, "acceptance", form_data(zhen, case, "acceptance", **ACCEPTED))
    task = api("qi").task(case, "county_review")

    acceptance = api("qi").get(f"/tasks/{task['id']}").json["evidence"]["acceptance"]
    assert acceptance["inspectors"] == ["王镇长", "刘干事"] and acceptance["head_signed"] is True
    assert acceptance["approved"] is True and acceptance["opinion"] == "逐户验收，符合消除标准"
    assert [v["met"] for v in acceptance["verdicts"]] == [True] * 4
    page = text_of(pages("qi").get(f"/tasks/{task['id']}"))
    assert "乡镇验收审核" in page and f"验收日期{cn(acceptance['accepted_on'])}" in page
    assert "王镇长、刘干事" in page and "已签字" in page and "验收通过" in page
    assert "逐户验收，符合消除标准" in page and "达到 人均纯收入稳定超过监测收入标准" in page
    assert "入户核查核实（帮扶消除）" in page  # the village's result, as before


def test_the_marking_shows_the_county_s_review_and_the_window_it_marks_in(api, pages, clock):
    (household,) = assisted(api, clock, "其其格")
    at(clock, "2026-09-02")
    case = begin(api, household)["id"]
    through_second_notice(api, clock, case, warnings_reason="务工收入稳定，会商同意")
    task = api("qi").task(case, "marking")

    evidence = api("qi").get(f"/tasks/{task['id']}").json["evidence"]
    assert evidence["review"]["reply_reference"] == "达旗乡振批〔2026〕31号"
    assert evidence["review"]["warnings"] and evidence["review"]["warnings_reason"] == "务工收入稳定，会商同意"
    assert evidence["marking_window"]["opens_on"] == "2026-09-01"
    assert evidence["marking_window"]["closes_on"] == "2026-09-30"
    page = text_of(pages("qi").get(f"/tasks/{task['id']}"))
    assert "书面批复文号达旗乡振批〔2026〕31号" in page and "审定意见会商同意" in page
    assert "确认理由：务工收入稳定，会商同意" in page
    assert "本次在 2026年9月1日至2026年9月30日 的窗口期内标注" in page
    assert "乡镇验收审核" in page  # the township's acceptance stays in view


def cn(iso):
    day = date.fromisoformat(iso)
    return f"{day.year}年{day.month}月{day.day}日"

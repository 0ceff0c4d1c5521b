"""Risk elimination's later steps show what the check on site found: the method and each of the four criteria with
its evidence, and the household's risk types (the check records none of its own) — up to the county's 系统标注,
which otherwise showed identification's 建议类型 and 风险类型：未填写. The API's task carries the same evidence."""

from __future__ import annotations

import pytest

from tests.web.pages.test_decision_evidence import text_of
from tests.web.test_risk_elimination import (  # noqa: F401  (fixtures)
    assisted,
    at,
    begin,
    elimination_world,
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

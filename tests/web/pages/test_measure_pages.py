"""The plan on the household page, the county's form to add a measure, a department's list of its measures with
its export, and the page where the department records what it did."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from tests.web.pages.test_lists import statements
from tests.web.test_api_measures import family_doctor, household_id  # noqa: F401  (a monitored household)


def plan(api, household_id, **changes):  # noqa: F811
    response = api("qi").post(f"/households/{household_id}/measures", json=family_doctor(**changes))
    assert response.status_code == 201, response.json
    return response.json["id"]


def test_the_county_adds_a_measure_on_the_household_page_and_sees_the_plans_warnings(pages, household_id):  # noqa: F811
    qi = pages("qi")
    page = qi.get(f"/households/{household_id}").get_data(as_text=True)
    assert "帮扶计划" in page and "尚未制定帮扶计划" in page and "添加帮扶措施" in page
    form = qi.get(f"/measures/household/{household_id}/new").get_data(as_text=True)
    assert "健康帮扶 · 家庭医生签约" in form
    values = {"kind": "health.family_doctor", "content": "签约家庭医生", "department": "health",
              "responsible": "王医生", "start_on": "2026-02-20", "end_on": "2026-02-19", "amount": "120"}
    refused = qi.post(f"/measures/household/{household_id}/new", values)
    assert refused.status_code == 422 and "结束日期不能早于开始日期" in refused.get_data(as_text=True)
    saved = qi.post(f"/measures/household/{household_id}/new", {**values, "end_on": "2026-12-31"})
    assert saved.status_code == 302
    page = qi.get(f"/households/{household_id}").get_data(as_text=True)
    assert "家庭医生签约" in page and "卫健" in page and "王医生" in page and "120.00 元" in page
    assert "计划中" in page and "应至少有一项开发式帮扶" in page  # the rule's warning, with its reason
    sheet = qi.get(f"/measures/household/{household_id}/sheet").get_data(as_text=True)
    assert "帮扶计划表" in sheet and "家庭医生签约" in sheet and "因病" in sheet


def test_a_village_cadre_reads_the_plan_but_may_not_add_to_it(pages, api, household_id):  # noqa: F811
    plan(api, household_id)
    cun = pages("cun")
    page = cun.get(f"/households/{household_id}").get_data(as_text=True)
    assert "家庭医生签约" in page and "添加帮扶措施" not in page
    assert cun.get(f"/measures/household/{household_id}/new").status_code == 403
    assert pages("cun3").get(f"/measures/household/{household_id}/new").status_code == 404


def test_the_department_lists_exports_and_records_its_measures(pages, api, household_id):  # noqa: F811
    doctor = plan(api, household_id)
    plan(api, household_id, category="employment", subtype="public_welfare_post", department="hrss",
         content="村保洁公益岗位")
    weijian = pages("weijian")
    listing = weijian.get("/measures/").get_data(as_text=True)
    assert "家庭医生签约" in listing and "村保洁公益岗位" not in listing and "共 1 项" in listing
    sheet = load_workbook(io.BytesIO(weijian.get("/measures/?format=xlsx").data)).active
    rows = list(sheet.values)
    assert rows[0][:3] == ("户主", "嘎查村", "措施类别") and rows[1][0] == "巴特尔" and rows[1][3] == "家庭医生签约"
    assert len(rows) == 2
    page = weijian.get(f"/measures/{doctor}").get_data(as_text=True)
    assert "登记落实情况" in page
    refused = weijian.post(f"/measures/{doctor}", {"status": "done", "done_on": "", "result": "", "amount": "120"})
    assert refused.status_code == 422 and "完成时须填写完成日期" in refused.get_data(as_text=True)
    done = weijian.post(f"/measures/{doctor}", {"status": "done", "done_on": "2026-03-01",
                                                "result": "已签约并随访", "amount": "120"})
    assert done.status_code == 302
    page = weijian.get(f"/measures/{doctor}").get_data(as_text=True)
    assert "已签约并随访" in page and "计划中 → 已完成" in page and "登记落实情况" not in page
    household_page = weijian.get(f"/households/{household_id}").get_data(as_text=True)  # linked by its measure
    assert "已签约并随访" in household_page and "村保洁公益岗位" not in household_page
    assert "hits-title" not in household_page and "添加帮扶措施" not in household_page
    assert pages("renshe").get(f"/measures/{doctor}").status_code == 404
    assert "已完成" in pages("qi").get(f"/households/{household_id}").get_data(as_text=True)


def test_the_measures_list_reads_the_same_number_of_statements_however_long_it_is(pages, api, household_id):  # noqa: F811
    weijian = pages("weijian")
    plan(api, household_id)
    with statements() as few:
        assert weijian.get("/measures/").status_code == 200
    for n in range(6):
        plan(api, household_id, content=f"随访{n}")
    with statements() as many:
        assert "共 7 项" in weijian.get("/measures/").get_data(as_text=True)
    assert len(many) == len(few)


def test_the_county_edits_a_measures_plan_on_its_page_and_the_record_says_what_changed(pages, api, household_id):  # noqa: F811
    doctor = plan(api, household_id)
    qi = pages("qi")
    assert "修改计划" in qi.get(f"/measures/{doctor}").get_data(as_text=True)
    form = qi.get(f"/measures/{doctor}/edit").get_data(as_text=True)
    assert 'value="health.family_doctor" selected' in form and "签约家庭医生，每季度随访" in form
    values = {"kind": "health.family_doctor", "content": "签约家庭医生，每月随访", "department": "health",
              "responsible": "李医生", "start_on": "2026-02-20", "end_on": "2026-02-19", "amount": "120.00"}
    refused = qi.post(f"/measures/{doctor}/edit", values)
    assert refused.status_code == 422 and "结束日期不能早于开始日期" in refused.get_data(as_text=True)
    wrong_kind = qi.post(f"/measures/{doctor}/edit", {**values, "kind": "employment.family_doctor",
                                                       "end_on": ""})
    assert wrong_kind.status_code == 422 and "应为该类帮扶措施的子类代码" in wrong_kind.get_data(as_text=True)
    saved = qi.post(f"/measures/{doctor}/edit", {**values, "end_on": "2026-12-31"})
    assert saved.status_code == 302
    page = qi.get(f"/measures/{doctor}").get_data(as_text=True)
    assert "每月随访" in page and "李医生" in page and "修改计划：措施内容、帮扶责任人" in page
    weijian = pages("weijian")
    assert "修改计划</a>" not in weijian.get(f"/measures/{doctor}").get_data(as_text=True)
    assert weijian.get(f"/measures/{doctor}/edit").status_code == 403
    assert weijian.post(f"/measures/{doctor}/edit", {**values, "content": "部门改写"}).status_code == 403
    assert pages("renshe").get(f"/measures/{doctor}/edit").status_code == 404


def test_editing_a_closed_measure_on_its_page_asks_for_a_reason(pages, api, household_id):  # noqa: F811
    doctor = plan(api, household_id)
    api("weijian").client.patch(f"/api/v1/measures/{doctor}", headers=api("weijian").headers,
                                json={"status": "stopped"})
    qi = pages("qi")
    values = {"kind": "health.family_doctor", "content": "签约家庭医生，每季度随访", "department": "health",
              "responsible": "王医生", "start_on": "2026-02-20", "end_on": "2026-06-30", "amount": "120"}
    refused = qi.post(f"/measures/{doctor}/edit", values)
    assert refused.status_code == 422 and "修改理由必填" in refused.get_data(as_text=True)
    assert qi.post(f"/measures/{doctor}/edit", {**values, "reason": "服务期缩短"}).status_code == 302
    assert "修改计划：结束日期；服务期缩短" in qi.get(f"/measures/{doctor}").get_data(as_text=True)

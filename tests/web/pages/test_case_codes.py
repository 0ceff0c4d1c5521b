"""Every shipped process's case page reads in words. The assistance case's table of measures sent to their lead
departments showed the codes health and hrss: the page scanner every web test runs knew them as codes, but no test
rendered that case page once its plan was confirmed (the API tests read JSON, the page test read it as a department,
which sees no data). Here one household goes through every shipped process to its end and each case page is
rendered for the county, scanned for codes, English and ISO dates; a household process added later must join the
list (the campaign's and the major events' case pages, which no household opens, are scanned by their own tests)."""

from __future__ import annotations

import pytest

from monitoring import processes
from tests.web.pages.test_decision_evidence import text_of
from tests.web.test_identification import form_data
from tests.web.test_risk_elimination import (  # noqa: F401  (fixtures)
    at,
    begin,
    elimination_world,
    identified,
    measure,
    through_second_notice,
)

pytestmark = pytest.mark.usefixtures("world", "elimination_world")


def test_every_shipped_process_s_case_page_reads_in_words(api, pages, clock):
    (household,) = identified(api, clock, "宝音")
    qi = api("qi")
    measure(api, household)  # 卫健's, under way
    post = qi.post(f"/households/{household['id']}/measures", json={
        "category": "employment", "subtype": "public_welfare_post", "content": "村保洁公益岗位", "department": "hrss",
        "responsible": "李干事", "start_on": "2026-03-14", "amount": 6000})  # 人社's, planned
    assert post.status_code == 201, post.json
    [plan] = [c["id"] for c in qi.get(f"/households/{household['id']}").json["cases"] if c["process"] == "assistance"]
    qi.complete(plan, "plan", form_data(qi, plan, "plan", departments=["health", "hrss"], note="会商确定"))
    at(clock, "2026-04-01")
    weijian = api("weijian")
    [doctor] = [m for m in weijian.get("/measures").json if m["department"] == "health"]
    done = weijian.client.patch(f"/api/v1/measures/{doctor['id']}", json={
        "status": "done", "done_on": "2026-04-01", "result": "已签约并完成随访"}, headers=weijian.headers)
    assert done.status_code == 200, done.json
    at(clock, "2026-09-02")
    elimination = begin(api, household)["id"]
    through_second_notice(api, clock, elimination, warnings_reason="务工收入稳定，会商同意")
    qi.complete(elimination, "marking", form_data(qi, elimination, "marking", annex7_collected=True))

    cases = qi.get(f"/households/{household['id']}").json["cases"]
    household_processes = {key for key, descriptor in processes.REGISTRY.items() if descriptor.household_case}
    assert {c["process"] for c in cases} == household_processes, "every household process has a case here"
    county = pages("qi")
    read = {c["process"]: text_of(county.get(f"/cases/{c['id']}")) for c in cases}  # each page scanned
    assert "派往牵头部门的措施" in read["assistance"]
    assert "卫健" in read["assistance"] and "人社" in read["assistance"]
    assert "四项标准核实结果" in read["risk_elimination"]

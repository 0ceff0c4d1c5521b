"""Quarterly marking and who may do what: a change is recorded when it happens and marked only inside a marking window
(the quarter's last month by default, or the county's own windows), in one batch by its village; outside a window
the refusal names ``marking_window`` and the next window. Only the household's village records and marks; other
villages' households, members and changes are 404; nested or huge input is refused by field."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from sqlalchemy import func, select

from monitoring.change_models import HouseholdChange
from tests.conftest import CST
from tests.web.test_natural_changes_api import add_household, members_by_name, person

APRIL = datetime(2026, 4, 10, 9, 0, tzinfo=CST)  # between the March and June windows


@pytest.fixture
def cun(api):
    return api("cun")


@pytest.fixture
def household_id(cun):
    return add_household(cun)


def record(cun, household_id: int, on: str, name: str = "朝鲁") -> int:
    ids = members_by_name(cun, household_id)
    response = cun.post(f"/households/{household_id}/changes", json={"kind": "move_out", "on": on,
                                                                       "member_id": ids[name]})
    assert response.status_code == 201, response.json
    return response.json["change"]["id"]


def test_a_change_recorded_outside_a_window_waits_and_is_marked_when_one_opens(cun, household_id, clock):
    clock.set(APRIL)
    first = record(cun, household_id, "2026-04-08")
    refused = cun.post("/changes/mark", json={"change_ids": [first]})
    assert refused.status_code == 422
    assert refused.json["error"]["fields"] == {
        "marking_window": "今天不在标注窗口期内，下一个窗口期2026年6月1日开始；变更已登记，待窗口期内标注"}
    assert [c["id"] for c in cun.get("/changes/pending").json] == [first]
    clock.set(datetime(2026, 6, 3, 9, 0, tzinfo=CST))
    second = record(cun, household_id, "2026-06-02", name="娜仁")
    marked = cun.post("/changes/mark", json={"change_ids": [first, second]})
    assert marked.status_code == 200, marked.json
    assert [(c["id"], c["status"], c["marked_on"], c["marked_by"]) for c in marked.json] == [
        (first, "marked", "2026-06-03", "cun"), (second, "marked", "2026-06-03", "cun")]
    assert cun.get("/changes/pending").json == []
    again = cun.post("/changes/mark", json={"change_ids": [second]})
    assert again.status_code == 422
    assert again.json["error"]["fields"] == {"change_ids.0": "已于2026年6月3日标注"}
    listed = cun.get(f"/households/{household_id}/changes").json["changes"]
    assert {c["status"] for c in listed} == {"marked"}


def test_a_countys_own_window_decides_for_its_villages(api, cun, household_id, clock):
    clock.set(APRIL)
    change = record(cun, household_id, "2026-04-09")
    window = api("qi").post("/marking-windows", json={"place": "150223000000", "opens_on": "2026-04-20",
                                                      "closes_on": "2026-04-30"})
    assert window.status_code == 201, window.json
    refused = cun.post("/changes/mark", json={"change_ids": [change]})
    assert "下一个窗口期2026年4月20日开始" in refused.json["error"]["fields"]["marking_window"]
    clock.set(datetime(2026, 4, 21, 9, 0, tzinfo=CST))
    assert cun.post("/changes/mark", json={"change_ids": [change]}).status_code == 200


def test_a_refused_batch_marks_nothing(cun, household_id, session):
    change = record(cun, household_id, "2026-03-01")
    refused = cun.post("/changes/mark", json={"change_ids": [change, "x", change]})
    assert refused.status_code == 422
    assert refused.json["error"]["fields"] == {"change_ids.1": "应为变更编号", "change_ids.2": "重复"}
    session.expire_all()
    assert session.execute(select(func.count()).select_from(HouseholdChange)
                           .where(HouseholdChange.marked_on.is_not(None))).scalar() == 0


def test_other_villages_and_other_roles(api, cun, household_id, session, create_user):
    change = record(cun, household_id, "2026-03-01")
    ids = members_by_name(cun, household_id)
    neighbour = api("cun2")
    body = {"kind": "death", "on": "2026-03-01", "member_id": ids["巴特尔"], "new_head_id": ids["其其格"]}
    assert neighbour.post(f"/households/{household_id}/changes", json=body).status_code == 404
    assert neighbour.get(f"/households/{household_id}/changes").status_code == 404
    assert neighbour.post("/changes/mark", json={"change_ids": [change]}).status_code == 404
    assert neighbour.get("/changes/pending").json == []
    own = add_household(neighbour, [{"name": "阿拉坦", "id_number": person("15022319810909010"),
                                     "relation": "head"}], village="150223100202")
    foreign_member = neighbour.post(f"/households/{own}/changes", json={
        "kind": "death", "on": "2026-03-01", "member_id": ids["娜仁"]})  # a member of a household elsewhere
    assert foreign_member.status_code == 422
    assert foreign_member.json["error"]["fields"] == {"member_id": "本户没有该成员"}
    township = api("zhen")
    refused = township.post(f"/households/{household_id}/changes", json=body)
    assert refused.status_code == 403
    assert township.post("/changes/mark", json={"change_ids": [change]}).status_code == 403
    assert township.get(f"/households/{household_id}/changes").status_code == 200  # the levels above read
    assert api("qi").get(f"/households/{household_id}/changes").json["changes"][0]["id"] == change
    assert api().post(f"/households/{household_id}/changes", json=body).status_code == 401
    create_user("weijian", "department", "150223000000", "health")
    assert api("weijian").get(f"/households/{household_id}/changes").status_code == 404
    assert api("weijian").get("/changes/pending").status_code == 403
    session.expire_all()
    assert session.execute(select(func.count()).select_from(HouseholdChange)).scalar() == 1


def test_nested_and_huge_input_is_refused_by_field(cun, household_id):
    url = f"/households/{household_id}/changes"
    deep: object = "x"
    for _ in range(100):
        deep = {"a": deep}
    assert cun.post(url, json={"kind": "birth", "on": "2026-03-01", "member": deep}).status_code == 400
    huge = cun.post(url, json={"kind": "split", "on": "2026-03-01", "member_ids": list(range(1, 10_000)),
                               "head_id": 1})
    assert huge.status_code == 422 and huge.json["error"]["fields"]["member_ids"] == "至多30名成员"
    long_name = cun.post(url, json={"kind": "move_in", "on": "2026-03-01",
                                    "member": {"name": "名" * 10_000, "id_number": person("15022319900101012"),
                                               "relation": "other"}})
    assert long_name.status_code == 422 and "member.name" in long_name.json["error"]["fields"]
    many = cun.post("/changes/mark", json={"change_ids": list(range(1, 1000))})
    assert many.status_code == 422 and many.json["error"]["fields"] == {"change_ids": "一次至多标注500项"}
    extra = cun.post(url, json={"kind": "death", "on": "2026-03-01", "member_id": 1, "household_id": 2})
    assert extra.json["error"]["fields"]["household_id"] == "不能填写此项"


def test_evidence_is_uploaded_for_the_household_and_named_by_the_change(cun, api, household_id):
    upload = cun.client.post(f"/api/v1/households/{household_id}/changes/evidence", headers=cun.headers,
                             data={"file": (io.BytesIO(b"%PDF-1.4 proof"), "死亡证明.pdf")})
    assert upload.status_code == 201, upload.json
    ids = members_by_name(cun, household_id)
    response = cun.post(f"/households/{household_id}/changes", json={
        "kind": "death", "on": "2026-03-01", "member_id": ids["其其格"], "evidence_id": upload.json["id"],
        "note": "村委会出具证明"})
    assert response.status_code == 201, response.json
    assert response.json["change"]["evidence_id"] == upload.json["id"]
    bad = cun.client.post(f"/api/v1/households/{household_id}/changes/evidence", headers=cun.headers,
                          data={"file": (io.BytesIO(b"MZ\x90"), "virus.exe")})
    assert bad.status_code == 422 and "file" in bad.json["error"]["fields"]
    neighbour = api("cun2")
    assert neighbour.client.post(f"/api/v1/households/{household_id}/changes/evidence", headers=neighbour.headers,
                                 data={"file": (io.BytesIO(b"%PDF-1.4"), "a.pdf")}).status_code == 404

"""A change keeps the order of what happened: a member leaves (dies, marries out, moves out, is split off or merged
away) only after arriving in the household and after the household exists — the refusal names the earliest day —
and the same arrival sent twice is a duplicate request (409), not a person "registered elsewhere"."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from monitoring.change_models import HouseholdChange
from tests.web.test_natural_changes_api import add_household, members_by_name, person

SAREN = {"name": "萨仁", "id_number": person("15022320000505006"), "relation": "other"}


@pytest.fixture
def cun(api):
    return api("cun")


@pytest.fixture
def household_id(cun):
    return add_household(cun)


def change(cun, household_id: int, body: dict):
    return cun.post(f"/households/{household_id}/changes", json=body)


def count_changes(session) -> int:
    session.rollback()
    return session.execute(select(func.count()).select_from(HouseholdChange)).scalar()


def test_a_departure_is_not_dated_before_the_member_married_in(cun, household_id, session):
    assert change(cun, household_id, {"kind": "marry_in", "on": "2026-02-10", "member": SAREN}).status_code == 201
    saren = members_by_name(cun, household_id)["萨仁"]
    for kind in ("death", "marry_out", "move_out"):
        refused = change(cun, household_id, {"kind": kind, "on": "2026-02-09", "member_id": saren})
        assert refused.status_code == 422, refused.json
        assert refused.json["error"]["fields"] == {"on": "变更日期不能早于2026年2月10日（萨仁婚入本户的日期）"}
    split = change(cun, household_id, {"kind": "split", "on": "2026-02-01", "member_ids": [saren], "head_id": saren})
    assert split.json["error"]["fields"] == {"on": "变更日期不能早于2026年2月10日（萨仁婚入本户的日期）"}
    assert count_changes(session) == 1
    assert "萨仁" in members_by_name(cun, household_id)
    assert change(cun, household_id, {"kind": "death", "on": "2026-02-10", "member_id": saren}).status_code == 201


def test_a_split_off_household_has_no_change_before_the_split(cun, household_id, session):
    ids = members_by_name(cun, household_id)
    split = change(cun, household_id, {"kind": "split", "on": "2026-02-10", "member_ids": [ids["朝鲁"], ids["娜仁"]],
                                       "head_id": ids["朝鲁"]})
    assert split.status_code == 201, split.json
    new = split.json["related_household"]["id"]
    why = "变更日期不能早于2026年2月10日（本户分户设立的日期）"
    departure = change(cun, new, {"kind": "marry_out", "on": "2026-02-05", "member_id": ids["娜仁"]})
    assert departure.status_code == 422 and departure.json["error"]["fields"] == {"on": why}
    arrival = change(cun, new, {"kind": "move_in", "on": "2026-02-05", "member": SAREN})
    assert arrival.status_code == 422 and arrival.json["error"]["fields"] == {"on": why}
    assert count_changes(session) == 1
    born = change(cun, new, {"kind": "birth", "on": "2026-02-01", "member": {  # a birth's day is the ID number's
        "name": "小宝", "id_number": person("15022320260201011"), "relation": "son"}})
    assert born.status_code == 201, born.json
    assert change(cun, new, {"kind": "marry_out", "on": "2026-02-10", "member_id": ids["娜仁"]}).status_code == 201


def test_a_member_merged_in_leaves_only_after_the_merge(cun, household_id, session):
    other = add_household(cun, [{"name": "乌兰", "id_number": person("15022319800707008"), "relation": "head"}])
    merged = change(cun, other, {"kind": "merge", "on": "2026-02-10", "into_household_id": household_id})
    assert merged.status_code == 201, merged.json
    wulan = members_by_name(cun, household_id)["乌兰"]
    refused = change(cun, household_id, {"kind": "death", "on": "2026-01-20", "member_id": wulan})
    assert refused.status_code == 422
    assert refused.json["error"]["fields"] == {"on": "变更日期不能早于2026年2月10日（乌兰随合户并入本户的日期）"}
    ids = members_by_name(cun, household_id)
    assert change(cun, household_id, {"kind": "death", "on": "2026-01-20", "member_id": ids["其其格"]}).status_code \
        == 201  # a member registered with the household has been there all along


def test_the_same_birth_sent_twice_is_a_duplicate_request(cun, household_id, session):
    body = {"kind": "birth", "on": "2026-02-01",
            "member": {"name": "小宝", "id_number": person("15022320260201011"), "relation": "grandson"}}
    assert change(cun, household_id, body).status_code == 201
    again = change(cun, household_id, body)
    assert again.status_code == 409, again.json
    assert again.json["error"]["code"] == "conflict"
    assert "已登记在本户" in again.json["error"]["message"] and "重复提交" in again.json["error"]["message"]
    assert "其他农户" not in again.json["error"]["message"]
    assert count_changes(session) == 1
    elsewhere = add_household(cun, [{"name": "乌兰", "id_number": person("15022319800707008"), "relation": "head"}])
    moved = change(cun, elsewhere, {**body, "kind": "move_in"})
    assert moved.status_code == 422
    assert moved.json["error"]["fields"] == {"member.id_number": "成员“小宝”已登记在其他农户中"}


def test_a_nameless_new_member_is_called_so_in_words(cun, household_id):
    refused = change(cun, household_id, {"kind": "birth", "on": "2026-02-01",
                                         "member": {"name": "", "id_number": "", "relation": "son"}})
    assert refused.status_code == 422
    fields = refused.json["error"]["fields"]
    assert fields["member.id_number"].startswith("新成员的身份证号"), fields
    registered = cun.post("/households", json={"village": "150223100201", "household_type": "ordinary", "members": [
        {"name": "乌兰", "id_number": person("15022319800707008"), "relation": "head"},
        {"name": "", "id_number": "", "relation": "son"}]})
    assert registered.json["error"]["fields"]["members.1.id_number"].startswith("第2名成员的身份证号")

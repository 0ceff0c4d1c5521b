"""Natural changes through the API: each kind changes the household as it says (members present, those who left
kept with their change, size and per-capita income from the members present), a split and a merge move members
with their identity, every refusal names its field and changes nothing, and marking waits for a window."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from monitoring.change_models import HouseholdChange
from monitoring.id_number import check_digit
from monitoring.models import Household, Member

VILLAGE = "150223100201"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def forms_dir():
    return ROOT / "forms"


def person(first17: str) -> str:
    return first17 + check_digit(first17)


HEAD_ID = person("15022319700101001")
SPOUSE_ID = person("15022319720202002")
SON_ID = person("15022319950303003")
DAUGHTER_IN_LAW_ID = person("15022319960404004")


def add_household(client, members=None, village=VILLAGE) -> int:
    members = members or [
        {"name": "巴特尔", "id_number": HEAD_ID, "relation": "head"},
        {"name": "其其格", "id_number": SPOUSE_ID, "relation": "spouse"},
        {"name": "朝鲁", "id_number": SON_ID, "relation": "son"},
        {"name": "娜仁", "id_number": DAUGHTER_IN_LAW_ID, "relation": "daughter_in_law"},
    ]
    response = client.post("/households", json={"village": village, "household_type": "ordinary",
                                                 "members": members})
    assert response.status_code == 201, response.json
    return response.json["id"]


def members_by_name(client, household_id: int) -> dict[str, int]:
    return {m["name"]: m["id"] for m in client.get(f"/households/{household_id}").json["members"]}


@pytest.fixture
def cun(api):
    return api("cun")


@pytest.fixture
def household_id(cun):
    return add_household(cun)


def test_each_kind_changes_the_household_and_keeps_who_left(cun, household_id, clock):
    today = clock.now().date()
    born = today - timedelta(days=3)
    baby = person(f"150223{born:%Y%m%d}011")
    ids = members_by_name(cun, household_id)
    steps = [
        ({"kind": "birth", "on": born.isoformat(), "note": "出生医学证明",
          "member": {"name": "小宝", "id_number": baby, "relation": "grandson"}}, 5),
        ({"kind": "marry_in", "on": today.isoformat(),
          "member": {"name": "萨仁", "id_number": person("15022320000505006"), "relation": "other"}}, 6),
        ({"kind": "move_in", "on": today.isoformat(),
          "member": {"name": "额尔敦", "id_number": person("15022319400606007"), "relation": "father"}}, 7),
        ({"kind": "death", "on": today.isoformat(), "member_id": ids["其其格"]}, 6),
        ({"kind": "marry_out", "on": today.isoformat(), "member_id": ids["娜仁"]}, 5),
        ({"kind": "move_out", "on": today.isoformat(), "member_id": ids["巴特尔"], "new_head_id": ids["朝鲁"]}, 4),
    ]
    for body, size in steps:
        response = cun.post(f"/households/{household_id}/changes", json=body)
        assert response.status_code == 201, (body, response.json)
        assert response.json["household"]["size"] == size
        assert response.json["change"]["kind"] == body["kind"]
        assert response.json["change"]["status"] == "pending"
    listed = cun.get(f"/households/{household_id}/changes").json
    assert sorted(m["name"] for m in listed["members"]) == ["小宝", "朝鲁", "萨仁", "额尔敦"]
    assert {m["name"]: m["relation"] for m in listed["members"]}["朝鲁"] == "head"
    left = {m["name"]: m for m in listed["members_left"]}
    assert sorted(left) == ["其其格", "娜仁", "巴特尔"]
    by_id = {c["id"]: c for c in listed["changes"]}
    assert by_id[left["其其格"]["left_change_id"]]["kind"] == "death"
    assert by_id[left["巴特尔"]["left_change_id"]]["kind"] == "move_out"
    assert left["巴特尔"]["relation"] == "head"  # kept as they were when they left
    assert len(listed["changes"]) == 6
    assert listed["household"]["head"] == "朝鲁"


def test_size_and_per_capita_follow_the_members_present_and_the_history_keeps_what_was_measured(
        cun, household_id, session, clock):
    from monitoring.households import record_measurement
    household = session.get(Household, household_id)
    record_measurement(session, household, {"year": 2025, "wage_income": 40000}, "cun", clock.now())
    session.commit()
    assert cun.get(f"/households/{household_id}").json["measurements"][0]["per_capita_income"] == 10000.0
    ids = members_by_name(cun, household_id)
    response = cun.post(f"/households/{household_id}/changes",
                        json={"kind": "death", "on": clock.now().date().isoformat(), "member_id": ids["其其格"]})
    assert response.status_code == 201, response.json
    body = cun.get(f"/households/{household_id}").json
    assert body["size"] == 3
    assert round(body["measurements"][0]["per_capita_income"], 2) == 13333.33
    from monitoring.models import MeasurementHistory
    history = session.execute(select(MeasurementHistory.per_capita_income)
                              .where(MeasurementHistory.household_id == household_id)).scalars().all()
    assert [float(x) for x in history] == [10000.0]  # measured with four people; a death measures nothing


def test_a_split_makes_a_new_household_of_the_village_with_the_chosen_members(cun, household_id, session, clock):
    ids = members_by_name(cun, household_id)
    on = clock.now().date().isoformat()
    response = cun.post(f"/households/{household_id}/changes", json={
        "kind": "split", "on": on, "member_ids": [ids["朝鲁"], ids["娜仁"]], "head_id": ids["朝鲁"],
        "note": "儿子成家分户"})
    assert response.status_code == 201, response.json
    new_id = response.json["change"]["related_household_id"]
    assert response.json["household"]["size"] == 2
    assert response.json["related_household"]["size"] == 2
    assert response.json["related_household"]["head"] == "朝鲁"
    assert response.json["related_household"]["monitoring"]["status"] == "not_monitored"
    assert {m["name"] for m in response.json["change"]["moved_members"]} == {"朝鲁", "娜仁"}
    new = cun.get(f"/households/{new_id}").json
    assert new["village"] == VILLAGE
    assert {m["name"]: m["id"] for m in new["members"]} == {"朝鲁": ids["朝鲁"], "娜仁": ids["娜仁"]}  # same rows
    assert cun.get(f"/households/{new_id}/changes").json["split_from_id"] == household_id
    old = cun.get(f"/households/{household_id}/changes").json
    assert old["members_left"] == []  # they live on in the new household, not as people who left
    assert [c["kind"] for c in old["changes"]] == ["split"]
    assert [c["kind"] for c in cun.get(f"/households/{new_id}/changes").json["changes"]] == ["split"]


def test_a_split_taking_the_head_names_who_heads_the_rest(cun, household_id):
    ids = members_by_name(cun, household_id)
    body = {"kind": "split", "on": "2026-03-01", "member_ids": [ids["巴特尔"], ids["其其格"]], "head_id": ids["巴特尔"]}
    refused = cun.post(f"/households/{household_id}/changes", json=body)
    assert refused.status_code == 422
    assert refused.json["error"]["fields"] == {"new_head_id": "户主离开本户，须指定新户主"}
    response = cun.post(f"/households/{household_id}/changes", json={**body, "new_head_id": ids["朝鲁"]})
    assert response.status_code == 201, response.json
    assert response.json["household"]["head"] == "朝鲁"
    assert response.json["related_household"]["head"] == "巴特尔"


def test_a_merge_moves_every_member_and_keeps_the_merged_household_read_only(cun, household_id, clock):
    other = add_household(cun, [{"name": "乌兰", "id_number": person("15022319800707008"), "relation": "head"},
                                {"name": "图雅", "id_number": person("15022320100808009"), "relation": "daughter"}])
    on = clock.now().date().isoformat()
    response = cun.post(f"/households/{other}/changes", json={
        "kind": "merge", "on": on, "into_household_id": household_id, "head_relation": "daughter"})
    assert response.status_code == 201, response.json
    assert response.json["household"]["size"] == 0
    assert response.json["merged_into_id"] == household_id
    target = cun.get(f"/households/{household_id}").json
    assert target["size"] == 6 and target["head"] == "巴特尔"
    assert {m["name"]: m["relation"] for m in target["members"]}["乌兰"] == "daughter"
    again = cun.post(f"/households/{other}/changes", json={"kind": "death", "on": on, "member_id": 1})
    assert again.status_code == 409
    into_merged = cun.post(f"/households/{household_id}/changes",
                           json={"kind": "merge", "on": on, "into_household_id": other})
    assert into_merged.status_code == 422
    assert into_merged.json["error"]["fields"]["into_household_id"] == "该户已合并到其他农户，不能再并入"


def _state(session):
    session.expire_all()
    return (session.execute(select(func.count()).select_from(HouseholdChange)).scalar(),
            session.execute(select(func.count()).select_from(Household)).scalar(),
            sorted(session.execute(select(Member.id, Member.household_id, Member.left_on, Member.relation)).all()))


def test_every_refusal_names_its_field_and_changes_nothing(cun, api, household_id, session, clock):
    ids = members_by_name(cun, household_id)
    elsewhere = add_household(api("cun2"), [{"name": "阿拉坦", "id_number": person("15022319810909010"),
                                             "relation": "head"}], village="150223100202")
    stranger = members_by_name(api("cun2"), elsewhere)["阿拉坦"]
    cun.post(f"/households/{household_id}/changes",
             json={"kind": "death", "on": "2026-02-01", "member_id": ids["其其格"]})
    today = clock.now().date()
    tomorrow = (today + timedelta(days=1)).isoformat()
    url = f"/households/{household_id}/changes"
    cases = [
        ({"kind": "adoption", "on": "2026-02-01"}, "kind"),
        ({"kind": ["birth"], "on": "2026-02-01"}, "kind"),
        ({"kind": "death", "on": tomorrow, "member_id": ids["朝鲁"]}, "on"),
        ({"kind": "death", "on": "2026-02-30", "member_id": ids["朝鲁"]}, "on"),
        ({"kind": "death", "on": "1994-01-01", "member_id": ids["朝鲁"]}, "on"),  # before his birth
        ({"kind": "death", "on": "2026-02-01", "member_id": stranger}, "member_id"),
        ({"kind": "death", "on": "2026-02-01", "member_id": ids["其其格"]}, "member_id"),  # already left
        ({"kind": "death", "on": "2026-02-01", "member_id": True}, "member_id"),
        ({"kind": "death", "on": "2026-02-01", "member_id": ids["巴特尔"]}, "new_head_id"),
        ({"kind": "death", "on": "2026-02-01", "member_id": ids["朝鲁"], "member": {"name": "x"}}, "member"),
        ({"kind": "birth", "on": "2026-02-01",
          "member": {"name": "小宝", "id_number": person("15022320260201011"), "relation": "head"}}, "member.relation"),
        ({"kind": "birth", "on": "2026-02-02",
          "member": {"name": "小宝", "id_number": person("15022320260201011"), "relation": "son"}}, "on"),
        ({"kind": "birth", "on": "2026-02-01",
          "member": {"name": "小宝", "id_number": "150223202602010110", "relation": "son"}}, "member.id_number"),
        ({"kind": "move_in", "on": "2026-02-01",
          "member": {"name": "阿拉坦", "id_number": person("15022319810909010"), "relation": "other"}},
         "member.id_number"),  # present in another household
        ({"kind": "move_in", "on": "2026-02-01", "member": [{"name": {"a": [1, 2]}}]}, "member"),
        ({"kind": "split", "on": "2026-02-01", "member_ids": [], "head_id": ids["朝鲁"]}, "member_ids"),
        ({"kind": "split", "on": "2026-02-01", "member_ids": [ids["巴特尔"], ids["朝鲁"], ids["娜仁"]],
          "head_id": ids["朝鲁"]}, "member_ids"),  # every member present
        ({"kind": "split", "on": "2026-02-01", "member_ids": [ids["朝鲁"], stranger], "head_id": ids["朝鲁"]},
         "member_ids.1"),
        ({"kind": "split", "on": "2026-02-01", "member_ids": [ids["朝鲁"]], "head_id": ids["娜仁"]}, "head_id"),
        ({"kind": "merge", "on": "2026-02-01", "into_household_id": household_id}, "into_household_id"),
        ({"kind": "merge", "on": "2026-02-01", "into_household_id": elsewhere}, "into_household_id"),
        ({"kind": "merge", "on": "2026-02-01", "into_household_id": 10**30}, "into_household_id"),
        ({"kind": "death", "on": "2026-02-01", "member_id": ids["朝鲁"], "note": "x" * 501}, "note"),
        ({"kind": "death", "on": "2026-02-01", "member_id": ids["朝鲁"], "evidence_id": 999}, "evidence_id"),
    ]
    before = _state(session)
    for body, field in cases:
        response = cun.post(url, json=body)
        assert response.status_code == 422, (body, response.json)
        assert field in response.json["error"]["fields"], (body, response.json)
        assert _state(session) == before, body


def deploy(api, *names: str) -> None:
    designer = api("sheji")
    for name in names:
        deployed = designer.deploy(ROOT / "processes" / name)
        assert deployed.status_code == 201, deployed.json


def test_a_split_or_merge_waits_for_the_households_running_case(cun, api, household_id):
    deploy(api, "assistance.bpmn", "identification.bpmn")
    started = cun.post("/instances", json={"process": "identification", "household_id": household_id,
                                           "data": {"channel": "self_declared"}})
    assert started.status_code == 201, started.json
    other = add_household(cun, [{"name": "乌兰", "id_number": person("15022319800707008"), "relation": "head"}])
    ids = members_by_name(cun, household_id)
    split = cun.post(f"/households/{household_id}/changes", json={
        "kind": "split", "on": "2026-03-01", "member_ids": [ids["朝鲁"]], "head_id": ids["朝鲁"]})
    assert split.status_code == 422
    assert split.json["error"]["fields"] == {
        "household": "该户有进行中的“识别监测对象”案件，案件办结后再分户或合户"}
    merge = cun.post(f"/households/{other}/changes", json={"kind": "merge", "on": "2026-03-01",
                                                            "into_household_id": household_id})
    assert merge.status_code == 422
    assert list(merge.json["error"]["fields"]) == ["into_household_id"]
    death = cun.post(f"/households/{household_id}/changes", json={"kind": "death", "on": "2026-03-01",
                                                                   "member_id": ids["其其格"]})
    assert death.status_code == 201  # a death happens whatever the case: the visit counts who is there


def test_a_merged_household_starts_no_case(cun, api, household_id):
    deploy(api, "identification.bpmn")
    other = add_household(cun, [{"name": "乌兰", "id_number": person("15022319800707008"), "relation": "head"}])
    merged = cun.post(f"/households/{other}/changes", json={"kind": "merge", "on": "2026-03-01",
                                                             "into_household_id": household_id})
    assert merged.status_code == 201, merged.json
    started = cun.post("/instances", json={"process": "identification", "household_id": other,
                                           "data": {"channel": "self_declared"}})
    assert started.status_code == 409
    assert started.json["error"]["message"] == "该户已并入其他农户，只能查看"

"""Households, department data and thresholds through the API: validation per field, scope, whole-file refusal."""

import io

from sqlalchemy import func, select

from monitoring.demo_data import department_file
from monitoring.id_number import check_digit
from monitoring.models import DepartmentRecord, Household

VILLAGE = "150223100201"


def person(name, first17, relation="head"):
    return {"name": name, "id_number": first17 + check_digit(first17), "relation": relation}


def household_body(*members, village=VILLAGE):
    return {"village": village, "household_type": "ordinary", "group": "3组", "members": list(members)}


def test_a_village_cadre_registers_a_household(api):
    cun = api("cun")
    response = cun.post("/households", json=household_body(person("巴特尔", "15022319700101001"),
                                                           person("其木格", "15022319720305002", "spouse")))
    assert response.status_code == 201, response.json
    body = response.json
    assert body["head"] == "巴特尔" and body["size"] == 2
    assert [m["sex"] for m in body["members"]] == ["male", "female"]  # taken from the ID number
    assert body["monitoring"]["status"] == "not_monitored"
    assert api("zhen").get(f"/households/{body['id']}").status_code == 200
    assert api("cun3").get(f"/households/{body['id']}").status_code == 404
    assert [h["id"] for h in cun.get("/households?q=0012").json] == []
    assert [h["id"] for h in cun.get("/households?q=其木格").json] == [body["id"]]


def test_a_wrong_check_digit_is_refused_naming_the_member_and_field(api, session):
    wrong = person("乌云", "15022319800101003")
    wrong["id_number"] = wrong["id_number"][:-1] + ("0" if wrong["id_number"][-1] != "0" else "1")
    response = api("cun").post("/households", json=household_body(person("苏和", "15022319780101005"), wrong))
    assert response.status_code == 422
    reason = response.json["error"]["fields"]["members.1.id_number"]
    assert "乌云" in reason and "校验位" in reason
    session.rollback()
    assert session.execute(select(func.count()).select_from(Household)).scalar() == 0


def test_one_person_cannot_be_in_two_households(api):
    cun = api("cun")
    head = person("朝鲁", "15022319650101007")
    assert cun.post("/households", json=household_body(head)).status_code == 201
    again = cun.post("/households", json=household_body(person("斯琴", "15022319660101008"),
                                                        {**head, "relation": "son"}))
    assert again.status_code == 422
    assert "已登记在其他农户" in again.json["error"]["fields"]["members.1.id_number"]


def test_a_household_must_have_one_head_and_lie_in_scope(api):
    cun = api("cun")
    no_head = cun.post("/households", json=household_body(person("图雅", "15022319900101009", "spouse")))
    assert no_head.json["error"]["fields"]["members"].startswith("须有且只有一名户主")
    elsewhere = cun.post("/households", json=household_body(person("敖登", "15022319900101017"),
                                                           village="150223200201"))
    assert elsewhere.status_code == 404


def upload(client, dataset, content, filename="data.csv"):
    return client.client.post("/api/v1/department-data", headers=client.headers, content_type="multipart/form-data",
                              data={"dataset": dataset, "file": (io.BytesIO(content), filename)})


def test_a_department_file_with_a_bad_row_is_refused_whole(api, create_user, session):
    create_user("gongan", "department", "150223000000", department="police")
    police = api("gongan")
    good = department_file("vehicles", [], others=8, seed=1)
    lines = good.decode("utf-8-sig").splitlines()
    cells = lines[6].split(",")
    cells[1] = cells[1][:-1] + ("0" if cells[1][-1] != "0" else "1")
    lines[6] = ",".join(cells)
    refused = upload(police, "vehicles", "\n".join(lines).encode("utf-8"))
    assert refused.status_code == 422
    assert any(key.startswith("第7行") for key in refused.json["error"]["fields"])
    session.rollback()
    assert session.execute(select(func.count()).select_from(DepartmentRecord)).scalar() == 0
    accepted = upload(police, "vehicles", good)
    assert accepted.status_code == 201 and accepted.json["rows"] == 8
    assert upload(police, "deposits", good).status_code == 403  # the police do not hold bank data
    assert upload(api("qi"), "vehicles", good).status_code == 403


def test_income_lines_keep_their_history(api):
    admin, region_less = api("guanli"), api("qi")
    body = {"kind": "income_line", "place": "150000000000", "year": 2026, "amount": 8600}
    assert admin.post("/thresholds", json=body).status_code == 201
    assert admin.post("/thresholds", json={**body, "amount": 8900, "note": "年中调整"}).status_code == 201
    assert region_less.post("/thresholds", json=body).status_code == 403
    assert admin.post("/thresholds", json={**body, "amount": -1}).status_code == 422
    history = admin.get("/thresholds?kind=income_line&place=150000000000").json
    assert [h["amount"] for h in history] == [8900, 8600]
    expense = {"kind": "expense_warning", "place": "150223000000", "year": 2026, "amount": 12000}
    assert region_less.post("/thresholds", json=expense).status_code == 201
    assert api("cun").get("/code-lists").json["monitoring_type"][0] == {"code": "unstable", "label": "脱贫不稳定户"}


def test_an_administrator_edits_the_code_lists(api):
    admin, county = api("guanli"), api("qi")
    renamed = admin.client.put("/api/v1/code-lists/risk_type/other", headers=admin.headers,
                               json={"label": "其他原因"})
    assert renamed.status_code == 200 and renamed.json["label"] == "其他原因"
    added = admin.client.put("/api/v1/code-lists/risk_type/epidemic", headers=admin.headers,
                             json={"label": "因疫情"})
    assert added.status_code == 200
    retired = admin.client.put("/api/v1/code-lists/household_type/ordinary", headers=admin.headers,
                               json={"label": "一般农(牧)户", "active": False})
    assert retired.json["active"] is False
    lists = county.get("/code-lists").json
    assert lists["risk_type"][-1] == {"code": "epidemic", "label": "因疫情"}
    assert {"code": "other", "label": "其他原因"} in lists["risk_type"]
    assert [e["code"] for e in lists["household_type"]] == ["poverty_alleviated"]
    assert county.client.put("/api/v1/code-lists/risk_type/x", headers=county.headers,
                             json={"label": "x"}).status_code == 403
    bad = admin.client.put("/api/v1/code-lists/nonsense/Bad-Code", headers=admin.headers, json={"label": ""})
    assert set(bad.json["error"]["fields"]) == {"list", "code", "label"}


def test_health_codes_are_checked_and_healthy_excludes_the_others(api):
    member = {**person("萨仁", "15022319880101004"), "health": ["healthy", "chronic"]}
    refused = api("cun").post("/households", json=household_body(member))
    assert "不能与其他选项同时选择" in refused.json["error"]["fields"]["members.0.health"]

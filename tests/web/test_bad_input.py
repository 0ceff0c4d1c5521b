"""Bad input through the API is a 400 (malformed) or 422 (breaks a rule) naming the field, and stores nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from monitoring.models import Household, Member, Threshold
from tests.web.test_api_households import household_body, person

HUGE = 10**30


def raw_post(client, url: str, text: str):
    return client.client.post(f"/api/v1{url}", data=text, headers={**client.headers,
                                                                      "Content-Type": "application/json"})


def count(session, model) -> int:
    session.rollback()
    return session.execute(select(func.count()).select_from(model)).scalar()


def test_a_body_nested_100000_levels_deep_is_400(api, session):
    cun = api("cun")
    response = raw_post(cun, "/households", "[" * 100_000 + "]" * 100_000)
    assert response.status_code == 400 and response.json["error"]["code"] == "bad_request"
    assert "嵌套" in response.json["error"]["message"]
    nested_in_data = '{"village": "150223100201", "members": ' + "[" * 65 + "]" * 65 + "}"
    refused = raw_post(cun, "/households", nested_in_data)
    assert refused.status_code == 400 and "members" + ".0" * 63 in refused.json["error"]["fields"]
    assert count(session, Household) == 0


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_non_finite_numbers_are_400_naming_the_field(api, session, literal):
    response = raw_post(api("guanli"), "/thresholds", '{"kind": "income_line", "place": "150000000000", '
                                                    f'"year": 2026, "amount": {literal}}}')
    assert response.status_code == 400
    assert set(response.json["error"]["fields"]) == {"amount"}
    assert count(session, Threshold) == 0


def test_a_body_that_is_not_utf8_or_not_json_is_400(api):
    cun = api("cun")
    assert cun.client.post("/api/v1/households", data=b'{"group": "\xff"}', headers={
        **cun.headers, "Content-Type": "application/json"}).status_code == 400
    assert raw_post(cun, "/households", '{"members": [1, 2,]}').status_code == 400
    assert raw_post(cun, "/households", '{"n": ' + "9" * 5000 + "}").status_code == 400


@pytest.mark.parametrize("url", [f"/households/{HUGE}", f"/instances/{HUGE}", f"/documents/{HUGE}",
                                 f"/instances/{HUGE}/documents"])
def test_an_id_no_row_can_have_is_404(api, url):
    assert api("cun").get(url).status_code == 404


def test_huge_ids_in_bodies_and_query_parameters_are_named(api, deployed):
    cun = api("cun")
    started = cun.post("/instances", json={"process": "identification", "household_id": HUGE, "data": {}})
    assert started.status_code == 422 and set(started.json["error"]["fields"]) == {"household_id"}
    printed = cun.post("/documents", json={"kind": "annex7", "subject_id": HUGE})
    assert printed.status_code == 422 and set(printed.json["error"]["fields"]) == {"subject_id"}
    for version in (str(HUGE), "abc"):
        response = cun.get(f"/process-models/approval?version={version}")
        assert response.status_code == 400 and set(response.json["error"]["fields"]) == {"version"}
    assert cun.get("/process-models/approval?version=1").status_code == 200


def test_a_cancel_with_a_malformed_body_is_400(api, deployed):
    cun = api("cun")
    instance = cun.post("/instances", json={"process": "approval", "place": "150223100201", "data": {}}).json
    url = f"/instances/{instance['id']}/cancel"
    assert raw_post(cun, url, "[" * 100_000).status_code == 400
    assert cun.post(url, json={"reason": ["x"]}).status_code == 400
    assert cun.get(f"/instances/{instance['id']}").json["status"] == "running"


HEAD_FIRST17 = "15022319700101001"


@pytest.mark.parametrize(("extra", "field"), [
    ({"focus_groups": 5}, "focus_groups"),
    ({"focus_groups": ["独居老人", ["x"]]}, "focus_groups.1"),
    ({"focus_groups": ["独居老人", "独居老人"]}, "focus_groups"),
    ({"household_type": []}, "household_type"),
    ({"household_type": {}}, "household_type"),
    ({"group": ["3组"]}, "group"),
    ({"address": "幸福路\x001号"}, "address"),
    ({"phone": "1" * 31}, "phone"),
    ({"bank_account": "\u202e6222"}, "bank_account"),
    ({"village": ["150223100201"]}, "village"),
    ({"members": [{"name": str(n)} for n in range(31)]}, "members"),
])
def test_wrong_household_fields_are_422_naming_the_field(api, session, extra, field):
    response = api("cun").post("/households", json={**household_body(person("巴特尔", HEAD_FIRST17)), **extra})
    assert response.status_code == 422, response.json
    assert field in response.json["error"]["fields"]
    assert count(session, Household) == 0


@pytest.mark.parametrize(("member", "field", "reason"), [
    ({"health": [[]]}, "members.0.health", "应为代码列表"),
    ({"health": "healthy"}, "members.0.health", "应为代码列表"),
    ({"name": "\u200b"}, "members.0.name", "姓名不能只有空白或不可见字符"),
    ({"name": "巴特\x00尔"}, "members.0.name", "不能包含空字符 (NUL) 或无效的 Unicode 字符"),
    ({"name": "巴特\x07尔"}, "members.0.name", "姓名不能包含换行或控制字符"),
    ({"name": "\u202e尔特巴"}, "members.0.name", "姓名不能包含文字方向控制字符"),
    ({"name": "巴\u2066特尔\u2069"}, "members.0.name", "姓名不能包含文字方向控制字符"),
    ({"name": "巴" * 51}, "members.0.name", "姓名不能超过50个字"),
    ({"name": ["巴特尔"]}, "members.0.name", "姓名应为文本"),
    ({"id_number": 150223197001010017}, "members.0.id_number", None),
    ({"work": "放牧" * 60}, "members.0.work", "不能超过100个字"),
    ({"ethnicity": "99"}, "members.0.ethnicity", "应为代码表中的代码"),
    ({"insurance": ["none"]}, "members.0.insurance", "应为代码表中的代码"),
    ({"relation": "x" * 5000}, "members.0.relation", "应为代码表中的代码"),
])
def test_wrong_member_fields_are_422_naming_the_field(api, session, member, field, reason):
    body = household_body({**person("巴特尔", HEAD_FIRST17), **member})
    response = api("cun").post("/households", json=body)
    assert response.status_code == 422, response.json
    assert field in response.json["error"]["fields"]
    if reason:
        assert response.json["error"]["fields"][field].endswith(reason)
    assert count(session, Household) == 0 and count(session, Member) == 0


def test_a_clean_household_is_stored_trimmed_and_composed(api, session):
    body = {**household_body({**person(" 巴特尔\u200b", HEAD_FIRST17), "work": " 放牧 "}), "group": "\ufeff3组",
            "focus_groups": [" 独居老人 "]}
    response = api("cun").post("/households", json=body)
    assert response.status_code == 201, response.json
    assert (response.json["head"], response.json["group"], response.json["focus_groups"]) == ("巴特尔", "3组",
                                                                                               ["独居老人"])
    assert response.json["members"][0]["work"] == "放牧"


@pytest.mark.parametrize(("amount", "reason"), [("NaN", "应为金额"), ("sNaN", "应为金额"), ("Infinity", "应为金额"),
                                                ("1e20", "不能大于9999999999.99"), (1e300, "不能大于9999999999.99"),
                                                ("0.001", "应为大于0的金额"), (True, "应为金额"), ([8900], "应为金额")])
def test_a_threshold_amount_is_a_finite_positive_decimal_the_column_holds(api, session, amount, reason):
    body = {"kind": "income_line", "place": "150000000000", "year": 2026, "amount": amount}
    response = api("guanli").post("/thresholds", json=body)
    assert response.status_code == 422
    assert response.json["error"]["fields"] == {"amount": reason}
    assert count(session, Threshold) == 0


def test_a_threshold_note_must_be_clean_text(api, session):
    body = {"kind": "income_line", "place": "150000000000", "year": 2026, "amount": 8900}
    for note in (["年中调整"], "年中\x00调整", "调" * 201):
        response = api("guanli").post("/thresholds", json={**body, "note": note})
        assert response.status_code == 422 and set(response.json["error"]["fields"]) == {"note"}
    assert count(session, Threshold) == 0


def test_code_list_entries_are_checked_by_type_and_text(api):
    admin = api("guanli")

    def put(body):
        return admin.client.put("/api/v1/code-lists/risk_type/epidemic", headers=admin.headers, json=body)

    assert set(put({"label": "\u200b"}).json["error"]["fields"]) == {"label"}
    assert set(put({"label": ["因疫情"]}).json["error"]["fields"]) == {"label"}
    assert put({"label": "因疫情", "active": "no"}).status_code == 400
    assert put({"label": "因疫情", "position": "x"}).status_code == 400
    assert put({"label": "因疫情", "position": HUGE}).status_code == 422
    assert "epidemic" not in [e["code"] for e in admin.get("/code-lists").json["risk_type"]]
    assert put({"label": " 因疫情 ", "active": True, "position": 3}).json["label"] == "因疫情"


def test_nul_and_lone_surrogates_in_a_body_are_422_naming_the_field(api, deployed, session):
    response = raw_post(api("cun"), "/instances", '{"process": "approval\\u0000", "place": "150223100201", '
                                                  '"data": {"note": "\\ud800", "a\\u0000": 1}}')
    assert response.status_code == 422
    assert set(response.json["error"]["fields"]) == {"process", "data"}
    assert count(session, Household) == 0


@pytest.mark.parametrize("url", ["/households?q=%00", "/instances?status=%00", "/tasks/%00x", "/process-models/%00",
                                 "/thresholds?place=150000000000%00"])
def test_a_nul_in_a_path_or_a_query_is_400(api, url):
    response = api("guanli").get(url)
    assert response.status_code == 400 and response.json["error"]["code"] == "bad_request"


def test_a_multipart_part_whose_name_does_not_parse_is_no_server_error(api):
    """Werkzeug reads ``name="abc\\"`` (its closing quote escaped) as a part without a name (the fuzz found a 500)."""
    body = b'--B\r\nContent-Disposition: form-data; name="abc\\"\r\n\r\nx\r\n--B--\r\n'
    cun = api("cun")

    response = cun.client.post("/api/v1/department-data", data=body, headers=cun.headers,
                               content_type="multipart/form-data; boundary=B")

    assert response.status_code == 400 and response.json["error"]["fields"] == {"file": "必填"}

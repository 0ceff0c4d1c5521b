"""Assistance measures through the API: the county plans, the lead department alone records progress, others 404
or read only; every bad field is named and nothing changes; the plan's warnings come back with each save."""

from datetime import date

import pytest
from sqlalchemy import func, select

from monitoring.id_number import check_digit
from monitoring.models import Household, Measure, MeasureChange

VILLAGE = "150223100201"


def person(name, first17, relation="head", labour_skill="ordinary"):
    return {"name": name, "id_number": first17 + check_digit(first17), "relation": relation,
            "labour_skill": labour_skill}


@pytest.fixture
def household_id(api, session, create_user):
    """A household monitored since 2026-02-10 for illness, able to work; a 卫健 and a 人社 user of the county."""
    create_user("weijian", "department", "150223000000", department="health")
    create_user("renshe", "department", "150223000000", department="hrss")
    response = api("cun").post("/households", json={"village": VILLAGE, "household_type": "ordinary",
                                                    "members": [person("巴特尔", "15022319700101001")]})
    assert response.status_code == 201, response.json
    household = session.get(Household, response.json["id"])
    household.monitoring_status, household.monitored_since = "monitored", date(2026, 2, 10)
    household.monitoring_type, household.risk_types = "marginal", ["illness"]
    session.commit()
    return household.id


def family_doctor(**changes):
    return {"category": "health", "subtype": "family_doctor", "content": "签约家庭医生，每季度随访",
            "department": "health", "responsible": "王医生", "start_on": "2026-02-20", "end_on": "2026-12-31",
            "amount": 120, **changes}


def patch(client, measure_id, body):
    return client.client.patch(f"/api/v1/measures/{measure_id}", json=body, headers=client.headers)


def test_the_county_plans_a_measure_and_the_plan_comes_back_with_its_warnings(api, household_id):
    qi = api("qi")
    response = qi.post(f"/households/{household_id}/measures", json=family_doctor())
    assert response.status_code == 201, response.json
    body = response.json
    assert (body["category"], body["subtype"], body["status"], body["amount"]) == ("health", "family_doctor",
                                                                                    "planned", 120.0)
    assert [w["code"] for w in body["warnings"]] == ["no_development_measure"]  # able to work, only 健康帮扶
    assert "开发式帮扶" in body["warnings"][0]["message"]
    second = qi.post(f"/households/{household_id}/measures",
                     json={**family_doctor(), "category": "employment", "subtype": "public_welfare_post",
                           "department": "hrss", "content": "村保洁公益岗位"})
    assert second.json["warnings"] == []
    listed = api("zhen").get(f"/households/{household_id}/measures").json
    assert [m["category"] for m in listed] == ["health", "employment"]
    assert set(listed[0]) == {"id", "household_id", "category", "subtype", "content", "department", "responsible",
                              "start_on", "end_on", "amount", "status", "done_on", "result"}


def test_only_the_lead_department_records_progress_and_sees_its_own_measures(api, household_id, session):
    qi = api("qi")
    doctor = qi.post(f"/households/{household_id}/measures", json=family_doctor()).json["id"]
    post = qi.post(f"/households/{household_id}/measures",
                   json={**family_doctor(), "category": "employment", "subtype": "public_welfare_post",
                         "department": "hrss", "content": "村保洁公益岗位"}).json["id"]
    weijian, renshe, gongan = api("weijian"), api("renshe"), None
    assert [m["id"] for m in weijian.get(f"/households/{household_id}/measures").json] == [doctor]
    assert weijian.get(f"/households/{household_id}").status_code == 200  # the measure links it to the household
    assert [m["id"] for m in weijian.get("/measures").json] == [doctor]
    assert patch(renshe, doctor, {"status": "in_progress"}).status_code == 404  # another department's measure
    assert patch(qi, doctor, {"status": "in_progress"}).status_code == 403  # the county plans, the department acts
    assert patch(api("cun"), doctor, {"status": "in_progress"}).status_code == 403  # the village reads only
    started = patch(weijian, doctor, {"status": "in_progress"})
    assert started.status_code == 200 and started.json["status"] == "in_progress"
    done = patch(weijian, doctor, {"status": "done", "done_on": "2026-03-01", "result": "已签约，完成首次随访"})
    assert done.status_code == 200, done.json
    assert patch(weijian, doctor, {"result": "改写"}).status_code == 403  # closed: only the county corrects
    refused = patch(qi, doctor, {"status": "in_progress"})
    assert refused.status_code == 422 and "reason" in refused.json["error"]["fields"]
    reopened = patch(qi, doctor, {"status": "in_progress", "reason": "随访记录不全，重新开展"})
    assert reopened.status_code == 200 and reopened.json["status"] == "in_progress"
    history = session.execute(select(MeasureChange.status_from, MeasureChange.status_to, MeasureChange.note)
                              .where(MeasureChange.measure_id == doctor).order_by(MeasureChange.id)).all()
    assert history == [(None, "planned", ""), ("planned", "in_progress", ""), ("in_progress", "done", ""),
                       ("done", "in_progress", "随访记录不全，重新开展")]
    assert gongan is None and api("cun3").get(f"/households/{household_id}/measures").status_code == 404
    assert [m["id"] for m in renshe.get("/measures").json] == [post]


def test_a_department_adds_a_measure_of_a_category_it_leads_and_no_other(api, household_id):
    weijian = api("weijian")
    own = weijian.post(f"/households/{household_id}/measures", json=family_doctor(department=None))
    assert own.status_code == 201 and own.json["department"] == "health"
    other = weijian.post(f"/households/{household_id}/measures",
                         json={**family_doctor(), "category": "employment", "subtype": "public_welfare_post"})
    assert other.status_code == 404
    assert api("cun").post(f"/households/{household_id}/measures", json=family_doctor()).status_code == 403


@pytest.mark.parametrize(("changes", "field"), [
    ({"category": "charity"}, "category"),
    ({"subtype": "rain_dew_plan"}, "subtype"),  # a sub-type of another category
    ({"department": "nasa"}, "department"),
    ({"start_on": "2026-02-01"}, "start_on"),  # before identification
    ({"start_on": "2026-13-01"}, "start_on"),
    ({"end_on": "2026-02-19"}, "end_on"),
    ({"amount": -1}, "amount"),
    ({"amount": 1e12}, "amount"),
    ({"amount": "abc"}, "amount"),
    ({"content": "帮" * 501}, "content"),
    ({"responsible": " \u200b "}, "responsible"),
])
def test_bad_input_is_refused_naming_the_field_and_nothing_is_stored(api, household_id, session, changes, field):
    response = api("qi").post(f"/households/{household_id}/measures", json=family_doctor(**changes))
    assert response.status_code == 422, response.json
    assert set(response.json["error"]["fields"]) == {field}
    session.rollback()
    assert session.execute(select(func.count()).select_from(Measure)).scalar() == 0


NOT_AN_AMOUNT = "金额应为数字（元），如 1200 或 1200.50"
IN_RANGE = "应为1900至2100年间的日期，如 2026-12-01"


@pytest.mark.parametrize(("changes", "fields"), [
    ({"status": "done", "done_on": "2026-02-30", "result": {"x": 1}},
     {"status": "新增措施时不能填写状态，实施后由牵头部门登记进展",
      "done_on": "新增措施时不能填写完成日期，实施后由牵头部门登记进展",
      "result": "新增措施时不能填写完成情况，实施后由牵头部门登记进展"}),
    ({"colour": "red", "notes": ""}, {"colour": "不是帮扶措施的字段", "notes": "不是帮扶措施的字段"}),
    ({"amount": "100"}, {"amount": NOT_AN_AMOUNT}),
    ({"amount": True}, {"amount": NOT_AN_AMOUNT}),
    ({"amount": [1]}, {"amount": NOT_AN_AMOUNT}),
    ({"end_on": "9999-12-31"}, {"end_on": "结束日期" + IN_RANGE}),
    ({"start_on": "0001-01-01"}, {"start_on": "开始日期" + IN_RANGE}),
])
def test_a_new_measure_refuses_what_it_would_ignore_or_misread(api, household_id, session, changes, fields):
    """Finding 8: progress on create, unknown keys, an amount that is not a number, a year no plan reaches."""
    response = api("qi").post(f"/households/{household_id}/measures", json=family_doctor(**changes))
    assert response.status_code == 422, response.json
    assert response.json["error"]["fields"] == fields
    session.rollback()
    assert session.execute(select(func.count()).select_from(Measure)).scalar() == 0


def test_refusing_progress_on_create_names_it_in_the_message(api, household_id):
    response = api("qi").post(f"/households/{household_id}/measures", json=family_doctor(status="done"))
    assert response.json["error"]["message"] == "新增措施时不能填写状态"


def test_an_amount_that_is_no_amount_says_so_in_progress_too(api, household_id):
    doctor = api("qi").post(f"/households/{household_id}/measures", json=family_doctor()).json["id"]
    refused = patch(api("weijian"), doctor, {"amount": [1]})
    assert refused.status_code == 422 and refused.json["error"]["fields"] == {"amount": NOT_AN_AMOUNT}


def test_a_non_finite_amount_is_not_json(api, household_id):
    qi = api("qi")
    raw = '{"category": "health", "subtype": "family_doctor", "amount": NaN}'
    response = qi.client.post(f"/api/v1/households/{household_id}/measures", data=raw,
                              headers={**qi.headers, "Content-Type": "application/json"})
    assert response.status_code == 400 and "amount" in response.json["error"]["fields"]


def test_progress_that_cannot_be_is_refused_naming_the_field(api, household_id):
    doctor = api("qi").post(f"/households/{household_id}/measures", json=family_doctor()).json["id"]
    weijian = api("weijian")
    cases = [({"status": "done"}, {"done_on", "result"}),
             ({"status": "done", "done_on": "2026-02-19", "result": "完成"}, {"done_on"}),  # before the start
             ({"status": "done", "done_on": "2026-03-05", "result": "完成"}, {"done_on"}),  # after today
             ({"status": "finished"}, {"status"}),
             ({"status": ["done"]}, {"status"}),
             ({"result": "帮" * 501}, {"result"}),
             ({"amount": float("-0.5")}, {"amount"})]
    for body, fields in cases:
        response = patch(weijian, doctor, body)
        assert response.status_code == 422, (body, response.json)
        assert set(response.json["error"]["fields"]) == fields, body
    patch(weijian, doctor, {"status": "in_progress"})
    back = patch(weijian, doctor, {"status": "planned"})
    assert back.status_code == 422 and "不能从实施中改为计划中" in back.json["error"]["fields"]["status"]


def test_the_county_edits_a_saved_plan_the_warnings_come_back_and_the_history_says_what_changed(
        api, household_id, session):
    qi = api("qi")
    doctor = qi.post(f"/households/{household_id}/measures", json=family_doctor()).json["id"]
    edited = patch(qi, doctor, {"category": "employment", "subtype": "public_welfare_post", "department": "hrss",
                                "content": "村保洁公益岗位", "amount": 6000})
    assert edited.status_code == 200, edited.json
    body = edited.json
    assert (body["category"], body["subtype"], body["department"], body["amount"], body["responsible"]) == (
        "employment", "public_welfare_post", "hrss", 6000.0, "王医生")  # the fields not given stay
    assert [w["code"] for w in body["warnings"]] == ["risk_without_measure"]  # illness has no measure now
    assert [m["id"] for m in api("renshe").get("/measures").json] == [doctor]  # the new lead department's inbox
    assert api("weijian").get("/measures").json == []
    unchanged = patch(qi, doctor, {"content": "村保洁公益岗位"})
    assert unchanged.status_code == 200
    session.rollback()
    history = session.execute(select(MeasureChange.status_from, MeasureChange.status_to, MeasureChange.note,
                                     MeasureChange.changed_by)
                              .where(MeasureChange.measure_id == doctor).order_by(MeasureChange.id)).all()
    assert history == [(None, "planned", "", "qi"),
                       ("planned", "planned", "修改计划：措施类别、措施子类、措施内容、牵头部门、金额", "qi")]


def test_a_department_changes_progress_only_and_a_plan_field_is_refused_by_name(api, household_id, session):
    doctor = api("qi").post(f"/households/{household_id}/measures", json=family_doctor()).json["id"]
    weijian = api("weijian")
    refused = patch(weijian, doctor, {"end_on": "2027-06-30", "amount": 200})
    assert refused.status_code == 403 and "结束日期（end_on）" in refused.json["error"]["message"]
    paid = patch(weijian, doctor, {"amount": 150})  # the amount paid is progress for the lead department
    assert paid.status_code == 200 and paid.json["amount"] == 150.0 and paid.json["end_on"] == "2026-12-31"
    assert patch(api("cun"), doctor, {"content": "改写"}).status_code == 403  # the village reads only
    session.rollback()
    assert session.get(Measure, doctor).content == "签约家庭医生，每季度随访"


@pytest.mark.parametrize(("changes", "field"), [
    ({"subtype": "rain_dew_plan"}, "subtype"),  # a sub-type of another category
    ({"category": "employment"}, "subtype"),  # family_doctor is not an employment sub-type
    ({"department": "nasa"}, "department"),
    ({"start_on": "2026-02-01"}, "start_on"),  # before identification
    ({"end_on": "2026-02-19"}, "end_on"),  # before the start kept
    ({"amount": "abc"}, "amount"),
    ({"content": ""}, "content"),
    ({"responsible": "帮" * 51}, "responsible"),
    ({"household_id": 7}, "household_id"),
])
def test_a_bad_edit_is_refused_as_a_bad_new_measure_is_and_nothing_changes(api, household_id, session, changes,
                                                                            field):
    doctor = api("qi").post(f"/households/{household_id}/measures", json=family_doctor()).json["id"]
    response = patch(api("qi"), doctor, changes)
    assert response.status_code == 422, response.json
    assert set(response.json["error"]["fields"]) == {field}
    session.rollback()
    assert session.get(Measure, doctor).updated_at == session.get(Measure, doctor).created_at
    assert session.execute(select(func.count()).select_from(MeasureChange)).scalar() == 1


def test_editing_the_plan_of_a_closed_measure_needs_a_reason_and_keeps_the_day_done(api, household_id, session):
    qi = api("qi")
    doctor = qi.post(f"/households/{household_id}/measures", json=family_doctor()).json["id"]
    patch(api("weijian"), doctor, {"status": "done", "done_on": "2026-03-01", "result": "已签约"})
    assert set(patch(qi, doctor, {"end_on": "2026-06-30"}).json["error"]["fields"]) == {"reason"}
    late = patch(qi, doctor, {"start_on": "2026-03-02", "reason": "补录"})
    assert late.status_code == 422 and set(late.json["error"]["fields"]) == {"start_on"}  # after the day done
    fixed = patch(qi, doctor, {"end_on": "2026-06-30", "reason": "按实际服务期更正"})
    assert fixed.status_code == 200 and (fixed.json["status"], fixed.json["end_on"]) == ("done", "2026-06-30")
    session.rollback()
    note = session.execute(select(MeasureChange.note).order_by(MeasureChange.id.desc()).limit(1)).scalar()
    assert note == "修改计划：结束日期；按实际服务期更正"


def test_only_a_monitored_household_gets_a_plan(api, household_id, session):
    session.get(Household, household_id).monitoring_status = "not_monitored"
    session.commit()
    response = api("qi").post(f"/households/{household_id}/measures", json=family_doctor())
    assert response.status_code == 422 and "household" in response.json["error"]["fields"]


def test_the_measures_list_pages_by_keyset(api, household_id):
    qi = api("qi")
    ids = [qi.post(f"/households/{household_id}/measures", json=family_doctor(content=f"随访{n}")).json["id"]
           for n in range(3)]
    first = qi.get("/measures?limit=2")
    assert [m["id"] for m in first.json] == ids[:2] and first.headers["X-Total-Count"] == "3"
    following = qi.get(first.headers["Link"].split(";")[0].strip("<>").removeprefix("/api/v1"))
    assert [m["id"] for m in following.json] == ids[2:]
    assert api("weijian").get("/measures?status=planned").headers["X-Total-Count"] == "3"
    assert api("weijian").get("/measures?status=finished").status_code == 400  # not a declared status
    assert api("cun3").get("/measures").json == []  # another township's cadre


def test_stopping_a_measure_keeps_it_and_the_plan_says_what_is_missing_now(api, household_id):
    qi = api("qi")
    qi.post(f"/households/{household_id}/measures", json=family_doctor())
    job = qi.post(f"/households/{household_id}/measures",
                  json={**family_doctor(), "category": "employment", "subtype": "public_welfare_post",
                        "department": "hrss", "content": "村保洁公益岗位"}).json
    assert job["warnings"] == []
    stopped = patch(api("renshe"), job["id"], {"status": "stopped"})
    assert stopped.status_code == 200 and stopped.json["status"] == "stopped"
    assert [w["code"] for w in stopped.json["warnings"]] == ["no_development_measure"]
    assert [m["status"] for m in qi.get(f"/households/{household_id}/measures").json] == ["planned", "stopped"]

"""The notices page: open notices with their period and days left, privacy, and recording objections."""

from __future__ import annotations

from datetime import timedelta

import pytest

from monitoring.models import Household
from tests.web.pages.test_cases import case_on_first_notice, highlights
from tests.web.test_identification import forms_dir, sweep, world  # noqa: F401  (forms_dir and world are fixtures)

pytestmark = pytest.mark.usefixtures("world")

OBJECTION = {"by": "本村村民", "content": "家中有小轿车"}


def objection_url(api, household_id: int) -> str:
    notice_id = api("cun").get("/notices").json[0]["id"]
    return f"/notices/{notice_id}/households/{household_id}/objection"


def household_of(api, instance_id: int) -> dict:
    household_id = int(api("cun").get(f"/instances/{instance_id}").json["business_key"].removeprefix("household:"))
    return api("cun").get(f"/households/{household_id}").json


def test_an_open_notice_shows_period_days_left_and_no_private_data(api, pages, session, clock):
    household = household_of(api, case_on_first_notice(api))
    row = session.get(Household, household["id"])
    row.phone, row.bank_account = "13900001234", "6228480010000000001"
    session.commit()
    clock.advance(timedelta(days=2))
    page = pages("zhen").get("/notices/")
    assert page.status_code == 200
    assert "艾力嘎查 · 识别·第一次公示（嘎查村）" in page.text
    assert "2026年3月3日至2026年3月7日（共5天，2026年3月2日张贴当日不计入）" in page.text and "还剩 3 天" in page.text
    assert "巴特尔" in page.text and "2组" in page.text
    assert "百灵庙镇" in page.text and "12317" in page.text
    for private in [m["id_number"] for m in household["members"]] + ["13900001234", "6228480010000000001"]:
        assert private not in page.text
    assert "巴特尔" not in pages("cun3").get("/notices/").text


def test_an_objection_sends_the_case_back_to_the_visit(api, pages):
    instance_id = case_on_first_notice(api)
    cun = pages("cun")
    cun.get("/notices/")
    response = cun.post(objection_url(api, household_of(api, instance_id)["id"]), OBJECTION)
    assert response.status_code == 302
    assert f"已送达第 {instance_id} 号案件" in cun.get(response.headers["Location"]).text
    case = cun.get(f"/cases/{instance_id}")
    assert highlights(case)["active"] == ["visit"]
    assert "收到异议" in case.text and "本村村民：家中有小轿车" in case.text


def test_an_empty_objection_is_refused_in_chinese(api, pages):
    instance_id = case_on_first_notice(api)
    refused = pages("cun").post(objection_url(api, household_of(api, instance_id)["id"]),
                                {"by": "本村村民", "content": " "})
    assert refused.status_code == 422 and "异议内容必填" in refused.text
    assert 'value="本村村民"' in refused.text  # what was typed is kept
    assert api("cun").get(f"/instances/{instance_id}").json["waiting"]


def test_an_objection_late_on_the_notices_last_day_is_still_received(api, pages, clock):
    instance_id = case_on_first_notice(api)  # posted 2 March 09:00, runs to the end of 7 March
    url = objection_url(api, household_of(api, instance_id)["id"])
    assert sweep(clock, days=5, minutes=14 * 60 + 55) == 0  # 7 March 23:55 China time: the last day still runs
    late = pages("cun").post(url, OBJECTION)
    assert late.status_code == 302, late.text
    assert api("cun").task(instance_id, "visit")


def test_no_objection_once_the_notice_is_over(api, pages, clock):
    instance_id = case_on_first_notice(api)
    url = objection_url(api, household_of(api, instance_id)["id"])
    assert sweep(clock, days=5, minutes=15 * 60 + 1) == 1  # 8 March 00:01: the notice ended at midnight
    ended = pages("cun").post(url, OBJECTION)
    assert ended.status_code == 409 and "公示期已结束" in ended.text
    assert "当前没有公示中的名单" in pages("cun").get("/notices/").text


def test_only_village_township_and_county_record_objections(api, pages):
    instance_id = case_on_first_notice(api)
    url = objection_url(api, household_of(api, instance_id)["id"])
    designer = pages("sheji")
    assert "登记异议" not in designer.get("/notices/").text
    assert designer.post(url, OBJECTION).status_code == 403
    assert pages("cun3").post(url, OBJECTION).status_code == 404

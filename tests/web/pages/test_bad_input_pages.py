"""Bad input through the pages: the same rules as the API, each error at its field, nothing stored."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine.models import TaskDraft
from monitoring.id_number import check_digit
from monitoring.models import Household, Measurement, Place, Threshold, User
from tests.conftest import PASSWORD
from tests.web.pages.test_households import form
from tests.web.pages.test_tasks import open_task
from tests.web.test_identification import VISIT, form_data, new_household, start

TOWNSHIP_OTHER, VILLAGE = "150223200000", "150223100201"
HEAD = "15022319650101071"


def count(session, model, *where) -> int:
    session.rollback()
    return session.execute(select(func.count()).select_from(model).where(*where)).scalar()


def field_error(path: str, reason: str) -> str:
    return f'<div class="field-error" id="e-{path}" role="alert">{reason}</div>'


@pytest.mark.parametrize(("member", "path", "reason"), [
    ({"name": "\u200b"}, "members.0.name", "姓名不能只有空白或不可见字符"),
    ({"name": "朝\x08鲁"}, "members.0.name", "姓名不能包含换行或控制字符"),
    ({"name": "\u202e鲁朝"}, "members.0.name", "姓名不能包含文字方向控制字符"),
    ({"name": "朝" * 51}, "members.0.name", "姓名不能超过50个字"),
    ({"work": "放\x1b牧"}, "members.0.work", "不能包含换行或控制字符"),
])
def test_the_registration_page_refuses_what_the_api_refuses(pages, session, member, path, reason):
    row = {"name": "朝鲁", "id_number": HEAD + check_digit(HEAD), "relation": "head", **member}
    response = pages("cun").post("/households/new", form(row))
    assert response.status_code == 422
    assert field_error(path, reason) in response.text
    assert count(session, Household) == 0


@pytest.mark.parametrize(("name", "reason"), [("\u200b", "名称不能只有空白或不可见字符"),
                                              ("乌兰\x0b嘎查", "名称不能包含换行或控制字符"),
                                              ("\u202e查嘎兰乌", "名称不能包含文字方向控制字符"),
                                              ("乌" * 101, "名称不能超过100个字")])
def test_a_place_name_must_be_readable_text(pages, session, name, reason):
    response = pages("guanli").post(f"/admin/places/?at={TOWNSHIP_OTHER}", {"code": "150223200202", "name": name})
    assert response.status_code == 422 and reason in response.text
    assert count(session, Place, Place.code == "150223200202") == 0


def test_a_place_code_is_ascii_digits(pages, session):
    response = pages("guanli").post(f"/admin/places/?at={TOWNSHIP_OTHER}", {"code": "¹²³", "name": "乌兰嘎查"})
    assert response.status_code == 422 and "应为不超过12位的数字" in response.text
    assert count(session, Place, Place.name == "乌兰嘎查") == 0


@pytest.mark.parametrize(("username", "reason"), [("\u202ebao", "用户名不能包含文字方向控制字符"),
                                                  ("bao\x1f", "用户名不能包含换行或控制字符"),
                                                  ("\u200b", "用户名不能只有空白或不可见字符"),
                                                  ("ba o", "用户名不能包含空格"), ("b" * 81, "用户名不能超过80个字")])
def test_a_username_must_be_readable_text_without_spaces(pages, session, username, reason):
    response = pages("guanli").post("/admin/users/new", {"username": username, "role": "village", "place": VILLAGE,
                                                         "password": PASSWORD})
    assert response.status_code == 422 and reason in response.text
    assert count(session, User, User.username.contains("ba")) == 0


@pytest.mark.parametrize(("amount", "reason"), [("NaN", "应为金额"), ("inf", "应为金额"),
                                                ("1e20", "不能大于9999999999.99"), ("0.001", "应为大于0的金额")])
def test_an_income_line_is_a_finite_positive_amount_the_column_holds(pages, session, amount, reason):
    response = pages("guanli").post("/admin/thresholds/income_line?place=150000000000",
                                    {"year": "2026", "amount": amount})
    assert response.status_code == 422 and reason in response.text
    assert count(session, Threshold) == 0


@pytest.mark.parametrize(("typed", "reason"), [("nan", "应为数字"), ("inf", "应为数字"), ("-Infinity", "应为数字"),
                                               ("1e999", "应为数字"), ("1e15", "不能大于9999999999.99")])
def test_an_income_typed_as_nan_or_beyond_the_column_is_refused_on_its_field(api, world, pages, session, typed,
                                                                            reason):
    cun = api("cun")
    instance = start(cun, new_household(api), "cadre_screening")
    answers = {"action": "submit", "visited_on": "2026-03-02", "year": "2026",
               **{key: str(value).lower() for key, value in VISIT.items() if not isinstance(value, list)},
               "risk_types": "illness", "wage_income": typed}
    response = pages("cun").post(open_task(api, cun, instance["id"], "visit"), answers)
    assert response.status_code == 422
    assert field_error("wage_income", reason) in response.text
    assert count(session, Measurement) == 0


def test_a_nul_in_a_query_or_a_form_is_a_400_page(pages, session):
    cun = pages("cun")
    assert cun.get("/households/?q=%00").status_code == 400
    response = pages("guanli").post(f"/admin/places/?at={TOWNSHIP_OTHER}", {"code": "150223200202", "name": "乌兰\x00"})
    assert response.status_code == 400 and "请求无效" in response.text
    assert count(session, Place, Place.code == "150223200202") == 0


def test_a_row_index_that_is_no_number_is_ignored(pages, session):
    row = [("members.².name", "朝鲁"), ("members.².relation", "head")]
    response = pages("cun").post("/households/new", [("village", VILLAGE), ("household_type", "ordinary"), *row])
    assert response.status_code == 422 and "至少登记一名家庭成员" in response.text
    assert count(session, Household) == 0


@pytest.fixture
def authorization_task(api, world, clock):
    """(client, the authorization task's page) of a case whose visit is done."""
    cun = api("cun")
    instance = start(cun, new_household(api), "cadre_screening")
    cun.complete(instance["id"], "visit", form_data(cun, instance["id"], "visit", **VISIT))
    return cun, open_task(api, cun, instance["id"], "authorize")


@pytest.mark.parametrize("value", ["abc", "²", "99999999999999999999999"])
def test_an_attachment_that_is_no_upload_is_refused_and_the_form_still_opens(pages, session, clock,
                                                                            authorization_task, value):
    cun, url = authorization_task
    browser = pages("cun")
    refused = browser.post(url, {"action": "submit", "approved": "true", "signed_scan": value})
    assert refused.status_code == 422 and field_error("signed_scan", "附件无效，请重新上传") in refused.text
    session.add(TaskDraft(task_id=url.rsplit("/", 1)[1], username="cun", data={"signed_scan": value},
                          saved_at=clock.now()))  # as a draft saved before this rule
    session.commit()
    assert browser.get(url).status_code == 200
    through_api = cun.post(f"{url}/complete", json={"data": {"approved": True, "signed_scan": value}})
    assert through_api.status_code == 422 and "signed_scan" in through_api.json["error"]["fields"]

"""Administration pages: who may open them, users, places, income lines, the calendar, department data."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from engine import calendar_store
from monitoring import places, thresholds
from monitoring.demo_data import department_file
from monitoring.models import DepartmentUpload, Place, User
from tests.conftest import PASSWORD

COUNTY, TOWNSHIP_OTHER, VILLAGE = "150223000000", "150223200000", "150223100201"
OTHER_COUNTY = "150221000000"


@pytest.fixture
def other_county(session, tree):
    """A second county under the region: outside 达茂旗's scope."""
    places.add_place(session, OTHER_COUNTY, "土默特右旗", "150000000000")
    session.commit()


def user_id(session, username: str) -> int:
    return session.execute(select(User.id).where(User.username == username)).scalar_one()


def logs_in(pages, username: str, password: str = PASSWORD) -> bool:
    return pages().post("/login", {"username": username, "password": password}).status_code == 302


NEW_USER = {"name": "包海燕", "username": "bao", "role": "village", "place": VILLAGE, "password": PASSWORD}


# --- who may open what ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/admin/", "/admin/users/", "/admin/places/", "/admin/calendar/",
                                 "/admin/thresholds/", "/admin/uploads/"])
def test_a_village_cadre_may_open_no_administration_page(pages, url):
    response = pages("cun").get(url)
    assert response.status_code == 403
    assert "无权操作" in response.text


def test_each_role_sees_only_its_sections(pages):
    admin, county = pages("guanli").get("/admin/").text, pages("qi").get("/admin/").text
    assert all(title in admin for title in ("用户管理", "行政区划", "监测标准", "节假日与调休", "部门比对数据"))
    assert "用户管理" in county and "节假日与调休" not in county
    assert pages("qi").get("/admin/calendar/").status_code == 403


# --- users ----------------------------------------------------------------------------------------------------


def test_an_administrator_creates_a_user_who_can_then_log_in(pages, session):
    admin = pages("guanli")
    form = admin.get("/admin/users/new")
    assert form.status_code == 200 and "艾力嘎查" in form.text
    response = admin.post("/admin/users/new", NEW_USER)
    assert response.status_code == 302
    assert "bao" in admin.get("/admin/users/").text
    created = session.execute(select(User).where(User.username == "bao")).scalar_one()
    assert (created.role, created.place_code, created.department) == ("village", VILLAGE, None)
    assert created.password_hash != PASSWORD
    assert logs_in(pages, "bao")


def test_wrong_fields_are_shown_in_chinese_and_the_form_keeps_the_values(pages, session):
    response = pages("guanli").post("/admin/users/new", {**NEW_USER, "role": "", "password": "short"})
    assert response.status_code == 422
    assert "密码至少8位" in response.text and "请选择角色" in response.text
    assert 'name="username" value="bao"' in response.text
    assert f'<option value="{VILLAGE}" selected>' in response.text
    assert 'value="short"' not in response.text  # a password is never sent back
    assert session.execute(select(func.count()).select_from(User).where(User.username == "bao")).scalar() == 0


def test_a_taken_name_a_department_user_without_department_and_a_role_at_the_wrong_level_are_refused(pages):
    admin = pages("guanli")
    assert "该登录名已被使用" in admin.post("/admin/users/new", {**NEW_USER, "username": "cun"}).text
    department = admin.post("/admin/users/new", {**NEW_USER, "role": "department", "place": COUNTY})
    assert "行业部门用户须选择所属部门" in department.text
    wrong_level = admin.post("/admin/users/new", {**NEW_USER, "place": COUNTY})
    assert "嘎查村干部的所属区划应为嘎查村" in wrong_level.text


def test_a_county_grants_no_administrator_and_no_place_outside_its_county(pages, other_county):
    county = pages("qi")
    assert "您无权创建此角色的用户" in county.post("/admin/users/new", {**NEW_USER, "role": "admin"}).text
    assert county.post("/admin/users/new", {**NEW_USER, "role": "county", "place": OTHER_COUNTY}).status_code == 404
    assert 'value="150000000000"' not in county.get("/admin/users/new").text
    users = county.get("/admin/users/").text
    assert "zhen" in users and "guanli" not in users


def test_a_county_may_not_open_a_user_above_it(pages, session):
    assert pages("qi").get(f"/admin/users/{user_id(session, 'guanli')}").status_code == 404
    assert pages("qi").get(f"/admin/users/{user_id(session, 'sheji')}").status_code == 404


def test_a_deactivated_user_can_no_longer_log_in_and_is_logged_out(pages, session):
    admin = pages("guanli")
    assert admin.post("/admin/users/new", NEW_USER).status_code == 302
    cadre = pages("bao")
    url = f"/admin/users/{user_id(session, 'bao')}"
    assert admin.post(f"{url}/active", {"active": "0"}).status_code == 302
    assert "已停用" in admin.get(url).text
    assert not logs_in(pages, "bao")
    assert cadre.get("/tasks/").status_code == 302  # the open session ended
    admin.post(f"{url}/active", {"active": "1"})
    assert logs_in(pages, "bao")


def test_an_administrator_cannot_deactivate_themself(pages, session):
    response = pages("guanli").post(f"/admin/users/{user_id(session, 'guanli')}/active", {"active": "0"})
    assert response.status_code == 422 and "不能停用自己的账号" in response.text
    assert logs_in(pages, "guanli")


def test_a_reset_password_replaces_the_old_one(pages, session):
    admin = pages("guanli")
    url = f"/admin/users/{user_id(session, 'cun')}/password"
    short = admin.post(url, {"password": "1234567"})
    assert short.status_code == 422 and "密码至少8位" in short.text
    assert admin.post(url, {"password": "brand-new-pass"}).status_code == 302
    assert not logs_in(pages, "cun") and logs_in(pages, "cun", "brand-new-pass")


# --- places ---------------------------------------------------------------------------------------------------


def test_a_county_walks_its_place_tree_and_adds_a_village(pages, session, other_county):
    county = pages("qi")
    tree = county.get("/admin/places/")
    assert "百灵庙镇" in tree.text and "查干哈达苏木" in tree.text and "土默特右旗" not in tree.text
    response = county.post(f"/admin/places/?at={TOWNSHIP_OTHER}", {"code": "150223200202", "name": "乌兰嘎查"})
    assert response.status_code == 302
    village = session.get(Place, "150223200202")
    assert (village.level, village.path) == ("village", "/150000000000/150223000000/150223200000/150223200202/")
    assert "乌兰嘎查" in county.get(f"/admin/places/?at={TOWNSHIP_OTHER}").text
    assert county.get(f"/admin/places/?at={OTHER_COUNTY}").status_code == 404


def test_a_bad_place_code_is_refused_with_the_values_kept(pages):
    response = pages("guanli").post(f"/admin/places/?at={TOWNSHIP_OTHER}", {"code": "abc", "name": "乌兰嘎查"})
    assert response.status_code == 422
    assert "应为不超过12位的数字" in response.text and 'value="乌兰嘎查"' in response.text
    taken = pages("guanli").post(f"/admin/places/?at={TOWNSHIP_OTHER}", {"code": VILLAGE, "name": ""})
    assert "已存在" in taken.text and "名称必填" in taken.text


# --- income lines ---------------------------------------------------------------------------------------------


def test_an_administrator_sets_an_income_line_and_keeps_its_history(pages, session):
    admin = pages("guanli")
    page = admin.get("/admin/thresholds/", follow_redirects=True)
    assert "收入监测线" in page.text
    url = "/admin/thresholds/income_line?place=150000000000"
    assert admin.post(url, {"year": "2026", "amount": "8900", "note": "内乡振发〔2026〕1号"}).status_code == 302
    assert admin.post(url, {"year": "2026", "amount": "9000", "note": "调整"}).status_code == 302
    history = admin.get(url).text
    assert "9,000.00" in history and "8,900.00" in history and "已被替换" in history
    assert thresholds.current(session, thresholds.INCOME_LINE, "/150000000000/150223000000/", 2026) == Decimal(9000)


def test_a_wrong_amount_and_year_are_named(pages):
    response = pages("guanli").post("/admin/thresholds/income_line", {"year": "二〇二六", "amount": "-5"})
    assert response.status_code == 422
    assert "应为大于0的金额" in response.text and "年份应为数字" in response.text


def test_a_county_sets_its_expense_warning_line_but_no_income_line(pages, session):
    county = pages("qi")
    assert county.get("/admin/thresholds/income_line").status_code == 403
    assert county.post("/admin/thresholds/expense_warning", {"year": "2026", "amount": "12000"}).status_code == 302
    assert thresholds.current(session, thresholds.EXPENSE_WARNING, "/150000000000/150223000000/", 2026) == 12000
    assert county.get("/admin/thresholds/expense_warning?place=150000000000").status_code == 404


# --- calendar -------------------------------------------------------------------------------------------------


def test_an_administrator_adds_and_removes_a_make_up_workday(pages, session):
    admin = pages("guanli")
    response = admin.post("/admin/calendar/", {"day": "2026-09-26", "kind": "workday", "note": "国庆节调休"})
    assert response.status_code == 302
    page = admin.get("/admin/calendar/").text
    assert "2026年9月26日" in page and "星期六" in page and "国庆节调休" in page
    assert calendar_store.load_calendar(session).is_working_day(date(2026, 9, 26))
    assert admin.post("/admin/calendar/2026-09-26/delete").status_code == 302
    assert calendar_store.overrides(session) == []


def test_a_calendar_entry_without_a_date_or_kind_is_refused(pages):
    response = pages("guanli").post("/admin/calendar/", {"day": "", "note": "国庆节"})
    assert response.status_code == 422
    assert "请填写有效日期" in response.text and "请选择放假或调休上班" in response.text
    assert 'value="国庆节"' in response.text


# --- department data ------------------------------------------------------------------------------------------


@pytest.fixture
def police(create_user):
    create_user("gongan", "department", COUNTY, department="police")
    return "gongan"


def upload(browser, content: bytes, name: str = "vehicles.csv"):
    return browser.post("/admin/uploads/", {"dataset": "vehicles", "file": (io.BytesIO(content), name)},
                        content_type="multipart/form-data")


def test_a_department_uploads_its_data_and_the_county_sees_it(pages, police, session):
    department = pages(police)
    page = department.get("/admin/uploads/").text
    assert "机动车登记" in page and "城镇购房登记" not in page  # only the police's own dataset
    assert upload(department, department_file("vehicles", [], 3, seed=1)).status_code == 302
    listed = pages("qi").get("/admin/uploads/").text
    assert "vehicles.csv" in listed and "比对使用中" in listed and 'type="file"' not in listed


def test_a_file_with_a_bad_row_is_refused_with_that_rows_problem(pages, police, session):
    good = department_file("vehicles", [], 2, seed=1).decode("utf-8-sig").splitlines()
    bad = "\n".join([*good, "王某,150223198001011234,蒙B12345,小型轿车"]).encode()
    response = upload(pages(police), bad)
    assert response.status_code == 422
    assert "文件未导入：共 1 处问题" in response.text
    assert "第4行" in response.text and "身份证号" in response.text
    assert session.execute(select(func.count()).select_from(DepartmentUpload)).scalar() == 0


def test_an_upload_without_a_file_names_the_field(pages, police):
    response = pages(police).post("/admin/uploads/", {"dataset": "vehicles"}, content_type="multipart/form-data")
    assert response.status_code == 422 and "请选择要上传的 .csv 或 .xlsx 文件" in response.text


def test_only_a_department_may_upload(pages):
    assert upload(pages("qi"), b"x").status_code == 403

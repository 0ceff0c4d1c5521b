"""Household pages: search in scope, registration with errors at their fields, the record, applications."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from monitoring import households
from monitoring.id_number import check_digit
from monitoring.models import Household
from tests.web.test_identification import forms_dir, person, world  # noqa: F401  (fixtures of the real process)

VILLAGE, OTHER_TOWNSHIP_VILLAGE = "150223100201", "150223200201"


def register(session, actor, clock, *members, village=VILLAGE) -> Household:
    household = households.create_household(session, actor, {"village": village, "group": "2组",
                                                             "household_type": "ordinary",
                                                             "members": list(members)}, clock.now())
    session.commit()
    return household


def form(*members, village=VILLAGE) -> list[tuple[str, str]]:
    """The registration form as a browser posts it: one ``members.<i>.<field>`` per input."""
    fields = [("village", village), ("group", "3组"), ("household_type", "ordinary"), ("address", "幸福路1号")]
    for index, member in enumerate(members):
        fields += [(f"members.{index}.{key}", value) for key, value in member.items()]
    return fields


def wrong_check_digit(first17: str) -> str:
    right = check_digit(first17)
    return first17 + ("0" if right != "0" else "1")


@pytest.fixture
def two_households(session, actors, clock):
    here = register(session, actors["village"], clock, person("巴特尔", "15022319700101123"),
                    person("其木格", "15022319720101234", "spouse"))
    there = register(session, actors["village_other"], clock, person("敖登", "15022319800101345"),
                     village=OTHER_TOWNSHIP_VILLAGE)
    return here, there


def listed(page) -> list[int]:
    return [int(n) for n in re.findall(r'<td data-label="户主"><a href="/households/(\d+)"', page.text)]


def test_search_by_name_and_by_the_last_digits_of_an_id_number(pages, two_households):
    here, there = two_households
    qi = pages("qi")
    assert listed(qi.get("/households/")) == [here.id, there.id]
    by_name = qi.get("/households/?q=其木格")
    assert by_name.status_code == 200
    assert listed(by_name) == [here.id]
    by_digits = qi.get(f"/households/?q={here.members[1].id_number[-4:]}")
    assert listed(by_digits) == [here.id]
    assert here.members[0].id_number not in by_digits.text  # masked in the list
    assert here.members[0].id_number[:4] + "*" * 10 + here.members[0].id_number[-4:] in by_digits.text
    assert "没有符合条件的农户" in qi.get("/households/?q=不存在的人").text


def test_the_list_is_scoped_and_filters_by_village_and_status(pages, two_households):
    here, there = two_households
    cun = pages("cun").get("/households/")
    assert listed(cun) == [here.id]
    assert "登记农户" in cun.text
    qi = pages("qi")
    assert listed(qi.get(f"/households/?village={OTHER_TOWNSHIP_VILLAGE}")) == [there.id]
    assert listed(qi.get("/households/?status=not_monitored&type=")) == [here.id, there.id]
    assert "没有符合条件的农户" in qi.get("/households/?status=monitored").text


def test_a_long_list_pages_with_its_total_and_a_next_link(pages, two_households):
    qi = pages("qi")
    first = qi.get("/households/?limit=1")
    assert listed(first) == [two_households[0].id]
    assert "共 2 户" in first.text
    link = re.search(r'<a class="button" rel="next" href="([^"]+)">下一页</a>', first.text)
    assert link is not None
    second = qi.get(link.group(1).replace("&amp;", "&"))
    assert listed(second) == [two_households[1].id]
    assert 'rel="next"' not in second.text


def test_a_household_of_another_township_is_not_found(pages, two_households):
    here, there = two_households
    cun3 = pages("cun3")
    assert cun3.get(f"/households/{there.id}").status_code == 200
    response = cun3.get(f"/households/{here.id}")
    assert response.status_code == 404
    assert "未找到" in response.text


def test_a_wrong_check_digit_is_shown_at_that_members_id_field_and_every_value_is_kept(pages, session):
    head_id = "15022319780101005"
    wrong = wrong_check_digit("15022319800101003")
    response = pages("cun").post("/households/new", form(
        {"name": "苏和", "id_number": head_id + check_digit(head_id), "relation": "head"},
        {"name": "乌云", "id_number": wrong, "relation": "spouse", "work": "牧民"}))
    assert response.status_code == 422
    page = response.text
    error = re.search(r'id="e-members\.1\.id_number"[^>]*>([^<]*)<', page)
    assert error and "乌云" in error.group(1) and "校验位" in error.group(1)
    assert f'name="members.1.id_number" value="{wrong}"' in page
    assert 'value="苏和"' in page and 'value="牧民"' in page and "幸福路1号" in page
    assert re.search(r'<option value="spouse" selected>', page)
    assert session.execute(select(func.count()).select_from(Household)).scalar() == 0


def test_a_missing_village_is_asked_for_at_its_field(pages, actors):
    response = pages("qi").post("/households/new", form({"name": "苏和", "id_number": "x"}, village=""))
    assert response.status_code == 422
    assert re.search(r'id="e-village"[^>]*>请选择嘎查村<', response.text)


def test_a_household_is_registered_with_its_members(pages, session):
    first17, son = "15022319650101071", "15022320100101003"
    response = pages("cun").post("/households/new", form(
        {"name": "朝鲁", "id_number": first17 + check_digit(first17), "relation": "head", "ethnicity": "02",
         "health": "chronic"},
        {},  # a row left blank is not saved
        {"name": "小朝鲁", "id_number": son + check_digit(son), "relation": "son", "schooling": "primary"}))
    assert response.status_code == 302, response.text
    household = session.execute(select(Household)).scalar_one()
    assert response.headers["Location"] == f"/households/{household.id}"
    assert [(m.name, m.relation, m.sex) for m in household.members] == [("朝鲁", "head", "male"),
                                                                       ("小朝鲁", "son", "male")]
    assert household.members[0].health == ["chronic"] and household.address == "幸福路1号"


def test_without_scripts_a_member_row_is_added_by_the_server(pages, session):
    response = pages("cun").post("/households/new", [*form({"name": "朝鲁"}), ("add_row", "members")])
    assert response.status_code == 200
    assert 'value="朝鲁"' in response.text and 'name="members.1.name"' in response.text
    assert session.execute(select(func.count()).select_from(Household)).scalar() == 0


def test_only_recording_roles_may_register(pages, create_user):
    create_user("gongan", "department", "150223000000", department="police")
    assert pages("gongan").get("/households/new").status_code == 403
    assert "登记农户" not in pages("gongan").get("/households/").text


@pytest.mark.usefixtures("world")
def test_the_record_shows_members_a_measurement_and_a_case_timeline(pages, two_households, session, actors,
                                                                     clock):
    here, _ = two_households
    households.record_measurement(session, here, {"year": 2026, "wage_income": 6000, "business_income": 3000,
                                                  "transfer_income": 1200, "business_expenses": 2000}, "cun",
                                  clock.now())
    session.commit()
    cun = pages("cun")
    task_page = cun.post(f"/households/{here.id}/cases", {"channel": "self_declared"}).headers["Location"]
    clock.advance(timedelta(hours=1))
    assert cun.post(f"{task_page}/claim").status_code == 302
    page = cun.get(f"/households/{here.id}").text
    assert here.members[1].id_number in page and "配偶" in page  # full numbers for officials in scope
    assert "2026年" in page and "8,200.00" in page and "4,100.00" in page  # net and per-capita net income
    assert "低于监测标准 8,900.00" in page
    assert "识别监测对象 #" in page and "办理中" in page
    assert "嘎查村干部（艾力嘎查）于 2026年3月2日 09:00 发起（农牧户自主申报）" in page
    timeline = re.findall(r"<li><time[^>]*>([^<]*)</time><b>([^<]*)</b>([^<]*)</li>", page)
    cadre = "嘎查村干部（艾力嘎查）"  # no 姓名 recorded: role and place, never the login id
    assert [(at, who) for at, who, _ in timeline] == [("2026年3月2日 09:00", cadre), ("2026年3月2日 10:00", cadre)]
    assert "发起案件" in timeline[0][2] and "认领" in timeline[1][2] and "农牧户申请" in timeline[1][2]
    assert "当前步骤：<b>农牧户申请</b>" in page
    assert re.search(r'href="/cases/\d+"', page)
    assert 'id="apply"' not in page  # a case is running: no second application


@pytest.mark.usefixtures("world")
def test_an_application_goes_to_the_apply_step_and_a_second_one_is_refused(pages, two_households):
    here, _ = two_households
    cun = pages("cun")
    assert f'action="/households/{here.id}/cases"' in cun.get(f"/households/{here.id}").text
    started = cun.post(f"/households/{here.id}/cases", {"channel": "self_declared"})
    assert started.status_code == 302
    task_page = started.headers["Location"]
    assert re.fullmatch(r"/tasks/[0-9a-f-]{36}", task_page)
    assert "农牧户申请" in cun.get(task_page).text
    again = cun.post(f"/households/{here.id}/cases", {"channel": "self_declared"})
    assert again.headers["Location"] == f"/households/{here.id}"
    assert "该农户已有进行中的案件" in cun.get(again.headers["Location"]).text


@pytest.mark.usefixtures("world")
def test_an_unknown_channel_is_refused_with_a_message(pages, two_households):
    here, _ = two_households
    cun = pages("cun")
    refused = cun.post(f"/households/{here.id}/cases", {"channel": "gossip"})
    assert refused.headers["Location"] == f"/households/{here.id}"
    assert "识别渠道无效" in cun.get(refused.headers["Location"]).text


@pytest.mark.usefixtures("world")
def test_cadre_screening_goes_straight_to_the_visit(pages, session, actors, clock):
    household = register(session, actors["village"], clock, person("图雅", "15022319900101089"))
    cun = pages("cun")
    started = cun.post(f"/households/{household.id}/cases", {"channel": "cadre_screening"})
    assert "走访排查" in cun.get(started.headers["Location"]).text


@pytest.mark.usefixtures("world")
def test_only_a_cadre_of_the_village_records_an_application(pages, two_households):
    here, _ = two_households
    assert 'id="apply"' not in pages("zhen").get(f"/households/{here.id}").text
    assert pages("zhen").post(f"/households/{here.id}/cases", {"channel": "self_declared"}).status_code == 403

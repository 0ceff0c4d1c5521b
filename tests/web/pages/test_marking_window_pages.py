"""标注窗口期 page: the default shown until a county sets its own, a window added through the CSRF form, refusals on
their fields in Chinese, and only regions and counties let in."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select

from monitoring.models import MarkingWindow
from tests.conftest import CST

COUNTY = "150223000000"


def test_the_default_is_shown_until_the_county_sets_its_own(pages, clock):
    clock.set(datetime(2026, 12, 15, 10, 0, tzinfo=CST))
    qi = pages("qi")
    page = qi.get("/marking-windows/")
    assert page.status_code == 200
    assert "可以标注" in page.text and "默认：本季度最后一个月" in page.text and "没有设置" in page.text
    response = qi.post("/marking-windows/", {"place": COUNTY, "opens_on": "2027-01-10", "closes_on": "2027-01-20"})
    assert response.status_code == 302
    page = qi.get("/marking-windows/")
    assert "已添加标注窗口期：2027年1月10日 至 2027年1月20日" in page.text
    assert "不在窗口期内" in page.text and "下次开放：2027年1月10日" in page.text and "达茂旗" in page.text


def test_a_refused_window_shows_its_field_and_saves_nothing(pages, session):
    response = pages("qi").post("/marking-windows/", {"place": COUNTY, "opens_on": "2026-12-31",
                                                      "closes_on": "2026-12-01"})
    assert response.status_code == 422
    assert "结束日期：结束日期不能早于开始日期" in response.text
    assert session.execute(select(func.count()).select_from(MarkingWindow)).scalar() == 0


@pytest.mark.parametrize("username", ["cun", "zhen"])
def test_a_village_or_township_may_not_open_the_page(pages, username):
    assert pages(username).get("/marking-windows/").status_code == 403


def test_the_county_finds_the_page_in_its_administration(pages):
    assert "标注窗口期" in pages("qi").get("/admin/").text


def test_the_page_says_what_a_local_window_replaces_and_deletes_one_after_confirmation(pages, session, clock):
    qi = pages("qi")
    page = qi.get("/marking-windows/")
    assert "本地设置窗口期后，季度默认窗口期不再适用" in page.text
    assert qi.post("/marking-windows/", {"place": COUNTY, "opens_on": "2026-11-10",
                                         "closes_on": "2026-11-30"}).status_code == 302
    row = session.execute(select(MarkingWindow)).scalar_one()
    page = qi.get("/marking-windows/")
    assert f'action="/marking-windows/{row.id}/delete"' in page.text and "我确认删除此窗口期" in page.text
    unticked = qi.post(f"/marking-windows/{row.id}/delete", {}, follow_redirects=True)
    assert "未删除：请勾选确认删除此窗口期" in unticked.text
    assert session.execute(select(func.count()).select_from(MarkingWindow)).scalar() == 1
    deleted = qi.post(f"/marking-windows/{row.id}/delete", {"confirm": "yes"}, follow_redirects=True)
    assert "已删除标注窗口期：2026年11月10日 至 2026年11月30日" in deleted.text and "没有设置" in deleted.text
    assert session.execute(select(func.count()).select_from(MarkingWindow)).scalar() == 0
    assert pages("cun").post(f"/marking-windows/{row.id}/delete", {"confirm": "yes"}).status_code == 403


def test_an_ended_window_offers_no_delete_and_refuses_one(pages, session, clock):
    qi = pages("qi")
    assert qi.post("/marking-windows/", {"place": COUNTY, "opens_on": "2026-11-10",
                                         "closes_on": "2026-11-30"}).status_code == 302
    row = session.execute(select(MarkingWindow)).scalar_one()
    clock.set(datetime(2026, 12, 15, 10, 0, tzinfo=CST))
    qi = pages("qi")  # months later: a new login
    page = qi.get("/marking-windows/")
    assert "已结束" in page.text and f'action="/marking-windows/{row.id}/delete"' not in page.text
    refused = qi.post(f"/marking-windows/{row.id}/delete", {"confirm": "yes"}, follow_redirects=True)
    assert "未删除：该窗口期已结束，它决定了当时的标注，不能删除" in refused.text
    assert session.execute(select(func.count()).select_from(MarkingWindow)).scalar() == 1

"""Annex 7 (监测对象信息采集表) printed after natural changes lists the members present, and apart the members who
left this year with the change and its day, so the visitor checks who went."""

from __future__ import annotations

import io
import re
from datetime import date

from pypdf import PdfReader

from monitoring.documents import annexes
from monitoring.documents.render import render_pdf
from tests.web.test_natural_changes_api import add_household, members_by_name


def printed_text(session, household_id: int) -> str:
    context = annexes.context_for(session, "annex7", household_id, date(2026, 3, 2))
    pdf = render_pdf(annexes.ANNEXES["annex7"].template, context)
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))


def test_annex7_lists_the_members_who_left_this_year_apart_with_their_change(api, session):
    cun = api("cun")
    household_id = add_household(cun)
    ids = members_by_name(cun, household_id)
    assert cun.post(f"/households/{household_id}/changes", json={
        "kind": "death", "on": "2026-02-01", "member_id": ids["其其格"]}).status_code == 201
    assert cun.post(f"/households/{household_id}/changes", json={
        "kind": "marry_out", "on": "2026-03-01", "member_id": ids["娜仁"]}).status_code == 201
    session.rollback()
    text = printed_text(session, household_id)
    members, left = text.split("本年度离开本户的成员（不计入家庭人口）：")
    assert "巴特尔" in members and "朝鲁" in members and "其其格" not in members and "娜仁" not in members
    assert "其其格（配偶" in left and "2026年2月1日死亡" in left
    assert "娜仁（" in left and "2026年3月1日婚出" in left


def test_annex7_of_a_household_nobody_left_has_no_such_line(api, session):
    household_id = add_household(api("cun"))
    session.rollback()
    assert "离开本户" not in printed_text(session, household_id)

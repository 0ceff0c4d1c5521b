"""人口自然变更 in the browser: the household page's section (待标注/已标注, members who left apart), the recording page
(kind first, then only its fields; errors at their fields in Chinese; CSRF), the split chooser, and the village's
batch marking inside and outside a window."""

from __future__ import annotations

import io
from datetime import datetime

import pytest

from tests.conftest import CST
from tests.web.pages.conftest import PageClient
from tests.web.test_natural_changes_api import add_household, members_by_name, person


@pytest.fixture
def browser_of(app, actors):
    return lambda username: PageClient(app, username)


@pytest.fixture
def household_id(api):
    return add_household(api("cun"))


def test_the_recording_page_asks_the_kind_first_then_only_its_fields(browser_of, household_id):
    cun = browser_of("cun")
    chooser = cun.get(f"/households/{household_id}/changes")
    assert chooser.status_code == 200
    assert "出生" in chooser.text and "合户" in chooser.text and 'name="on"' not in chooser.text
    birth = cun.get(f"/households/{household_id}/changes?kind=birth")
    assert 'name="member.id_number"' in birth.text and 'name="member_id"' not in birth.text
    assert 'name="member_ids"' not in birth.text and 'max="2026-03-02"' in birth.text
    split = cun.get(f"/households/{household_id}/changes?kind=split")
    assert split.text.count('name="member_ids"') == 4 and split.text.count('name="head_id"') == 4
    assert 'name="member.name"' not in split.text


def test_a_refused_form_keeps_what_was_typed_and_says_why_at_each_field(browser_of, household_id, api):
    cun = browser_of("cun")
    cun.get(f"/households/{household_id}/changes?kind=birth")
    refused = cun.post(f"/households/{household_id}/changes", {
        "kind": "birth", "on": "2026-03-01", "member.name": "小宝", "member.id_number": "150223202603010110",
        "member.relation": "", "note": "出生医学证明"})
    assert refused.status_code == 422
    assert "身份证号" in refused.text and "校验" in refused.text
    assert 'value="小宝"' in refused.text and "出生医学证明" in refused.text
    assert 'id="e-member-relation"' in refused.text
    assert api("cun").get(f"/households/{household_id}/changes").json["changes"] == []


def test_a_birth_a_death_and_a_split_through_the_pages(browser_of, household_id, api):
    cun = browser_of("cun")
    ids = members_by_name(api("cun"), household_id)
    cun.get(f"/households/{household_id}/changes?kind=death")
    born = cun.post(f"/households/{household_id}/changes", {
        "kind": "birth", "on": "2026-03-01", "member.name": "小宝", "member.id_number": person("15022320260301011"),
        "member.relation": "grandson", "evidence": (io.BytesIO(b"%PDF-1.4 birth"), "出生医学证明.pdf")},
        content_type="multipart/form-data")
    assert born.status_code == 302, born.text
    died = cun.post(f"/households/{household_id}/changes", {
        "kind": "death", "on": "2026-03-01", "member_id": str(ids["其其格"]), "note": "病故"})
    assert died.status_code == 302, died.text
    page = cun.get(f"/households/{household_id}")
    assert page.status_code == 200
    section = page.text[page.text.index('id="changes"'):]
    assert "待标注" in section and "已离开的成员" in section and "病故" in section and "证明材料" in section
    former = section[section.index("已离开的成员"):]
    assert "其其格" in former and "死亡" in former
    assert "4人" in page.text  # 巴特尔, 朝鲁, 娜仁 and the baby; 其其格 left
    split = cun.post(f"/households/{household_id}/changes", [
        ("kind", "split"), ("on", "2026-03-02"), ("member_ids", str(ids["朝鲁"])), ("member_ids", str(ids["娜仁"])),
        ("head_id", str(ids["朝鲁"]))])
    assert split.status_code == 302, split.text
    new_page = cun.get(split.headers["Location"])
    assert "朝鲁户" in new_page.text and "分户而来" in new_page.text and "2人" in new_page.text


def test_the_village_marks_its_pending_changes_inside_the_window_only(browser_of, household_id, api, clock):
    ids = members_by_name(api("cun"), household_id)
    clock.set(datetime(2026, 4, 10, 9, 0, tzinfo=CST))
    response = api("cun").post(f"/households/{household_id}/changes", json={
        "kind": "move_out", "on": "2026-04-09", "member_id": ids["朝鲁"]})
    change_id = response.json["change"]["id"]
    cun = browser_of("cun")
    pending = cun.get("/households/changes")
    assert pending.status_code == 200 and "不在窗口期内" in pending.text and "2026年6月1日" in pending.text
    refused = cun.post("/households/changes/mark", [("change_ids", str(change_id))])
    assert refused.status_code == 422 and "标注窗口期：" in refused.text
    clock.set(datetime(2026, 6, 2, 9, 0, tzinfo=CST))
    cun = browser_of("cun")  # two months on: a new login
    cun.get("/households/changes")
    marked = cun.post("/households/changes/mark", [("change_ids", str(change_id))])
    assert marked.status_code == 302
    assert "已标注" in cun.get(f"/households/{household_id}").text
    assert "没有待标注" in cun.get("/households/changes").text


def test_who_may_open_the_pages(browser_of, household_id):
    assert browser_of("zhen").get(f"/households/{household_id}/changes").status_code == 403
    assert browser_of("cun2").get(f"/households/{household_id}/changes").status_code == 404
    township_view = browser_of("zhen").get(f"/households/{household_id}")
    assert "人口自然变更" in township_view.text and "登记人口自然变更" not in township_view.text
    cun = browser_of("cun")
    cun.token = "forged"
    assert cun.post(f"/households/{household_id}/changes", {"kind": "death"}).status_code == 400  # no CSRF token


def test_the_merge_chooser_tells_namesakes_apart(browser_of, household_id, api):
    cun_api = api("cun")
    namesakes = [person("15022319800707008"), person("15022319810808009")]
    for number in namesakes:
        created = cun_api.post("/households", json={"village": "150223100201", "household_type": "ordinary",
                                                    "group": "4组", "members": [
                                                        {"name": "萨仁", "id_number": number, "relation": "head"}]})
        assert created.status_code == 201, created.json
    page = browser_of("cun").get(f"/households/{household_id}/changes?kind=merge")
    chooser = page.text[page.text.index('name="into_household_id"'):]
    chooser = chooser[:chooser.index("</select>")]
    for number in namesakes:
        assert f"萨仁户（4组，1人，户主身份证尾号{number[-4:]}）" in chooser
    assert "巴特尔户（未分组，4人，户主身份证尾号" not in chooser  # not itself


def test_the_marking_page_says_what_a_split_and_a_merge_did_and_the_windows_days(browser_of, household_id, api):
    cun_api = api("cun")
    ids = members_by_name(cun_api, household_id)
    split = cun_api.post(f"/households/{household_id}/changes", json={
        "kind": "split", "on": "2026-03-01", "member_ids": [ids["娜仁"], ids["朝鲁"]], "head_id": ids["朝鲁"]})
    assert split.status_code == 201, split.json
    other = add_household(cun_api, [{"name": "乌兰", "id_number": person("15022319800707008"), "relation": "head"}])
    merge = cun_api.post(f"/households/{other}/changes", json={
        "kind": "merge", "on": "2026-03-01", "into_household_id": household_id})
    assert merge.status_code == 201, merge.json
    page = browser_of("cun").get("/households/changes")
    assert "今天在标注窗口期内（2026年3月1日至2026年3月31日）" in page.text
    rows = page.text[page.text.index("<tbody>"):]
    assert "分户</b> 分出<a" in rows and ">朝鲁户</a>" in rows
    assert "合户</b> 并入<a" in rows and ">巴特尔户</a>" in rows
    assert ">乌兰户</a>" in rows and "号户" not in rows  # the merged household named by the head it had
    assert split.json["change"]["moved_members"][0]["name"] == "朝鲁"  # the new household's head first


def test_a_merged_household_offers_no_recording_page(browser_of, household_id, api):
    other = add_household(api("cun"), [{"name": "乌兰", "id_number": person("15022319800707008"), "relation": "head"}])
    merged = api("cun").post(f"/households/{other}/changes", json={
        "kind": "merge", "on": "2026-03-01", "into_household_id": household_id})
    assert merged.status_code == 201, merged.json
    page = browser_of("cun").get(f"/households/{other}/changes?kind=birth")
    assert page.status_code == 409 and "只能查看" in page.text and 'name="member.name"' not in page.text

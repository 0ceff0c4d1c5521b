"""The data-quality page (/quality) and the household page's findings, on both databases: counts by rule and by place
with drill-down, filters, the run button (with and without its CSRF token), the export, scope (another county's place,
another village: 404) and a line department, to which the page does not exist."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from monitoring import places
from monitoring.quality import checks, runner  # noqa: F401  (checks registers the catalogue)
from monitoring.quality.catalogue import CHECKS
from tests.monitoring.quality.households import COUNTY_PATH, household, only_checks, too_soon
from tests.web.pages.test_lists import statements
from web.quality.listing import FIELD_TITLES

TITLE = "识别当月或次月即帮扶消除"
TOWNSHIP, OTHER_TOWNSHIP = "150223100000", "150223200000"
OTHER_VILLAGE_PATH = "/150000000000/150223000000/150223200000/150223200201/"


@pytest.fixture
def q101_only(monkeypatch):
    only_checks(monkeypatch, "Q101")


@pytest.fixture
def tripping(session, actors, q101_only):
    """A household of 艾力嘎查 and one of 巴音敖包嘎查 that Q101 trips, and a household it does not."""
    mine = too_soon(session, group_name="一组")
    theirs = too_soon(session, village_code="150223200201", place_path=OTHER_VILLAGE_PATH)
    fine = household(session)
    session.commit()
    return mine, theirs, fine


def head(session, found) -> str:
    session.refresh(found)
    return found.head.name


def run(browser, place: str = ""):
    response = browser.post("/quality/run", {"place": place})
    assert response.status_code == 302, response.text
    return browser.get(response.headers["Location"]).get_data(as_text=True)


def rows(html: str) -> list[str]:
    """The findings list's rows, as text without tags."""
    table = re.search(r'<table class="responsive findings".*?</table>', html, re.S)
    return [re.sub(r"<[^>]+>|\s+", " ", row) for row in re.findall(r"<tr>(.*?)</tr>", table.group(0), re.S)[1:]] \
        if table else []


def test_the_county_runs_the_checks_and_reads_the_counts_by_rule_and_by_place(pages, session, tripping):
    mine, theirs, _ = tripping
    qi = pages("qi")
    assert "没有未整改的问题" in qi.get("/quality/").get_data(as_text=True)
    page = run(qi)
    assert "检查完成：新发现 2 条，已整改关闭 0 条，未整改 2 条" in page
    assert TITLE in page and "2 户次" in page and 'href="/quality/?place=150223000000&amp;rule=Q101"' in page
    by_place = re.search(r'<table class="compact by-place">(.*?)</table>', page, re.S).group(1)
    assert re.search(r"百灵庙镇</a></td>\s*<td class=\"num\">1</td><td class=\"num\">0</td>", by_place)
    assert re.search(r"查干哈达苏木</a></td>\s*<td class=\"num\">1</td>", by_place)
    listed = rows(page)
    assert len(listed) == 2 and "共 2 条" in page
    first = next(row for row in listed if head(session, mine) in row)
    assert "艾力嘎查" in first and "一组" in first and TITLE in first and "错误" in first
    assert "2026年3月10日 纳入监测，2026年3月28日 即标注帮扶消除（相隔 0 个月）" in first
    assert "风险消除日期、消除方式" in first and "2026年3月2日" in first  # the fields to correct; found today
    assert f'href="/households/{mine.id}#quality"' in page

    township = qi.get(f"/quality/?place={TOWNSHIP}").get_data(as_text=True)  # drill-down
    assert [head(session, mine) in row for row in rows(township)] == [True]
    assert re.search(r"艾力嘎查</a></td>\s*<td class=\"num\">1</td>", township)
    assert 'href="/quality/?place=150223000000"' in township  # the way back up
    village = qi.get("/quality/?place=150223200201").get_data(as_text=True)
    assert [head(session, theirs) in row for row in rows(village)] == [True]


def test_filters_page_and_a_village_that_fixes_its_data_sees_its_findings_close(pages, session, tripping):
    mine, _, _ = tripping
    cun = pages("cun")
    page = run(cun)
    assert "新发现 1 条" in page and len(rows(page)) == 1
    assert rows(cun.get("/quality/?status=resolved").get_data(as_text=True)) == []
    assert len(rows(cun.get("/quality/?rule=Q101&status=all").get_data(as_text=True))) == 1
    mine.eliminated_on = date(2026, 9, 30)  # corrected: six months after identification
    session.commit()
    page = run(cun)
    assert "新发现 0 条，已整改关闭 1 条，未整改 0 条" in page and rows(page) == []
    [closed] = rows(cun.get("/quality/?status=resolved").get_data(as_text=True))
    assert TITLE in closed and "已整改" not in closed and "2026年3月2日" in closed  # its 整改日期 column
    refused = cun.get("/quality/?rule=Q000")
    assert refused.status_code == 422


def test_the_list_pages_after_its_cursor(pages, session, tripping):
    qi = pages("qi")
    run(qi)
    first = qi.get("/quality/?limit=1").get_data(as_text=True)
    assert len(rows(first)) == 1 and "下一页" in first
    after = re.search(r'href="([^"]+)" rel="next"|rel="next" href="([^"]+)"', first)
    second = qi.get((after.group(1) or after.group(2)).replace("&amp;", "&")).get_data(as_text=True)
    assert len(rows(second)) == 1 and rows(second) != rows(first) and "下一页" not in second


def test_the_export_is_the_lists_findings_in_words(pages, session, tripping):
    mine, _, _ = tripping
    qi = pages("qi")
    run(qi)
    response = qi.get(f"/quality/?place={TOWNSHIP}&format=xlsx")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = list(sheet.values)
    header = values[0]
    assert header[:6] == ("户主", "嘎查村", "村民小组", "规则", "问题", "类别")
    [row] = values[1:]
    found = dict(zip(header, row, strict=True))
    assert found["户主"] == head(session, mine) and found["嘎查村"] == "艾力嘎查" and found["问题"] == TITLE
    assert found["类别"] == "错误" and "2026年3月28日" in found["说明"] and found["需修正"] == "风险消除日期、消除方式"
    assert found["发现日期"].date() == date(2026, 3, 2) and found["整改日期"] is None


def test_the_run_button_needs_its_csrf_token(pages, session, tripping):
    qi = pages("qi")
    qi.get("/quality/")
    refused = qi.post("/quality/run", {"place": "", "csrf_token": "forged"})
    assert refused.status_code == 400 and "页面已过期" in refused.get_data(as_text=True)
    assert "没有未整改的问题" in qi.get("/quality/").get_data(as_text=True)  # nothing ran


def test_a_place_outside_the_users_scope_is_not_found(pages, session, tripping):
    places.add_place(session, "150221000000", "土默特右旗", "150000000000", "county")
    session.commit()
    qi, cun3 = pages("qi"), pages("cun3")
    assert qi.get("/quality/?place=150221000000").status_code == 404
    assert qi.post("/quality/run", {"place": "150221000000"}).status_code == 404
    assert cun3.get("/quality/?place=150223100201").status_code == 404
    assert cun3.get("/quality/?place=150223100201&format=xlsx").status_code == 404
    assert cun3.post("/quality/run", {"place": "150223100201"}).status_code == 404


def test_a_line_department_has_no_quality_page(pages, create_user, tripping):
    create_user("weijian", "department", "150223000000", "health")
    weijian = pages("weijian")
    assert "数据质量" not in weijian.get("/tasks/").get_data(as_text=True)
    assert weijian.get("/quality/").status_code == 404
    assert weijian.post("/quality/run", {"place": ""}).status_code == 404
    assert "数据质量" in pages("cun").get("/tasks/").get_data(as_text=True)


def test_the_household_page_lists_its_open_then_its_closed_findings(pages, session, tripping):
    mine, _, fine = tripping
    cun = pages("cun")
    assert "数据质量问题" not in cun.get(f"/households/{mine.id}").get_data(as_text=True)
    run(cun)
    page = cun.get(f"/households/{mine.id}").get_data(as_text=True)
    section = re.search(r'<section class="card" id="quality".*?</section>', page, re.S).group(0)
    assert "1 项待整改" in section and TITLE in section and "2026年3月28日" in section and "错误" in section
    assert "风险消除日期、消除方式" in section and "最近已整改" not in section
    assert "数据质量问题" not in cun.get(f"/households/{fine.id}").get_data(as_text=True)
    mine.eliminated_on = date(2026, 9, 30)
    session.commit()
    run(cun)
    section = re.search(r'<section class="card" id="quality".*?</section>',
                        cun.get(f"/households/{mine.id}").get_data(as_text=True), re.S).group(0)
    assert "均已整改" in section and "最近已整改（1 项）" in section and "2026年3月2日整改" in section


def test_every_field_a_check_names_has_its_title_in_words():
    """What the pages and the export show a cadre to correct: a field named in English would read as a code."""
    assert {name for check in CHECKS.values() for name in check.fields} - set(FIELD_TITLES) == set()


def test_the_page_reads_the_same_number_of_statements_however_many_findings_it_lists(pages, session, tripping):
    qi = pages("qi")
    run(qi)
    with statements() as few:
        assert qi.get("/quality/").status_code == 200
    for village, path in (("150223100202", "/150000000000/150223000000/150223100000/150223100202/"),
                          ("150223200201", OTHER_VILLAGE_PATH)) * 3:
        too_soon(session, village_code=village, place_path=path)
    session.commit()
    run(qi)
    with statements() as many:
        assert len(rows(qi.get("/quality/").get_data(as_text=True))) == 8
    assert len(many) == len(few)


def test_the_run_button_while_another_run_holds_the_county_says_so(pages, session, tripping, monkeypatch):
    """PostgreSQL: the county's run lock held (the nightly run passing it): the page says so at once, nothing ran."""
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("PostgreSQL's advisory locks")
    monkeypatch.setattr(runner, "LOCK_WAIT", "100ms")
    qi = pages("qi")
    with Session(session.get_bind()) as nightly:
        nightly.execute(select(func.pg_advisory_xact_lock(runner.RUN_LOCK, runner.lock_key(COUNTY_PATH))))
        html = run(qi)
        nightly.rollback()
    assert "达茂旗正在进行数据质量检查，请稍后再试" in html and "没有未整改的问题" in html
    assert "新发现 2 条" in run(qi)

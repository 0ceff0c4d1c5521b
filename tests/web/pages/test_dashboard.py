"""The dashboard page: the figures of the user's place in tables and SVG charts, nothing from outside it."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from tests.conftest import FIXTURES
from tests.monitoring.test_statistics import LATER, cases, monitored  # noqa: F401  (fixtures)


@pytest.fixture
def forms_dir():
    """The test processes' forms: the cases here run the small fixture processes, not identification."""
    return FIXTURES / "forms"


class _Tables(HTMLParser):
    """Every table of a page as rows of cell texts, its header row first."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def table(html: str, *headers: str) -> list[list[str]]:
    """The data rows (and total row) of the table whose header row starts with ``headers``."""
    parser = _Tables()
    parser.feed(html)
    found = [rows[1:] for rows in parser.tables if tuple(rows[0][:len(headers)]) == headers]
    assert len(found) == 1, [rows[0] for rows in parser.tables]
    return found[0]


@pytest.fixture
def page(pages):
    def get(username: str) -> str:
        response = pages(username).get("/dashboard/")
        assert response.status_code == 200, response.text
        return response.text

    return get


@pytest.mark.usefixtures("monitored")
def test_a_township_sees_its_monitoring_objects_by_type_risk_and_village_but_not_the_other_township(page):
    html = page("zhen")
    assert table(html, "监测类型") == [["脱贫不稳定户", "1"], ["边缘易致贫户", "1"], ["突发严重困难户", "1"],
                                       ["合计", "3"]]
    risks = dict(table(html, "风险类型"))
    assert (risks["因病"], risks["因残"], risks["因自然灾害"], risks["因学"]) == ("2", "1", "1", "0")
    assert table(html, "嘎查村", "监测对象户数") == [["艾力嘎查", "2"], ["新宝力格嘎查", "1"]]
    assert "巴音敖包嘎查" not in html
    assert '<span class="figure">1</span><span>风险已消除（户）</span>' in html


@pytest.mark.usefixtures("monitored")
def test_the_county_sees_each_township(page):
    html = page("qi")
    assert table(html, "苏木乡镇", "监测对象户数") == [["百灵庙镇", "3"], ["查干哈达苏木", "1"]]
    assert dict(table(html, "监测类型"))["合计"] == "4"


@pytest.mark.usefixtures("monitored")
def test_each_chart_is_an_accessible_svg_with_its_numbers_written_on_it(page):
    html = page("zhen")
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in html and 'role="img"' in html
    assert '<title id="chart-area-title">监测对象（按嘎查村）</title>' in html
    assert "艾力嘎查：2户；新宝力格嘎查：1户" in html
    assert '<text class="bar-label" x="4" y="18">艾力嘎查</text>' in html


@pytest.mark.usefixtures("cases")
def test_the_bulletin_counts_overdue_tasks_per_township_once_the_clock_passes_the_deadlines(page, clock):
    before = table(page("qi"), "苏木乡镇", "待办任务")
    assert before == [["百灵庙镇", "4", "0", "0.0%"], ["查干哈达苏木", "1", "0", "0.0%"], ["合计", "5", "0", "0.0%"]]
    clock.set(LATER)
    html = page("qi")
    assert table(html, "苏木乡镇", "待办任务") == [
        ["百灵庙镇", "4", "2", "50.0%"], ["查干哈达苏木", "1", "1", "100.0%"], ["合计", "5", "3", "60.0%"]]
    assert "4（逾期 2）" in html
    assert table(html, "流程", "步骤") == [["三级审批与公示", "入户核查", "1", "0"],
                                         ["限期核实 (5个工作日, 逾期上报乡镇)", "材料核实", "4", "3"]]


@pytest.mark.usefixtures("monitored", "cases")
def test_a_village_sees_only_its_own_village(page):
    html = page("cun2")
    assert table(html, "嘎查村", "监测对象户数") == [["新宝力格嘎查", "1"]]
    assert table(html, "嘎查村", "待办任务")[-1] == ["合计", "1", "0", "0.0%"]


def test_an_empty_place_shows_no_data_instead_of_empty_charts(page):
    html = page("zhen")
    assert "暂无数据" in html and "目前没有待办理的案件" in html


def test_a_department_user_finds_the_upload_page_from_the_dashboard(pages, create_user):
    create_user("gongan", "department", "150223000000", department="police")
    assert 'href="/admin/uploads/"' in pages("gongan").get("/dashboard/").text
    assert 'href="/admin/uploads/"' not in pages("qi").get("/dashboard/").text

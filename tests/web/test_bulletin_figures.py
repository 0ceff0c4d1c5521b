"""The quarterly bulletin's figures against a small county counted by hand: monitoring objects by type at the
quarter's end (households and persons), the quarter's inclusions, eliminations and reversals by the status history,
open and overdue tasks per township at the quarter's end (or now), late steps, natural changes, the ranking with a
tie — and the JSON, the XLSX read back and the PDF's text carrying the same figures."""

from __future__ import annotations

import io
import re
from datetime import date, datetime

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from monitoring import households, places
from monitoring.change_models import HouseholdChange
from monitoring.id_number import check_digit
from monitoring.models import Household, Member, MonitoringStatus
from monitoring.status_history import record_change
from tests.conftest import CST
from tests.engine.steps import Steps
from tests.web.pages.conftest import PageClient
from tests.web.pages.test_dashboard import table

COUNTY, T1, T2, T3, T4 = "150223000000", "150223100000", "150223200000", "150223300000", "150223400000"
V1, V2, V3 = "150223100201", "150223100202", "150223200201"
MONITORED, ELIMINATED = MonitoringStatus.MONITORED, MonitoringStatus.ELIMINATED
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=CST)  # the fourth quarter: the third is over
_serial = iter(range(100, 999))


def id_number(born: str = "19800101") -> str:
    first17 = f"150223{born}{next(_serial):03d}"
    return first17 + check_digit(first17)


def household(session, county, village: str, monitoring_type: str, size: int) -> Household:
    found = households.create_household(session, county, {"village": village, "members": [
        {"name": f"成员{n}", "id_number": id_number(), "relation": "head" if n == 0 else "son"}
        for n in range(size)]}, datetime(2025, 12, 1, tzinfo=CST))
    found.monitoring_type = monitoring_type
    return found


def history(session, found: Household, *changes: tuple[str, date, bool]) -> None:
    """Status changes as the use cases record them: a case's (instance id) or the county's reversal (none)."""
    for to_status, on, by_case in changes:
        record_change(session, found, to_status, datetime.combine(on, datetime.min.time(), CST), "qi",
                      instance_id=7 if by_case else None, on=on)


def natural_change(session, found: Household, kind: str, on: date, member: Member) -> None:
    session.add(HouseholdChange(household_id=found.id, place_path=found.place_path, kind=kind, occurred_on=on,
                                member_id=member.id, note="", recorded_at=NOW, recorded_by="cun"))


@pytest.fixture
def county(session, actors, engine, clock):
    """Townships T1 (V1, V2) and T2 (V3) with households, and T3, T4 with nothing (tied in the ranking).

    Households (type, members; status history):
      HA V1 marginal 4 (one moved out 20 Aug)  identified 10 Feb
      HB V1 unstable 2                         identified 5 Aug
      HC V2 marginal 4                         identified 15 Jan, eliminated 10 Sep
      HD V1 sudden 1                           identified 20 Jan, eliminated 1 Aug, reversed 15 Sep
      HE V3 marginal 2                         identified 1 Mar, eliminated 20 Sep, reversed 2 Nov (later)
      HF V3 marginal 1                         identified 8 Oct (later)
      HG V3 unstable 2 (+ two born in Oct; one left 1 Oct)  identified 1 May, eliminated 20 Nov (later)
      HH V1 never monitored
    Cases of 限期核实 (its 材料核实 due five working days after applied_on, then withdrawn by its timer and escalated to
    the township as 逾期督办): 1 at V1 and 4 at V3 from 1 Sep, both withdrawn late on 5 Oct; 2 at V2 from 30 Sep left
    open (due in October); 3 at V3 from 1 Sep done on 3 Sep."""
    places.add_place(session, T3, "石宝镇", COUNTY, "township")
    places.add_place(session, T4, "乌克忽洞镇", COUNTY, "township")
    qi = actors["county"]
    made = {name: household(session, qi, village, kind, size) for name, village, kind, size in (
        ("HA", V1, "marginal", 4), ("HB", V1, "unstable", 2), ("HC", V2, "marginal", 4), ("HD", V1, "sudden", 1),
        ("HE", V3, "marginal", 2), ("HF", V3, "marginal", 1), ("HG", V3, "unstable", 2), ("HH", V1, "unstable", 3))}
    session.flush()
    history(session, made["HA"], (MONITORED, date(2026, 2, 10), True))
    history(session, made["HB"], (MONITORED, date(2026, 8, 5), True))
    history(session, made["HC"], (MONITORED, date(2026, 1, 15), True), (ELIMINATED, date(2026, 9, 10), True))
    history(session, made["HD"], (MONITORED, date(2026, 1, 20), True), (ELIMINATED, date(2026, 8, 1), True),
            (MONITORED, date(2026, 9, 15), False))
    history(session, made["HE"], (MONITORED, date(2026, 3, 1), True), (ELIMINATED, date(2026, 9, 20), True),
            (MONITORED, date(2026, 11, 2), False))
    history(session, made["HF"], (MONITORED, date(2026, 10, 8), True))
    history(session, made["HG"], (MONITORED, date(2026, 5, 1), True), (ELIMINATED, date(2026, 11, 20), True))
    moved_out = made["HA"].members[-1]
    moved_out.left_on = date(2026, 8, 20)
    natural_change(session, made["HA"], "move_out", date(2026, 8, 20), moved_out)
    died = made["HG"].members[-1]
    died.left_on = date(2026, 10, 1)
    natural_change(session, made["HG"], "death", date(2026, 10, 1), died)
    for born in (date(2026, 10, 15), date(2026, 10, 20)):
        baby = Member(household_id=made["HG"].id, position=5, name="新生儿", relation="son",
                      id_number=id_number(born.strftime("%Y%m%d")))
        session.add(baby)
        session.flush()
        natural_change(session, made["HG"], "birth", born, baby)
    session.commit()

    steps = Steps(engine, session, actors["designer"])
    steps.deploy("deadline.bpmn")
    clock.set(datetime(2026, 9, 1, 9, 0, tzinfo=CST))
    withdrawn_late = steps.start(actors["village"], "deadline", {"applied_on": "2026-09-01"}, V1)
    on_time = steps.start(actors["village_other"], "deadline", {"applied_on": "2026-09-01"}, V3)
    escalated = steps.start(actors["village_other"], "deadline", {"applied_on": "2026-09-01"}, V3)
    clock.set(datetime(2026, 9, 3, 9, 0, tzinfo=CST))
    steps.complete(actors["village_other"], on_time, "verify", {"verified": True})
    clock.set(datetime(2026, 9, 30, 9, 0, tzinfo=CST))
    open_in_time = steps.start(actors["village2"], "deadline", {"applied_on": "2026-09-30"}, V2)
    clock.set(datetime(2026, 10, 5, 9, 0, tzinfo=CST))
    assert steps.run_timers() == 2  # the two verifications due 8 Sep are withdrawn and escalated (逾期督办)
    clock.set(NOW)
    return {**{name: found.id for name, found in made.items()},
            "cases": {"withdrawn_late": withdrawn_late, "open_in_time": open_in_time, "on_time": on_time,
                      "escalated": escalated}}


# By type: objects at the quarter's end, then the quarter's identified, eliminated, reversed (households, persons).
TYPES_Q3 = [
    ["脱贫不稳定户", "2", "4", "1", "2", "0", "0", "0", "0"],  # HB HG at the end (HG: 2 then); HB new
    ["边缘易致贫户", "1", "3", "0", "0", "2", "6", "0", "0"],  # HA (one moved out in Aug); HC HE eliminated
    ["突发严重困难户", "1", "1", "0", "0", "1", "1", "1", "1"],  # HD eliminated and reversed within the quarter
    ["合计", "4", "8", "1", "2", "3", "7", "1", "1"],
]
TASKS_Q3 = [["百灵庙镇", "2", "1", "50.0%"], ["查干哈达苏木", "1", "1", "100.0%"], ["石宝镇", "0", "0", "—"],
            ["乌克忽洞镇", "0", "0", "—"], ["合计", "3", "2", "66.7%"]]
RANKING_Q3 = [  # rank, township, overdue share, late cases, objects at the start, eliminated, elimination rate
    ["1", "石宝镇", "—", "0", "0", "0", "—"],
    ["1", "乌克忽洞镇", "—", "0", "0", "0", "—"],
    ["3", "百灵庙镇", "50.0%", "2", "3", "2", "66.7%"],  # HA HC HD at the start; HC HD eliminated
    ["4", "查干哈达苏木", "100.0%", "1", "2", "1", "50.0%"],  # HE HG at the start; HE eliminated
]


def page(app, quarter: str) -> str:
    response = PageClient(app, "qi").get(f"/dashboard/bulletin?quarter={quarter}")
    assert response.status_code == 200, response.text
    return response.text


def test_objects_by_type_at_the_quarters_end_and_its_changes_by_the_status_history(app, county):
    html = page(app, "2026Q3")
    assert table(html, "监测类型")[1:] == TYPES_Q3  # under the header of 户 and 人
    areas = table(html, "苏木乡镇", "新发起案件")
    assert areas[0][:5] == ["百灵庙镇", "2", "1", "0", "2"]  # started 1 and 2; HB; none refused; HC HD eliminated
    assert areas[1][:5] == ["查干哈达苏木", "2", "0", "0", "1"]  # HE eliminated though reversed in November


def test_an_elimination_reversed_later_stays_in_its_quarter_and_its_list(app, county):
    browser = PageClient(app, "qi")
    html = browser.get("/dashboard/bulletin?quarter=2026Q3").text
    total = re.search(r"<tfoot><tr><th[^>]*>合计</th>(.*?)</tr>", html, re.S).group(1)
    eliminated = re.findall(r'href="([^"]*count=eliminated[^"]*)"', total)[0].replace("&amp;", "&")
    listed = {int(n) for n in re.findall(r'href="/households/(\d+)"', browser.get(eliminated).text)}
    assert listed == {county["HC"], county["HD"], county["HE"]}
    objects = re.findall(r'href="([^"]*count=objects[^"]*)"', total)[0].replace("&amp;", "&")
    listed = {int(n) for n in re.findall(r'href="/households/(\d+)"', browser.get(objects).text)}
    assert listed == {county["HA"], county["HB"], county["HD"], county["HG"]}  # HG eliminated only in November
    q4 = table(page(app, "2026Q4"), "监测类型")
    assert q4[-1] == ["合计", "5", "9", "1", "1", "1", "3", "1", "2"]  # HA HB HD HE HF; HF new; HG (3 then); HE back


def test_open_tasks_are_counted_at_the_quarters_end_and_now_while_a_quarter_lasts(app, county):
    html = page(app, "2026Q3")
    assert table(html, "苏木乡镇（任务所在）") == TASKS_Q3
    assert "统计时点为本季度末（2026年9月30日24时）" in html
    now = page(app, "2026Q4")
    assert table(now, "苏木乡镇（任务所在）")[0] == ["百灵庙镇", "2", "1", "50.0%"]  # 2 past due; 1's 逾期督办
    assert table(now, "苏木乡镇（任务所在）")[1] == ["查干哈达苏木", "1", "0", "0.0%"]  # 4's 逾期督办 (no due date)
    assert "本季度尚未结束" in now


def test_late_steps_count_cases_not_done_in_time(app, county):
    steps = table(page(app, "2026Q3"), "步骤", "到达案件")
    assert steps[0] == ["1. 材料核实", "4", "3"]  # reached by all four; 1 and 4 withdrawn late, 2 open past its due


def test_natural_changes_of_the_quarter_by_kind(app, county):
    changes = dict(map(tuple, table(page(app, "2026Q3"), "变更类型", "件数")))
    assert changes["迁出"] == "1" and changes["出生"] == "0" and changes["合计"] == "1"
    later = dict(map(tuple, table(page(app, "2026Q4"), "变更类型", "件数")))
    assert later["出生"] == "2" and later["死亡"] == "1" and later["合计"] == "3"


def test_the_ranking_orders_townships_by_its_criteria_with_a_tie(app, county):
    html = page(app, "2026Q3")
    assert table(html, "名次") == RANKING_Q3
    assert "以上三项均相同的并列同一名次" in html and "任务逾期率（逾期任务数÷未办结任务数" in html


def test_the_api_answers_the_same_figures(api, county):
    body = api("qi").get("/reports/bulletin?quarter=2026Q3").json
    assert body["by_type_total"]["objects"] == {"households": 4, "persons": 8,
                                                "list": body["by_type_total"]["objects"]["list"]}
    assert [(line["type"], line["eliminated"]["households"]) for line in body["by_type"]] == [
        ("脱贫不稳定户", 0), ("边缘易致贫户", 2), ("突发严重困难户", 1)]
    assert body["tasks"]["as_of"] == "2026-10-01T00:00:00+08:00"
    assert body["tasks"]["total"] == {"place": "", "name": "合计", "open": 3, "overdue": 2, "share": 0.6667}
    assert [(r["rank"], r["name"]) for r in body["ranking"]["areas"]] == [
        (1, "石宝镇"), (1, "乌克忽洞镇"), (3, "百灵庙镇"), (4, "查干哈达苏木")]
    assert body["ranking"]["areas"][2]["elimination_rate"] == 0.6667
    assert {c["kind"]: c["count"] for c in body["natural_changes"]}["迁出"] == 1


def test_the_xlsx_has_a_sheet_per_table_with_numbers_as_numbers(api, county):
    answer = api("qi").get("/reports/bulletin?quarter=2026Q3&format=xlsx")
    assert answer.status_code == 200 and answer.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(answer.data))
    assert book.sheetnames == ["监测对象", "识别与消除", "待办任务逾期", "办理步骤", "人口自然变更", "苏木乡镇排名",
                               "数据质量"]
    types = list(book["监测对象"].values)
    assert types[0][0] == "达茂旗2026年第三季度防止返贫动态监测和帮扶工作通报"
    assert types[2][0] == "一、监测对象（按监测类型）"
    assert [list(row) for row in types[4:8]] == [[row[0], *map(int, row[1:])] for row in TYPES_Q3]
    tasks = book["待办任务逾期"]
    assert [c.value for c in tasks[5]] == ["百灵庙镇", 2, 1, 0.5] and tasks["D5"].number_format == "0.0%"
    assert tasks["D7"].value is None  # 石宝镇: no open task, no share
    ranking = [list(row) for row in book["苏木乡镇排名"].values][4:8]
    assert [row[:2] for row in ranking] == [[int(r[0]), r[1]] for r in RANKING_Q3]
    assert ranking[2][6] == pytest.approx(2 / 3)


def test_the_pdf_is_a4_with_the_title_the_as_of_time_and_every_table(api, county):
    answer = api("qi").get("/reports/bulletin?quarter=2026Q3&format=pdf")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(answer.data))
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert (round(float(width) / 72 * 25.4), round(float(height) / 72 * 25.4)) == (210, 297)
    text = re.sub(r"\s+", "", "".join(p.extract_text() for p in reader.pages))
    assert "达茂旗2026年第三季度防止返贫动态监测和帮扶工作通报" in text
    assert "数据截至2026年12月1日10:00" in text
    for title in ("一、监测对象（按监测类型）", "二、本季度识别与消除情况（按苏木乡镇）",
                  "三、待办任务逾期情况（按苏木乡镇）", "四、案件办理（按办理步骤）",
                  "五、人口自然变更（按变更类型）", "六、苏木乡镇排名"):
        assert title in text
    for row in (TYPES_Q3[-1], TASKS_Q3[0], RANKING_Q3[2]):
        assert "".join(row) in text


def test_the_page_offers_both_files_and_refuses_an_unknown_format(app, api, county):
    browser = PageClient(app, "qi")
    html = browser.get("/dashboard/bulletin?quarter=2026Q3").text
    assert "format=xlsx" in html and "format=pdf" in html
    assert browser.get("/dashboard/bulletin?quarter=2026Q3&format=xlsx").mimetype.endswith("spreadsheetml.sheet")
    assert browser.get("/dashboard/bulletin?quarter=2026Q3&format=doc").status_code == 422
    answer = api("qi").get("/reports/bulletin?quarter=2026Q3&format=doc")
    assert answer.status_code == 400 and "format" in answer.json["error"]["fields"]
    assert api("cun").get("/reports/bulletin?format=pdf&place=" + COUNTY).status_code == 404


@pytest.fixture
def league(session, create_user, clock):
    """League 包头市 with two banners: 土默特右旗 (H1 identified in February and eliminated in August, H2 identified
    in March) and 固阳县 (H3 identified in March); a league user (role region at the league)."""
    spec = [("150200000000", "包头市", "150000000000", "league"),
            ("150221000000", "土默特右旗", "150200000000", "county"),
            ("150221100000", "萨拉齐镇", "150221000000", "township"),
            ("150221100201", "大城西村", "150221100000", "village"),
            ("150222000000", "固阳县", "150200000000", "county"),
            ("150222100000", "金山镇", "150222000000", "township"),
            ("150222100201", "东园村", "150222100000", "village")]
    for code, name, parent, level in spec:
        places.add_place(session, code, name, parent, level)
    session.commit()
    create_user("baotou", "region", "150200000000")
    tuyou, guyang = create_user("tuyou", "county", "150221000000"), create_user("guyang", "county", "150222000000")
    h1 = household(session, tuyou, "150221100201", "marginal", 3)
    h2 = household(session, tuyou, "150221100201", "unstable", 2)
    h3 = household(session, guyang, "150222100201", "marginal", 5)
    session.flush()
    history(session, h1, (MONITORED, date(2026, 2, 1), True), (ELIMINATED, date(2026, 8, 10), True))
    history(session, h2, (MONITORED, date(2026, 3, 1), True))
    history(session, h3, (MONITORED, date(2026, 3, 5), True))
    session.commit()
    clock.set(NOW)  # the third quarter is over


def test_a_leagues_bulletin_counts_and_ranks_its_banners(api, league):
    body = api("baotou").get("/reports/bulletin?quarter=2026Q3").json
    assert body["title"] == "包头市2026年第三季度防止返贫动态监测和帮扶工作通报"
    assert [(a["name"], a["eliminated"]["count"]) for a in body["areas"]] == [("土默特右旗", 1), ("固阳县", 0)]
    assert body["by_type_total"]["objects"]["households"] == 2 and body["by_type_total"]["objects"]["persons"] == 7
    assert [(r["rank"], r["name"], r["elimination_rate"]) for r in body["ranking"]["areas"]] == [
        (1, "土默特右旗", 0.5), (2, "固阳县", 0.0)]
    assert api("tuyou").get("/reports/bulletin?place=150200000000").status_code == 404


def test_a_task_at_the_place_itself_has_its_own_line_named_so(app, county, engine, session, actors, create_user):
    steps = Steps(engine, session, actors["designer"])
    steps.start(create_user("qiben", "village", COUNTY), "deadline", {"applied_on": "2026-11-23"}, COUNTY)
    html = page(app, "2026Q4")
    rows = table(html, "苏木乡镇（任务所在）")
    assert rows[-2:] == [["达茂旗（本级）", "1", "0", "0.0%"], ["合计", "4", "1", "25.0%"]]
    ranked = [(row[0], row[1]) for row in table(html, "名次")]  # the county's own tasks are no township's
    assert ranked == [("1", "查干哈达苏木"), ("2", "石宝镇"), ("2", "乌克忽洞镇"), ("4", "百灵庙镇")]  # HG: 1 of 1

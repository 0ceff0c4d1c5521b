"""The campaign's progress and 集中排查情况统计表, counted in SQL, against a small world counted by hand; the XLSX
read back with openpyxl and the PDF's text extracted."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from itertools import cycle

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from monitoring import campaign_reports, households
from monitoring.campaign_models import Campaign, CampaignCheck, CampaignUnit
from monitoring.change_models import HouseholdChange
from monitoring.id_number import check_digit
from monitoring.models import Household, MonitoringStatus, Place
from tests.conftest import CST
from web.campaigns import files

REGION, COUNTY, T1, T2 = "150000000000", "150223000000", "150223100000", "150223200000"
V1, V2, V3 = "150223100201", "150223100202", "150223200201"
OPENED = datetime(2026, 3, 2, 9, 0, tzinfo=CST)
TODAY = date(2026, 3, 25)  # the villages' day (10 Mar) and T1's (20 Mar) have passed; T2's (30 Mar) has not
MONITORED, ELIMINATED = MonitoringStatus.MONITORED, MonitoringStatus.ELIMINATED
_serial = cycle(range(100, 999))  # unique within a test (its own database); endless across a run


@dataclass(frozen=True)
class World:
    campaign_id: int
    households: dict[str, int]  # name -> id


def _household(session, actor, village: str, size: int, status: str = MonitoringStatus.NOT_MONITORED,
               kind: str | None = None, since: date | None = None, eliminated_on: date | None = None) -> Household:
    members = []
    for position in range(size):
        first17 = f"15022319800101{next(_serial):03d}"
        members.append({"name": f"成员{position}", "id_number": first17 + check_digit(first17),
                        "relation": "head" if position == 0 else "son"})
    household = households.create_household(session, actor, {"village": village, "members": members},
                                             datetime(2025, 1, 1, tzinfo=CST))
    household.monitoring_status, household.monitoring_type = status, kind
    household.monitored_since, household.eliminated_on = since, eliminated_on
    return household


def build_world(session, actors) -> World:
    """A campaign opened on 2 Mar 2026 over 自治区 → 达茂旗 → 百灵庙镇 (V1 艾力, V2 新宝力格), 查干哈达苏木 (V3).

    Units on ``TODAY``: V1 approved, V2 returned and V3 open (both late), 百灵庙镇 open and late (due 20 Mar),
    查干哈达苏木 open (due 30 Mar), the county and region open. Households:

    - V1: h1 monitored 边缘 since 2025 with 3 members, one of whom left (2 counted), checked; h2 monitored 不稳定
      identified 5 Mar (during) with 1 member, checked; h3 边缘 eliminated 10 Mar (during), 3 members; h4 an
      ordinary household; h5 不稳定 eliminated in Dec 2025 (before), 1 member;
    - V2: h6 monitored 突发 with 1 member; h7 merged into h6 (no longer counted);
    - V3: h8 monitored 边缘 with 2 members, checked.
    Natural changes: a death in h1 on 6 Mar and a birth on 1 Feb (before); a move out in h8 on 7 Mar.
    """
    county = actors["county"]
    made = {
        "h1": _household(session, county, V1, 3, MONITORED, "marginal", date(2025, 5, 1)),
        "h2": _household(session, county, V1, 1, MONITORED, "unstable", date(2026, 3, 5)),
        "h3": _household(session, county, V1, 3, ELIMINATED, "marginal", date(2025, 5, 1), date(2026, 3, 10)),
        "h4": _household(session, county, V1, 2),
        "h5": _household(session, county, V1, 1, ELIMINATED, "unstable", date(2025, 1, 5), date(2025, 12, 1)),
        "h6": _household(session, county, V2, 1, MONITORED, "sudden", date(2025, 8, 1)),
        "h7": _household(session, county, V2, 2),
        "h8": _household(session, county, V3, 2, MONITORED, "marginal", date(2025, 8, 1)),
    }
    session.flush()
    made["h7"].merged_into_id = made["h6"].id
    left = made["h1"].members[2]
    left.left_on = date(2026, 3, 6)
    places = {code: session.get(Place, code) for code in (REGION, COUNTY, T1, T2, V1, V2, V3)}
    campaign = Campaign(year=2026, place_code=REGION, place_path=places[REGION].path, income_line=Decimal("7500"),
                        deadlines={"village": "2026-03-10", "township": "2026-03-20", "county": "2026-03-31",
                                   "league": "2026-04-10", "region": "2026-04-10"},
                        opened_by="region", opened_at=OPENED)
    session.add(campaign)
    session.flush()
    units = [(REGION, None, date(2026, 4, 10), "open"), (COUNTY, REGION, date(2026, 3, 31), "open"),
             (T1, COUNTY, date(2026, 3, 20), "open"), (T2, COUNTY, date(2026, 3, 30), "open"),
             (V1, T1, date(2026, 3, 10), "approved"), (V2, T1, date(2026, 3, 10), "returned"),
             (V3, T2, date(2026, 3, 10), "open")]
    session.add_all(CampaignUnit(campaign_id=campaign.id, place_code=code, place_path=places[code].path,
                                 level=places[code].level, parent_code=parent, due_on=due, status=status)
                    for code, parent, due, status in units)
    session.add_all(CampaignCheck(campaign_id=campaign.id, household_id=made[name].id, checked_at=OPENED,
                                  checked_by="cun") for name in ("h1", "h2", "h8"))
    changes = [("h1", "death", date(2026, 3, 6)), ("h1", "birth", date(2026, 2, 1)),
               ("h8", "move_out", date(2026, 3, 7))]
    session.add_all(HouseholdChange(household_id=made[name].id, place_path=made[name].place_path, kind=kind,
                                    occurred_on=day, recorded_at=OPENED, recorded_by="cun")
                    for name, kind, day in changes)
    session.commit()
    return World(campaign.id, {name: h.id for name, h in made.items()})


@pytest.fixture
def world(session, actors) -> World:
    return build_world(session, actors)


def _progress(session, world: World, code: str, today: date = TODAY) -> campaign_reports.Progress:
    return campaign_reports.progress(session, session.get(Campaign, world.campaign_id), session.get(Place, code),
                                     today)


def _summary(session, world: World, code: str) -> campaign_reports.Summary:
    return campaign_reports.summary(session, session.get(Campaign, world.campaign_id), session.get(Place, code))


def test_the_county_sees_its_townships_villages_done_total_and_overdue_and_each_townships_own_state(session,
                                                                                                    world):
    found = _progress(session, world, COUNTY)
    assert [(r.place, r.done, r.total, r.overdue, r.unit.status, r.unit.overdue) for r in found.rows] == [
        (T1, 1, 2, 1, "open", True), (T2, 0, 1, 1, "open", False)]
    assert (found.own.status, found.own.due_on, found.own.overdue) == ("open", date(2026, 3, 31), False)
    assert (found.done, found.total, found.overdue) == (1, 3, 2)
    assert [u.place for u in found.late] == [T1]


def test_a_late_township_is_visible_to_the_region_two_levels_up(session, world):
    found = _progress(session, world, REGION)
    assert [(r.place, r.done, r.total, r.overdue, r.unit.overdue) for r in found.rows] == [(COUNTY, 1, 3, 2, False)]
    assert [(u.place, u.name, u.level, u.due_on) for u in found.late] == [
        (T1, "百灵庙镇", "township", date(2026, 3, 20))]


def test_a_township_sees_its_villages_and_a_village_only_its_own_unit(session, world):
    township = _progress(session, world, T1)
    assert [(r.place, r.done, r.total, r.overdue, r.unit.status) for r in township.rows] == [
        (V1, 1, 1, 0, "approved"), (V2, 0, 1, 1, "returned")]
    assert township.own.overdue and township.late == []
    village = _progress(session, world, V1)
    assert (village.rows, village.own.status, village.done, village.total, village.overdue) == (
        [], "approved", 1, 1, 0)


def test_nothing_is_overdue_on_its_due_day(session, world):
    found = _progress(session, world, COUNTY, today=date(2026, 3, 10))
    assert [r.overdue for r in found.rows] == [0, 0] and found.late == []


def test_the_summary_counts_objects_by_type_what_the_campaign_did_and_natural_changes_per_township(session,
                                                                                                   world):
    found = _summary(session, world, COUNTY)
    assert found.area_level == "township" and (found.starts_on, found.ends_on) == (date(2026, 3, 2), None)
    first, second = found.rows
    assert (first.place, first.households, first.checked) == (T1, 6, 2)
    assert (first.objects, first.object_persons) == (5, 8)
    assert first.by_type == {"marginal": [2, 5], "unstable": [2, 2], "sudden": [1, 1]}
    assert (first.identified, first.identified_persons, first.eliminated, first.eliminated_persons) == (1, 1, 1, 3)
    assert (first.at_risk, first.at_risk_persons, first.elimination_rate) == (3, 4, Decimal("25.0"))
    assert first.changes == {"death": 1, "birth": 1}  # the campaign year's: the birth of 1 Feb counts
    assert (second.place, second.households, second.checked, second.objects, second.object_persons) == (
        T2, 1, 1, 1, 2)
    assert (second.eliminated, second.elimination_rate, second.changes) == (0, Decimal("0.0"), {"move_out": 1})
    total = found.total
    assert (total.name, total.households, total.checked, total.objects, total.object_persons) == ("合计", 7, 3, 6, 10)
    assert (total.identified, total.eliminated, total.at_risk, total.at_risk_persons) == (1, 1, 4, 6)
    assert total.elimination_rate == Decimal("20.0")
    assert total.changes == {"death": 1, "birth": 1, "move_out": 1} and found.changes_from == date(2026, 1, 1)


def test_a_village_summary_is_its_own_row_and_a_closed_campaign_counts_until_it_closed(session, world):
    campaign = session.get(Campaign, world.campaign_id)
    campaign.status, campaign.closed_at = "closed", datetime(2026, 3, 8, 18, 0, tzinfo=CST)
    session.commit()
    found = _summary(session, world, V1)
    assert [row.place for row in found.rows] == [V1] and found.ends_on == date(2026, 3, 8)
    row = found.rows[0]
    assert (row.households, row.identified, row.eliminated, row.changes) == (5, 1, 0, {"death": 1, "birth": 1})
    assert row.elimination_rate == Decimal("0.0")


def test_an_area_without_objects_has_no_rate(session, world):
    session.get(Household, world.households["h8"]).monitoring_status = MonitoringStatus.NOT_MONITORED
    session.commit()
    second = _summary(session, world, COUNTY).rows[1]
    assert (second.objects, second.elimination_rate) == (0, None)


def test_the_progress_xlsx_reads_back_with_a_row_per_township(session, world):
    found = _progress(session, world, COUNTY)
    book = load_workbook(io.BytesIO(files.progress_xlsx(found, session.get(Campaign, world.campaign_id),
                                                        datetime(2026, 3, 25, 10, 30, tzinfo=CST))))
    rows = list(book.active.iter_rows(values_only=True))
    assert [row[0] for row in rows[:3]] == ["2026年度集中排查进度", "区划：达茂旗", "数据截至：2026年3月25日 10:30"]
    assert book.active["F5"].number_format == 'yyyy"年"m"月"d"日"'
    rows = rows[3:]
    assert rows[0][:6] == ("苏木乡镇", "已上报嘎查村", "嘎查村总数", "逾期嘎查村", "本级状态", "本级截止日期")
    assert rows[1][:6] == ("百灵庙镇", 1, 2, 1, "进行中（逾期）", datetime(2026, 3, 20))
    assert rows[2][:5] == ("查干哈达苏木", 0, 1, 1, "进行中")
    assert rows[3][:4] == ("合计", 1, 3, 2)


def test_the_summary_xlsx_reads_back_with_chinese_titles_and_the_total(session, world):
    found = _summary(session, world, COUNTY)
    book = load_workbook(io.BytesIO(files.summary_xlsx(found, datetime(2026, 3, 25, 10, 30, tzinfo=CST))))
    rows = list(book.active.iter_rows(values_only=True))
    assert [row[0] for row in rows[:4]] == [
        "2026年度集中排查情况统计表", "区划：达茂旗", "排查期间：2026年3月2日至今；人口自然变更（2026年1月1日至今）",
        "数据截至：2026年3月25日 10:30"]
    rows = rows[4:]
    titles = rows[0]
    assert titles[:3] == ("苏木乡镇", "应排查户数", "已核查户数")
    for title in ("监测对象（含已消除）户数", "监测对象（含已消除）人数", "边缘易致贫户户数", "边缘易致贫户人数",
                  "本次新识别户数", "本次风险消除户数", "风险消除率(%)", "风险未消除户数", "出生", "死亡", "迁出",
                  "合户"):
        assert title in titles
    total = dict(zip(titles, rows[-1], strict=True))
    assert (total["苏木乡镇"], total["应排查户数"], total["监测对象（含已消除）人数"], total["风险消除率(%)"]) == (
        "合计", 7, 10, 20.0)
    assert (total["边缘易致贫户户数"], total["边缘易致贫户人数"], total["死亡"], total["出生"]) == (3, 7, 1, 1)
    first = dict(zip(titles, rows[1], strict=True))
    assert (first["苏木乡镇"], first["风险未消除人数"], first["突发严重困难户户数"]) == ("百灵庙镇", 4, 1)


def test_the_summary_pdf_prints_the_title_place_table_and_signature_lines(session, world):
    found = _summary(session, world, COUNTY)
    pdf = files.summary_pdf(found, datetime(2026, 3, 25, 10, 30, tzinfo=CST))
    reader = PdfReader(io.BytesIO(pdf))
    box = reader.pages[0].mediabox
    assert box.width > box.height  # A4 landscape
    text = "".join(page.extract_text() for page in reader.pages).replace(" ", "").replace("\n", "")
    for expected in ("2026年度集中排查情况统计表", "达茂旗", "截至2026年3月25日10:30", "百灵庙镇", "查干哈达苏木",
                     "合计", "填报单位", "负责人", "填报人", "日期", "风险消除率"):
        assert expected in text, expected

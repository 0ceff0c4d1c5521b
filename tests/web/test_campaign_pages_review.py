"""The review of the campaign pages (issue 12, R2/R1): the below-line count against a hand count, the worklist's
order and actions, the summary's period and names, the files' headings, and the campaign API's scope."""

from __future__ import annotations

import io
from datetime import datetime
from decimal import Decimal

from openpyxl import load_workbook
from pypdf import PdfReader

from monitoring import campaign_reports, cases, households
from monitoring import campaign_worklist as worklist
from monitoring.campaign_models import Campaign, CampaignCheck
from monitoring.models import Household, Measurement, MonitoringStatus, Place
from tests.conftest import CST
from tests.web.test_campaign_pages import LATE, deployed, forms_dir, pages, text_of  # noqa: F401  (fixtures)
from tests.web.test_campaign_reports import COUNTY, T1, V1, V2, _household, world  # noqa: F401  (world: the fixture)
from web.campaigns import files

RECORDED = datetime(2026, 3, 3, 9, 0, tzinfo=CST)


def _measure(session, household_id: int, year: int, wage: str) -> None:
    session.add(Measurement(household_id=household_id, year=year, wage_income=Decimal(wage), recorded_at=RECORDED,
                            recorded_by="cun2"))


def test_below_the_line_counts_filters_and_badges_each_household_by_its_own_members(session, world, actors):  # noqa: F811
    """Line 7,500: h6 (1 person, 8,000) above; poor (2 persons, 10,000 → 5,000) below; well (2 persons, 20,000 →
    10,000) above. Hand count: one household below the line in 新宝力格嘎查."""
    poor = _household(session, actors["county"], V2, 2)
    well = _household(session, actors["county"], V2, 2)
    session.flush()
    _measure(session, world.households["h6"], 2026, "8000")
    _measure(session, poor.id, 2026, "10000")
    _measure(session, well.id, 2026, "20000")
    session.commit()
    campaign = session.get(Campaign, world.campaign_id)
    counts = worklist.worklist_counts(session, campaign, V2)
    assert (counts["households"], counts["measured"], counts["below_line"]) == (3, 3, 1)
    below = worklist.worklist(session, campaign, V2, only="below_line")
    assert [row.household_id for row in below.rows] == [poor.id] and below.total == 1
    badges = {row.household_id: row.this_year["below_line"] for row in worklist.worklist(session, campaign, V2).rows}
    assert badges == {world.households["h6"]: False, poor.id: True, well.id: False}


def test_the_campaign_api_answers_the_income_line_as_a_number_and_honours_place_like_the_summary(api, world):  # noqa: F811
    county = api("qi")
    body = county.get(f"/campaigns/{world.campaign_id}").json
    assert body["income_line"] == 7500 and isinstance(body["income_line"], float)
    township = county.get(f"/campaigns/{world.campaign_id}?place={T1}").json
    assert township["place"] == T1 and [r["place"] for r in township["progress"]] == [V1, V2]
    assert county.get(f"/campaigns/{world.campaign_id}?place=150000000000").status_code == 404
    assert api("cun").get(f"/campaigns/{world.campaign_id}?place={T1}").status_code == 404


def test_an_empty_summary_format_is_json_as_for_the_bulletin(api, world):  # noqa: F811
    response = api("qi").get(f"/campaigns/{world.campaign_id}/summary?format=")
    assert response.status_code == 200 and response.json["total"]["households"] == 7


def test_the_regions_progress_file_lists_the_late_township_as_its_page_does(pages, world, clock):  # noqa: F811
    clock.set(LATE)
    region = pages("qu")
    assert "百灵庙镇（苏木乡镇）截止2026年3月20日" in text_of(region.get(f"/campaigns/{world.campaign_id}").text)
    data = region.get(f"/campaigns/{world.campaign_id}/progress.xlsx").data
    rows = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    assert rows[0][0] == "2026年度集中排查进度" and rows[1][0] == "区划：自治区"
    assert rows[2][0] == "数据截至：2026年3月25日 09:00"
    names = [row[0] for row in rows[3:]]
    assert names == ["旗县", "达茂旗", "合计", "逾期未上报的下级", "百灵庙镇（苏木乡镇）"]
    assert rows[-1][4:6] == ("进行中（逾期）", datetime(2026, 3, 20))


def test_the_summary_names_its_objects_apart_from_the_panels_and_says_each_period(pages, world):  # noqa: F811
    page = text_of(pages("zhen").get(f"/campaigns/{world.campaign_id}?place={V1}").text)
    assert "监测对象（在监测）2" in page  # h1, h2: at risk now
    assert "监测对象（含已消除）" in page  # the summary's 4 households (h3, h5 eliminated)
    assert "人口自然变更（2026年1月1日至今）" in page and "排查期间2026年3月2日至今计" in page
    worklist_page = text_of(pages("zhen").get(f"/campaigns/{world.campaign_id}/villages/{V1}").text)
    assert "监测对象（在监测）2" in worklist_page


def _row(html: str, household_id: int) -> str:
    """The worklist row of a household (its cells up to the next row)."""
    start = html.index(f'href="/households/{household_id}"')
    return html[start:html.index("</tr>", start)]


def test_elimination_is_offered_beside_an_open_assistance_case_and_refused_by_its_own_rule(
        pages, world, deployed, session, actors, engine, clock):  # noqa: F811
    """h6 (monitored since Aug 2025) has its assistance case open, as every monitoring object does: the start rule
    allows an elimination, so the row offers it. A household identified this month gets the rule's reason instead."""
    h6 = session.get(Household, world.households["h6"])
    cases.start_after(engine, session, actors["county"], "assistance", h6, {})
    today = clock.now().astimezone(CST).date()
    new = _household(session, actors["county"], V2, 1, MonitoringStatus.MONITORED, "sudden", today)
    session.commit()
    html = pages("cun2").get(f"/campaigns/{world.campaign_id}/villages/{V2}").text
    offered = _row(html, h6.id)
    assert "帮扶办理中" in offered and f'href="/households/{h6.id}#eliminate"' in offered
    refused = text_of(_row(html, new.id))
    assert "#eliminate" not in _row(html, new.id)
    assert f"暂不能提出风险消除：{today.year}年{today.month}月识别纳入监测，不得当月识别、当月标注风险消除" in refused


def test_the_worklist_lists_monitoring_objects_first_then_unchecked_and_pages_in_that_order(session, world,  # noqa: F811
                                                                                           actors):
    """新宝力格嘎查: h6 (monitored, unchecked); two ordinary households registered before a monitoring object."""
    plain = [_household(session, actors["county"], V2, 1) for _ in range(2)]
    late_object = _household(session, actors["county"], V2, 1, MonitoringStatus.MONITORED, "marginal")
    session.flush()
    campaign = session.get(Campaign, world.campaign_id)
    session.add(CampaignCheck(campaign_id=campaign.id, household_id=plain[0].id, checked_at=RECORDED,
                              checked_by="cun2"))
    session.commit()
    expected = [world.households["h6"], late_object.id, plain[1].id, plain[0].id]
    assert [row.household_id for row in worklist.worklist(session, campaign, V2).rows] == expected
    first = worklist.worklist(session, campaign, V2, limit=3)
    rest = worklist.worklist(session, campaign, V2, limit=3, after=first.next_cursor)
    assert [r.household_id for r in first.rows + rest.rows] == expected and rest.next_cursor is None


def test_the_last_measurement_before_the_campaign_shows_and_prefills_the_form_as_money_is_typed(
        pages, world, session, actors):  # noqa: F811
    household = session.get(Household, world.households["h6"])
    households.record_measurement(session, household, {"year": 2026, "wage_income": "27934", "transfer_income":
                                                       "0.5"}, "cun2", datetime(2026, 2, 10, 9, 0, tzinfo=CST))
    session.commit()
    cadre = pages("cun2")
    base = f"/campaigns/{world.campaign_id}/villages/{V2}"
    row = text_of(_row(cadre.get(base).text, household.id))
    assert "27,934.50元（2026年2月10日测算）" in row
    form = cadre.get(f"{base}/households/{household.id}/measurement?only=monitored").text
    assert 'name="wage_income" inputmode="decimal" value="27934"' in form
    assert 'name="transfer_income" inputmode="decimal" value="0.50"' in form
    assert f'href="{base}?only=monitored"' in form  # the way back keeps the filter
    saved = cadre.post(f"{base}/households/{household.id}/measurement?only=monitored", {"wage_income": "3000"})
    assert saved.status_code == 302 and saved.headers["Location"].endswith(f"{base}?only=monitored")


def _printed(pdf: bytes) -> tuple[float, dict[str, tuple[float, float]]]:
    """The page's height and, for each line of text, where it stands (points from the bottom) and its type size."""
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    lines: dict[str, tuple[float, float]] = {}

    def visit(text, cm, tm, font, size):
        if text.strip() and tm[3]:
            lines.setdefault(text.strip(), (tm[5] * cm[3] + cm[5], size * tm[3] * cm[3]))

    page.extract_text(visitor_text=visit)
    return float(page.mediabox.height), lines


def test_the_summary_pdf_uses_the_sheet_in_readable_type(session, world):  # noqa: F811
    found = campaign_reports.summary(session, session.get(Campaign, world.campaign_id),
                                     session.get(Place, COUNTY))
    height, lines = _printed(files.summary_pdf(found, datetime(2026, 3, 25, 10, 30, tzinfo=CST)))
    total = next(place for text, place in lines.items() if text.startswith("合计"))
    signature = lines["填报单位（盖章）："]
    assert total[1] > 10.9 and signature[1] > 11.9  # was 8 pt and 10.5 pt
    assert signature[0] < height / 2  # the table and its signatures reach the lower half (was the top third)

"""``GET /api/v1/campaigns/{id}`` and ``/summary``: each caller reads its own place's progress and summary, a place
outside its scope or the campaign's is 404, the files download under their formats."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from pypdf import PdfReader

from monitoring import places
from tests.web.test_campaign_reports import COUNTY, T1, T2, V1, V2, world  # noqa: F401  (world: the fixture)


def test_the_county_reads_its_townships_progress_and_the_summary(api, world):  # noqa: F811
    body = api("qi").get(f"/campaigns/{world.campaign_id}").json
    assert (body["id"], body["year"], body["status"], body["place"], body["income_line"]) == (
        world.campaign_id, 2026, "open", COUNTY, 7500)
    assert body["deadlines"]["village"] == "2026-03-10"
    assert [(r["place"], r["name"], r["level"], r["done"], r["total"]) for r in body["progress"]] == [
        (T1, "百灵庙镇", "township", 1, 2), (T2, "查干哈达苏木", "township", 0, 1)]
    assert body["own"]["status"] == "open" and body["summary"]["total"]["objects"]["households"] == 6
    assert [r["place"] for r in body["summary"]["rows"]] == [T1, T2]


def test_a_village_sees_its_own_progress_only(api, world):  # noqa: F811
    village = api("cun")
    body = village.get(f"/campaigns/{world.campaign_id}").json
    assert (body["place"], body["progress"], body["own"]["place"], body["own"]["status"]) == (V1, [], V1, "approved")
    assert [r["place"] for r in body["summary"]["rows"]] == [V1]
    assert village.get(f"/campaigns/{world.campaign_id}/summary?place={V2}").status_code == 404
    assert village.get(f"/campaigns/{world.campaign_id}/summary?place={T1}").status_code == 404


def test_a_place_of_another_county_or_outside_the_campaign_is_not_found(api, world, session):  # noqa: F811
    places.add_place(session, "150221000000", "土默特右旗", "150000000000", "county")
    session.commit()
    county = api("qi")
    assert county.get(f"/campaigns/{world.campaign_id}/summary?place={T2}").json["rows"][0]["place"] == "150223200201"
    missing = county.get(f"/campaigns/{world.campaign_id}/summary?place=150221000000")
    assert missing.status_code == 404 and missing.json["error"]["code"] == "not_found"
    assert county.get(f"/campaigns/{world.campaign_id}/summary?place=150000000000").status_code == 404
    assert county.get(f"/campaigns/{world.campaign_id + 1}").status_code == 404


def test_a_line_department_sees_no_campaign(api, world, create_user):  # noqa: F811
    create_user("weijian", "department", COUNTY, "health")
    assert api("weijian").get(f"/campaigns/{world.campaign_id}").status_code == 404


def test_an_unknown_format_is_refused_naming_the_field(api, world):  # noqa: F811
    response = api("qi").get(f"/campaigns/{world.campaign_id}/summary?format=csv")
    assert response.status_code == 400 and "format" in response.json["error"]["fields"]


def test_the_summary_downloads_as_xlsx_and_pdf(api, world):  # noqa: F811
    county = api("qi")
    xlsx = county.get(f"/campaigns/{world.campaign_id}/summary?format=xlsx&place={T1}")
    assert xlsx.status_code == 200 and "xlsx" in xlsx.headers["Content-Disposition"]
    rows = list(load_workbook(io.BytesIO(xlsx.data)).active.iter_rows(values_only=True))
    assert [row[0] for row in rows[4:]] == ["嘎查村", "艾力嘎查", "新宝力格嘎查", "合计"]  # under 4 heading lines
    pdf = county.get(f"/campaigns/{world.campaign_id}/summary?format=pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text().replace(" ", "").replace("\n", "")
    assert "集中排查情况统计表" in text and "百灵庙镇" in text

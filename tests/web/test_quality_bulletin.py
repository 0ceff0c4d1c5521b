"""The quarterly bulletin's data-quality table, on both databases: the open findings of its place per check, errors
and warnings apart, the same in the JSON, the page (each line a link to its list), the XLSX and the PDF."""

from __future__ import annotations

import io
import re
from datetime import datetime

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from monitoring.models import Household
from monitoring.quality.catalogue import CHECKS, Check, Severity, Trip
from monitoring.quality.records import live_households
from monitoring.quality.runner import run_checks
from tests.conftest import CST
from tests.monitoring.quality.households import only_checks, scope, too_soon
from tests.monitoring.quality.test_runner import OTHER_VILLAGE_PATH
from tests.web.pages.conftest import PageClient

TITLE = "识别当月或次月即帮扶消除"


@pytest.fixture
def found(monkeypatch, session, actors, clock):
    """Q101 trips two households of the county (one closed since), and Q998, a warning, one of them."""
    only_checks(monkeypatch, "Q101")

    def warned(session_, scope_):
        rows = session_.execute(select(Household.id).where(live_households(scope_), Household.group_name == "warn"))
        return [Trip(household_id, {}) for household_id in rows.scalars()]

    monkeypatch.setitem(CHECKS, "Q998", Check("Q998", Severity.WARNING, "试验提示", "试验", ("group_name",), "试验",
                                              warned))
    warned_household = too_soon(session, group_name="warn")
    too_soon(session, village_code="150223200201", place_path=OTHER_VILLAGE_PATH)
    fixed = too_soon(session)
    run_checks(session, scope(), "county", clock.now())
    fixed.monitored_since = fixed.monitored_since.replace(year=2025)
    run_checks(session, scope(), "county", clock.now())
    session.commit()
    return warned_household


def test_the_bulletin_counts_the_open_findings_per_check(api, app, found):
    body = api("qi").get("/reports/bulletin").json["quality"]
    assert [(r["rule"], r["title"], r["errors"], r["warnings"]) for r in body["rules"]] == [
        ("Q101", TITLE, 2, 0), ("Q998", "试验提示", 0, 1)]
    assert body["total"] == {"title": "合计", "errors": 2, "warnings": 1, "list": "/quality/?place=150223000000"}
    assert body["rules"][0]["list"] == "/quality/?place=150223000000&rule=Q101"
    assert api("cun").get("/reports/bulletin?place=150223000000").status_code == 404

    page = PageClient(app, "qi").get("/dashboard/bulletin").get_data(as_text=True)
    table = re.search(r'<table class="[^"]*quality[^"]*">(.*?)</table>', page, re.S).group(1)
    assert re.search(rf'<a href="/quality/\?place=150223000000&amp;rule=Q101">{TITLE}</a></td>'
                     r'<td class="num" data-label="错误">2</td><td class="num" data-label="提示">0</td>', table)
    assert "尚未整改的数据质量问题" in page


def test_the_xlsx_and_the_pdf_have_the_quality_table(api, found):
    book = load_workbook(io.BytesIO(api("qi").get("/reports/bulletin?format=xlsx").data))
    rows = [list(row) for row in book["数据质量"].values]
    assert rows[2][0] == "七、数据质量问题（未整改，按规则）" and rows[3] == ["规则", "问题", "错误", "提示"]
    assert rows[4:7] == [["Q101", TITLE, 2, 0], ["Q998", "试验提示", 0, 1], ["合计", None, 2, 1]]
    pdf = PdfReader(io.BytesIO(api("qi").get("/reports/bulletin?format=pdf").data))
    text = re.sub(r"\s+", "", "".join(p.extract_text() for p in pdf.pages))
    assert "七、数据质量问题（未整改，按规则）" in text and f"Q101{TITLE}20" in text and "合计21" in text


def test_a_past_quarters_bulletin_counts_the_findings_open_at_its_end(api, session, clock, found):
    clock.set(datetime(2026, 4, 20, 9, 0, tzinfo=CST))
    found.group_name = ""  # Q998's warning corrected in the second quarter
    too_soon(session)  # and a new household tripping Q101
    run_checks(session, scope(), "county", clock.now())
    session.commit()
    first = api("qi").get("/reports/bulletin?quarter=2026Q1").json["quality"]
    assert [(r["rule"], r["errors"], r["warnings"]) for r in first["rules"]] == [("Q101", 2, 0), ("Q998", 0, 1)]
    assert first["as_of"] == "2026-04-01T00:00:00+08:00"
    second = api("qi").get("/reports/bulletin?quarter=2026Q2").json["quality"]
    assert [(r["rule"], r["errors"], r["warnings"]) for r in second["rules"]] == [("Q101", 3, 0)]


def test_a_bulletin_without_findings_says_so(app, actors):
    page = PageClient(app, "qi").get("/dashboard/bulletin").get_data(as_text=True)
    assert "没有未整改的数据质量问题" in page

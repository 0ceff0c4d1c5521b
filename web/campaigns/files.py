"""The campaign's tables as files: the progress and the 集中排查情况统计表 as XLSX (``web.exports.workbook``), the
summary as an A4 landscape PDF to sign (``templates/documents/campaign_summary.html``). Pages and API call these."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Response

from engine.calendar import CHINA_TZ
from monitoring.campaign_models import Campaign
from monitoring.campaign_reports import CHANGE_KINDS, UNIT_STATUS_NAMES, Progress, Summary, SummaryRow, UnitState
from monitoring.documents.render import render_pdf
from monitoring.models import LEVEL_NAMES
from web.downloads import PDF, send_download
from web.exports import XLSX, Column, workbook
from web.templating import cn_date, cn_datetime

OBJECTS_ALL = "监测对象（含已消除）"  # the summary's: every monitoring object; the worklist counts those 在监测


def level_name(level: str) -> str:
    return LEVEL_NAMES.get(level, "区划")


def unit_state_text(unit: UnitState | None) -> str:
    """进行中, 已上报 …, with （逾期） when the unit is late; a place without a unit has no state."""
    if unit is None:
        return ""
    return UNIT_STATUS_NAMES.get(unit.status, unit.status) + ("（逾期）" if unit.overdue else "")


@dataclass(frozen=True)
class ProgressLine:
    """A line of the progress sheet: a child place, the total, or (below them) a late unit further down."""

    name: str
    done: int | None = None
    total: int | None = None
    overdue: int | None = None
    unit: UnitState | None = None


def progress_lines(found: Progress) -> list[ProgressLine]:
    """The page's two tables in one sheet: a line per child place and the total, then every late unit below the
    child level (a late township at its region), as the page lists them under 逾期未上报的下级."""
    lines = [ProgressLine(row.name, row.done, row.total, row.overdue, row.unit) for row in found.rows]
    lines.append(ProgressLine("合计", found.done, found.total, found.overdue))
    if found.late:
        lines.append(ProgressLine("逾期未上报的下级"))
        lines += [ProgressLine(f"{unit.name}（{level_name(unit.level)}）", unit=unit) for unit in found.late]
    return lines


def progress_columns(found: Progress) -> list[Column[ProgressLine]]:
    return [Column(level_name(found.rows[0].level if found.rows else found.place.level), lambda r: r.name, width=24),
            Column("已上报嘎查村", lambda r: r.done, "int", 12), Column("嘎查村总数", lambda r: r.total, "int", 12),
            Column("逾期嘎查村", lambda r: r.overdue, "int", 12),
            Column("本级状态", lambda r: unit_state_text(r.unit), width=16),
            Column("本级截止日期", lambda r: r.unit.due_on if r.unit else None, "cn_date", 16)]


def progress_title(campaign: Campaign) -> str:
    return f"{campaign.year}年度集中排查进度"


def progress_xlsx(found: Progress, campaign: Campaign, as_of: datetime) -> bytes:
    """The progress sheet under its title, place and as-of time."""
    preamble = [progress_title(campaign), f"区划：{found.place.name}", f"数据截至：{cn_datetime(as_of)}"]
    return workbook("排查进度", progress_columns(found), [progress_lines(found)], preamble)


def summary_headings(found: Summary) -> list[tuple[str, Callable[[SummaryRow], Any], str]]:
    """(title, value, kind) of each column of the 集中排查情况统计表, as a county's statistics table has them."""
    columns: list[tuple[str, Callable[[SummaryRow], Any], str]] = [
        (level_name(found.area_level), lambda r: r.name, "text"),
        ("应排查户数", lambda r: r.households, "int"), ("已核查户数", lambda r: r.checked, "int"),
        (f"{OBJECTS_ALL}户数", lambda r: r.objects, "int"), (f"{OBJECTS_ALL}人数", lambda r: r.object_persons, "int")]
    for code, name in found.types.items():
        columns += [(f"{name}户数", lambda r, c=code: r.by_type.get(c, [0, 0])[0], "int"),
                    (f"{name}人数", lambda r, c=code: r.by_type.get(c, [0, 0])[1], "int")]
    columns += [("本次新识别户数", lambda r: r.identified, "int"),
                ("本次新识别人数", lambda r: r.identified_persons, "int"),
                ("本次风险消除户数", lambda r: r.eliminated, "int"),
                ("本次风险消除人数", lambda r: r.eliminated_persons, "int"),
                ("风险消除率(%)", lambda r: r.elimination_rate, "money"),
                ("风险未消除户数", lambda r: r.at_risk, "int"), ("风险未消除人数", lambda r: r.at_risk_persons, "int")]
    columns += [(name, lambda r, k=kind: r.changes.get(k, 0), "int") for kind, name in CHANGE_KINDS.items()]
    return columns


def summary_xlsx(found: Summary, as_of: datetime) -> bytes:
    columns = [Column(title, value, kind, width=18 if kind == "text" else 10)
               for title, value, kind in summary_headings(found)]
    preamble = [summary_title(found), f"区划：{found.place.name}", f"排查期间：{summary_period(found)}；"
                f"{changes_heading(found)}", f"数据截至：{cn_datetime(as_of)}"]
    return workbook("集中排查情况统计表", columns, [[*found.rows, found.total]], preamble)


def summary_period(found: Summary) -> str:
    """The campaign's days: 本次新识别 and 本次风险消除 count in them."""
    return f"{cn_date(found.starts_on)}至{cn_date(found.ends_on) if found.ends_on else '今'}"


def summary_title(found: Summary) -> str:
    return f"{found.campaign.year}年度集中排查情况统计表"


def changes_heading(found: Summary) -> str:
    """人口自然变更 with the period it counts (the campaign year, not the campaign's days)."""
    return f"人口自然变更（{cn_date(found.changes_from)}至{cn_date(found.ends_on) if found.ends_on else '今'}）"


def summary_header_rows(found: Summary) -> tuple[list[tuple[str, int, int]], list[str]]:
    return header_rows([title for title, _, _ in summary_headings(found)], changes_heading(found))


def header_rows(titles: list[str], changes_title: str = "人口自然变更") -> tuple[list[tuple[str, int, int]], list[str]]:
    """The table's two heading rows: (title, colspan, rowspan) of the groups, then the sub-headings under them —
    户/人 under a count of households followed by its persons, the kinds under ``changes_title``; any other column
    spans both rows."""
    changes = set(CHANGE_KINDS.values())
    groups: list[tuple[str, int, int]] = []
    subs: list[str] = []
    index = 0
    while index < len(titles):
        title = titles[index]
        following = titles[index + 1] if index + 1 < len(titles) else ""
        if title.endswith("户数") and following == title[:-2] + "人数":
            groups.append((title[:-2], 2, 1))
            subs += ["户", "人"]
            index += 2
            continue
        if title in changes:
            if groups and groups[-1][0] == changes_title:
                groups[-1] = (changes_title, groups[-1][1] + 1, 1)
            else:
                groups.append((changes_title, 1, 1))
            subs.append(title)
        else:
            groups.append((title, 1, 2))
        index += 1
    return groups, subs


PDF_ROWS_MM = 110  # what A4 landscape leaves to the table's rows under its title, headings, note and signatures


def pdf_row_height(rows: int) -> int:
    """Millimetres per row so that the rows (areas and total) fill the sheet: 18 for a county's few townships, 7 at
    the least, when a township's many villages run on to a second page."""
    return max(7, min(18, PDF_ROWS_MM // max(rows, 1)))


def summary_pdf(found: Summary, as_of: datetime) -> bytes:
    """The table on A4 landscape with its title, place, period, as-of time and the lines to sign."""
    headings = summary_headings(found)

    def cells(row: SummaryRow) -> list[str]:
        return ["—" if value is None else str(value) for value in (value(row) for _, value, _ in headings)]

    period = summary_period(found)
    groups, subs = summary_header_rows(found)
    return render_pdf("campaign_summary.html", {
        "title": summary_title(found), "place": found.place.name, "period": period,
        "row_mm": pdf_row_height(len(found.rows) + 1),
        "as_of": cn_datetime(as_of).replace(" ", ""), "groups": groups, "subs": subs,
        "rows": [cells(row) for row in found.rows], "total": cells(found.total),
        "rate_note": "风险消除率＝本次风险消除户数÷（本次风险消除户数＋风险未消除户数）×100%",
    })


def summary_download(found: Summary, wanted: str, now: datetime) -> Response:
    """The summary as an XLSX or PDF download, named by its title, place and day."""
    body = summary_xlsx(found, now) if wanted == "xlsx" else summary_pdf(found, now)
    return _download(body, f"{summary_title(found)}_{found.place.name}", f"campaign-summary-{found.place.code}",
                     wanted, now)


def progress_download(found: Progress, campaign: Campaign, now: datetime) -> Response:
    return _download(progress_xlsx(found, campaign, now), f"{progress_title(campaign)}_{found.place.name}",
                     f"campaign-progress-{found.place.code}",
                     "xlsx", now)


def _download(body: bytes, title: str, stem: str, suffix: str, at: datetime) -> Response:
    """``2026年度集中排查情况统计表_达茂旗_2026-03-25.xlsx``."""
    day = at.astimezone(CHINA_TZ).date().isoformat()
    return send_download(body, f"{title}_{day}.{suffix}", f"{stem}-{day}", XLSX if suffix == "xlsx" else PDF)

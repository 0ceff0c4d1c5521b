"""The quarterly bulletin as files: an XLSX with one sheet per table and an A4 PDF, both written from the same
``tables`` — the page's figures, without its links — so the three can never disagree."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from flask import Response, render_template
from openpyxl import Workbook
from openpyxl.styles import Font

from engine.errors import InvalidData
from monitoring.bulletin_ranking import CRITERIA
from web.dashboard.bulletin import AREA_COLUMNS, TYPE_COUNTS, Bulletin, notes, period
from web.downloads import PDF, send_download
from web.exports import XLSX

FILE_FORMATS = ("xlsx", "pdf")
NUMBER_FORMATS = {"int": "0", "percent": "0.0%"}
_UNIT = re.compile(r"(.+)（(.+)）")  # 季末监测对象（户）: a column of a group, under the group's title in the PDF


@dataclass(frozen=True)
class Table:
    """One table of the bulletin: its numbered title, a short sheet name, a header, the rows (the total last) with
    each column's kind (text, int, percent: a share, None when it has no base) and the notes printed under it."""

    title: str
    sheet: str
    header: list[str]
    kinds: list[str]
    rows: list[list[Any]]
    notes: list[str]

    def header_rows(self) -> list[list[HeaderCell]]:
        """The header as the PDF prints it: neighbouring columns of one title (季末监测对象（户）, （人）) under that
        title spanning them, each with just its unit, so a narrow A4 column never holds a long title."""
        groups: list[tuple[str, list[int]]] = []
        for index, title in enumerate(self.header):
            match = _UNIT.fullmatch(title)
            group = match.group(1) if match else None
            if group and groups and groups[-1][0] == group:
                groups[-1][1].append(index)
            else:
                groups.append((group or title, [index]))
        if all(len(columns) == 1 for _, columns in groups):
            return [[HeaderCell(title, self.kinds[i] != "text") for i, title in enumerate(self.header)]]
        top: list[HeaderCell] = []
        under: list[HeaderCell] = []
        for group, columns in groups:
            numeric = self.kinds[columns[0]] != "text"
            if len(columns) == 1:
                top.append(HeaderCell(self.header[columns[0]], numeric, rows=2))
            else:
                top.append(HeaderCell(group, numeric, columns=len(columns)))
                under += [HeaderCell(_UNIT.fullmatch(self.header[i]).group(2), numeric) for i in columns]
        return [top, under]


@dataclass(frozen=True)
class HeaderCell:
    text: str
    numeric: bool
    columns: int = 1
    rows: int = 1


def percent(value: float | Fraction | None) -> str:
    """A share as the page and the PDF print it: 12.5%, or — when there is nothing to divide by."""
    return "—" if value is None else f"{float(value):.1%}"


def file_format(args: Any) -> str | None:
    """``format=xlsx|pdf`` (None for the page itself); anything else is refused naming the field."""
    asked = args.get("format") or None
    if asked not in (None, *FILE_FORMATS):
        raise InvalidData("不支持的格式", {"format": "应为 xlsx 或 pdf"})
    return asked


def tables(found: Bulletin) -> list[Table]:
    """Every table of the bulletin in the page's order."""
    explained = notes(found)
    level = found.area_level
    type_header = ["监测类型"] + [f"{title}（{unit}）" for title in TYPE_COUNTS.values() for unit in ("户", "人")]
    type_rows = [[line.name] + [n for key in TYPE_COUNTS
                                for n in (line.figures[key].households.value, line.figures[key].persons)]
                 for line in [*found.types, found.types_total]]
    area_rows = [[line.name] + [line.figures[key].value for key in AREA_COLUMNS]
                 for line in [*found.areas, found.total]]
    task_rows = [[r.name, r.open_tasks, r.overdue, r.share if r.open_tasks else None]
                 for r in [*found.tasks, found.tasks_total]]
    step_rows = [[p.name, f"{i}. {s.name}", s.reached.value, s.late.value]
                 for p in found.processes for i, s in enumerate(p.steps, start=1)]
    change_rows = [[name, n] for name, n in found.changes] + [["合计", sum(n for _, n in found.changes)]]
    ranking_rows = [[r.rank, r.standing.name, _share(r.standing.overdue_share), r.standing.late_cases,
                     r.standing.objects_at_start, r.standing.eliminated, _share(r.standing.elimination_rate)]
                    for r in found.ranking]
    quality_rows = [[line.rule, line.title, line.errors, line.warnings] for line in found.quality]
    quality_rows.append(["合计", "", found.quality_total.errors, found.quality_total.warnings])
    return [
        Table("一、监测对象（按监测类型）", "监测对象", type_header, ["text"] + ["int"] * 8, type_rows,
              [explained["types"]]),
        Table(f"二、本季度识别与消除情况（按{level}）", "识别与消除", [level, *AREA_COLUMNS.values()],
              ["text"] + ["int"] * len(AREA_COLUMNS), area_rows, [explained["areas"]]),
        Table(f"三、待办任务逾期情况（按{level}）", "待办任务逾期",
              [f"{level}（任务所在）", "未办结任务", "其中逾期", "逾期率"], ["text", "int", "int", "percent"],
              task_rows, [explained["tasks"]]),
        Table("四、案件办理（按办理步骤）", "办理步骤", ["流程", "步骤", "到达案件", "其中逾期"],
              ["text", "text", "int", "int"], step_rows, [explained["steps"]]),
        Table("五、人口自然变更（按变更类型）", "人口自然变更", ["变更类型", "件数"], ["text", "int"], change_rows,
              [explained["changes"]]),
        Table(f"六、{level}排名", f"{level}排名",
              ["名次", level, "任务逾期率", "逾期办理案件", "季初监测对象（户）", "本季度风险消除（户）", "风险消除率"],
              ["int", "text", "percent", "int", "int", "int", "percent"], ranking_rows,
              ["排名规则：", *CRITERIA]),
        Table("七、数据质量问题（未整改，按规则）", "数据质量", ["规则", "问题", "错误", "提示"],
              ["text", "text", "int", "int"], quality_rows, [explained["quality"]]),
    ]


def _share(value: Fraction | None) -> float | None:
    return None if value is None else float(value)


def xlsx_bytes(found: Bulletin) -> bytes:
    """One sheet per table: the bulletin's title and as-of time, the table's title, its header (bold), its rows with
    numbers as numbers (shares as percentages) and its notes."""
    book = Workbook()
    book.remove(book.active)
    for table in tables(found):
        sheet = book.create_sheet(table.sheet[:31])
        sheet.append([found.title])
        sheet.append([period(found)])
        sheet.append([table.title])
        sheet.append(table.header)
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append(row)
            for cell, kind in zip(sheet[sheet.max_row], table.kinds, strict=True):
                if kind == "text":
                    cell.data_type = "s"  # a name typed as =HYPERLINK(…) stays text (web.exports)
                else:
                    cell.number_format = NUMBER_FORMATS[kind]
        for note in table.notes:
            sheet.append([note])
        sheet[1][0].font = Font(bold=True, size=14)
        sheet.column_dimensions["A"].width = 22
        sheet.column_dimensions["B"].width = 18
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def pdf_bytes(found: Bulletin) -> bytes:
    """The A4 PDF (WeasyPrint): the title, the as-of time and every table with its notes; it fetches nothing."""
    from weasyprint import HTML  # costs ~0.5 s to import: only when a PDF is asked

    html = render_template("dashboard/bulletin_pdf.html", b=found, period=period(found), tables=tables(found),
                           percent=percent)
    return HTML(string=html, url_fetcher=_refuse).write_pdf()


def _refuse(url: str, *args: Any, **kwargs: Any) -> Any:
    raise ValueError(f"the bulletin's PDF fetches nothing ({url})")


def download(found: Bulletin, asked: str) -> Response:
    """The file asked for, named 「达茂旗2026年第四季度…通报_2026Q4.xlsx」."""
    content, mimetype = (xlsx_bytes(found), XLSX) if asked == "xlsx" else (pdf_bytes(found), PDF)
    return send_download(content, f"{found.title}_{found.quarter.code}.{asked}",
                         f"bulletin-{found.place.code}-{found.quarter.code}", mimetype)


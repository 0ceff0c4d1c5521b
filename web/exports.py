"""Every list exports to XLSX here: the page's filters, Chinese column titles, dates as dates, amounts as numbers.

Rows are read in keyset chunks (``engine.paging.walk``) and written by openpyxl's write-only workbook, which keeps
only the current row in memory; an export stops at EXPORT_MAX_ROWS and says so in its last row, since a sheet that
large is a sign the filters are missing, and one request should not hold a worker for minutes.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar

from flask import Response
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from engine.calendar import CHINA_TZ
from web.downloads import send_download

T = TypeVar("T")
EXPORT_MAX_ROWS = 10_000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = {"date": "yyyy-mm-dd", "cn_date": 'yyyy"年"m"月"d"日"', "datetime": "yyyy-mm-dd hh:mm", "money": "#,##0.00",
           "int": "0", "text": "@"}


@dataclass(frozen=True)
class Column(Generic[T]):
    """A column of an export: its Chinese title, how to read it from a row, and its kind (a key of FORMATS)."""

    title: str
    value: Callable[[T], Any]
    kind: str = "text"
    width: int = 14


def wants_xlsx(args: Any) -> bool:
    return args.get("format") == "xlsx"


def _cell_value(value: Any, kind: str) -> Any:
    """Excel has no time zones: a moment is written as China's wall-clock time; money as a number."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        local = value.astimezone(CHINA_TZ).replace(tzinfo=None)
        return local.date() if kind in ("date", "cn_date") else local
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date | int | float):
        return value
    return str(value)


def _text_safe(cell: WriteOnlyCell) -> WriteOnlyCell:
    """openpyxl stores any text starting with ``=`` as a formula: a name typed as ``=HYPERLINK(…)`` would run
    in the reader's Excel. Text from rows is always stored as text."""
    if isinstance(cell.value, str):
        cell.data_type = "s"
    return cell


def workbook(title: str, columns: list[Column[T]], chunks: Iterable[list[T]], preamble: Iterable[str] = ()) -> bytes:
    """The sheet: the ``preamble`` lines (a report's title, place, as-of) if any, a bold row of column titles, then
    one row per item; a last row if the export was cut at EXPORT_MAX_ROWS."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    for index, column in enumerate(columns):
        sheet.column_dimensions[get_column_letter(index + 1)].width = column.width
    lines = list(preamble)
    sheet.freeze_panes = f"A{len(lines) + 2}"
    for number, line in enumerate(lines):
        cell = _text_safe(WriteOnlyCell(sheet, line))
        cell.font = Font(bold=True, size=14 if number == 0 else 11)
        sheet.append([cell])
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, column.title)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    written = 0
    for chunk in chunks:
        for item in chunk:
            row = []
            for column in columns:
                cell = _text_safe(WriteOnlyCell(sheet, _cell_value(column.value(item), column.kind)))
                cell.number_format = FORMATS[column.kind]
                row.append(cell)
            sheet.append(row)
            written += 1
    if written >= EXPORT_MAX_ROWS:
        sheet.append([f"仅导出前 {EXPORT_MAX_ROWS} 行，请缩小筛选范围后分次导出"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def xlsx_response(title: str, stem: str, columns: list[Column[T]], chunks: Iterable[list[T]], at: datetime) -> Response:
    """The download, named by its Chinese title and the date (``农牧户_2026-03-02.xlsx``)."""
    day = at.astimezone(CHINA_TZ).date().isoformat()
    return send_download(workbook(title, columns, chunks), f"{title}_{day}.xlsx", f"{stem}-{day}", XLSX)

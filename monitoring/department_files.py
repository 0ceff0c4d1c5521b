"""Department data uploads for the data comparison (数据比对, process A step 6).

A line department uploads one dataset (vehicles, house purchases, …) keyed by resident ID number; the
county strikes the eight exclusions with it. A file is taken whole or not at all: every bad row is
listed at once, so the department fixes its export in one go instead of one error per upload.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import PurePath

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from engine.errors import InvalidData
from monitoring.id_number import check_id_number, normalize_id_number


@dataclass(frozen=True)
class Dataset:
    """What a dataset proves (exclusion code) and which departments may upload it."""

    label: str
    exclusion: str
    departments: tuple[str, ...]


DATASETS: dict[str, Dataset] = {
    "formal_employees": Dataset("机关事业单位及国有企业在职人员", "E1", ("hrss", "finance")),
    "payroll": Dataset("财政供养人员工资发放", "E1", ("finance",)),
    "vehicles": Dataset("机动车登记", "E3", ("police",)),
    "house_purchases": Dataset("城镇购房登记", "E4", ("housing",)),
    "company_registrations": Dataset("市场主体登记", "E5", ("market",)),
    "schooling": Dataset("高收费学校就读及出国留学", "E7", ("education",)),
    "deposits": Dataset("大额存款", "E2", ("pboc",)),
    "large_growers": Dataset("种养大户", "E2", ("agriculture",)),
    "compensation": Dataset("拆迁征地补偿", "E6", ("housing", "agriculture")),
    "village_officials": Dataset("在职村干部固定补贴", "E8", ("finance", "civil")),
}

ID_HEADERS = ("身份证号", "身份证号码", "公民身份号码", "id_number")
NAME_HEADERS = ("姓名", "name")
ONLY_HOME_HEADERS = ("是否唯一住房", "is_only_home")
YES, NO = "是", "否"
HEADER_ROW = 1
_SCIENTIFIC = re.compile(r"^\d(\.\d+)?E\+\d+$", re.IGNORECASE)


@dataclass(frozen=True)
class DepartmentRow:
    """One person found in a department's data; ``excluded`` is False when the row is an excepted case."""

    row_number: int
    id_number: str
    name: str
    excluded: bool
    evidence: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RowProblem:
    """Why one row (or the header, row 1) was refused: spreadsheet row, column as headed in the file, reason."""

    row: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"第{self.row}行" + (f" {self.field}" if self.field else "")
        return f"{where}：{self.message}"


class DepartmentFileError(InvalidData):
    """The upload was refused; nothing from it was imported. ``problems`` lists every bad row."""

    code = "invalid_department_file"

    def __init__(self, problems: list[RowProblem]) -> None:
        fields = {(f"第{p.row}行 {p.field}" if p.field else f"第{p.row}行"): p.message for p in problems}
        super().__init__(f"文件未导入，共{len(problems)}处问题", fields)
        self.problems = problems

    def __str__(self) -> str:
        return f"{self.args[0]}：" + "；".join(str(p) for p in self.problems)


def datasets_for_department(department: str) -> list[str]:
    """Datasets a department may upload, in declaration order."""
    return [key for key, dataset in DATASETS.items() if department in dataset.departments]


def parse_department_file(filename: str, content: bytes, dataset: str) -> list[DepartmentRow]:
    """Every data row of an uploaded .csv or .xlsx file, or DepartmentFileError listing all bad rows."""
    if dataset not in DATASETS:
        raise _refused(f"未知的数据集：{dataset}")
    suffix = PurePath(filename).suffix.lower()
    if suffix == ".csv":
        return _read_records(_csv_rows(content), dataset, ragged=False)
    if suffix == ".xlsx":
        return _read_records(_xlsx_rows(content), dataset, ragged=True)
    raise _refused("不支持的文件类型，请上传 .csv 或 .xlsx 文件")


def _refused(message: str) -> DepartmentFileError:
    """A refusal of the whole file, reported against the header row."""
    return DepartmentFileError([RowProblem(HEADER_ROW, "", message)])


def _csv_rows(content: bytes) -> list[tuple[int, list[object]]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise _refused("无法识别文件编码，请保存为 UTF-8 或 GB18030 编码的 CSV")
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise _refused(f"CSV 格式错误：{exc}") from exc
    return [(number, list(cells)) for number, cells in enumerate(records, start=1)]


def _xlsx_rows(content: bytes) -> list[tuple[int, list[object]]]:
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise _refused("无法读取 Excel 文件，请确认是 .xlsx 格式且未加密") from exc
    try:
        if not workbook.worksheets:
            raise _refused("Excel 文件中没有工作表")
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # some exporters write a wrong <dimension>; read what is really there
        # Rows come back as long as their last stored cell (gaps filled), numbered as Excel shows them.
        return [(number, list(values)) for number, values in enumerate(sheet.iter_rows(values_only=True), start=1)]
    finally:
        workbook.close()


def _read_records(rows: list[tuple[int, list[object]]], dataset: str, ragged: bool) -> list[DepartmentRow]:
    """Rows to records; ``ragged`` (xlsx) means a short row only lacks trailing empty cells."""
    rows = [(number, cells) for number, cells in rows if not _blank(cells)]
    if not rows:
        raise _refused("文件为空，第一行应为表头")
    header_row, header_cells = rows[0]
    headers = [_text(cell) for cell in header_cells]
    while headers and not headers[-1]:
        headers.pop()
    id_col, name_col, home_col = _check_header(header_row, headers, dataset)

    result: list[DepartmentRow] = []
    problems: list[RowProblem] = []
    for number, cells in rows[1:]:
        if ragged and len(cells) < len(headers):
            cells = cells + [None] * (len(headers) - len(cells))
        if len(cells) < len(headers) or any(_text(cell) for cell in cells[len(headers):]):
            width = len(cells) if len(cells) < len(headers) else len(headers) + _extra(cells[len(headers):])
            problems.append(RowProblem(number, "", f"列数不符：本行{width}列，表头{len(headers)}列"))
            continue
        row_problems: list[RowProblem] = []
        id_number = _id_number(number, headers[id_col], cells[id_col], row_problems)
        name = _text(cells[name_col])
        if not name:
            row_problems.append(RowProblem(number, headers[name_col], "姓名不能为空"))
        excluded = True
        if home_col is not None:
            answer = _text(cells[home_col])
            if answer not in (YES, NO):
                row_problems.append(RowProblem(number, headers[home_col], "应填“是”或“否”"))
            excluded = answer != YES
        problems.extend(row_problems)
        if not row_problems:
            evidence = {headers[i]: _text(cells[i]) for i in range(len(headers)) if i not in (id_col, name_col)}
            result.append(DepartmentRow(number, id_number, name, excluded, evidence))
    if problems:
        raise DepartmentFileError(problems)
    return result


def _check_header(row: int, headers: list[str], dataset: str) -> tuple[int, int, int | None]:
    problems: list[RowProblem] = []
    for index, header in enumerate(headers):
        if not header:
            problems.append(RowProblem(row, f"第{index + 1}列", "表头为空"))
        elif headers.index(header) != index:
            problems.append(RowProblem(row, header, "表头重复"))
    id_col = _find(headers, ID_HEADERS, row, problems)
    name_col = _find(headers, NAME_HEADERS, row, problems)
    home_col = _find(headers, ONLY_HOME_HEADERS, row, problems) if dataset == "house_purchases" else None
    if problems or id_col is None or name_col is None:
        raise DepartmentFileError(problems)
    return id_col, name_col, home_col


def _find(headers: list[str], aliases: tuple[str, ...], row: int, problems: list[RowProblem]) -> int | None:
    found = [index for index, header in enumerate(headers) if header.lower() in aliases]
    if not found:
        problems.append(RowProblem(row, aliases[0], f"缺少必需的列（表头可写作：{'、'.join(aliases)}）"))
        return None
    if len(found) > 1:
        problems.append(RowProblem(row, aliases[0], f"列重复：{'、'.join(headers[i] for i in found)}"))
        return None
    return found[0]


def _id_number(row: int, header: str, cell: object, problems: list[RowProblem]) -> str:
    if isinstance(cell, float):
        problems.append(RowProblem(row, header, "单元格为数字格式，末几位可能已丢失，请将该列设为文本格式后重新导出"))
        return ""
    text = _text(cell)
    if _SCIENTIFIC.match(text):
        problems.append(RowProblem(row, header, "身份证号被保存为科学计数法，请将该列设为文本格式后重新导出"))
        return ""
    problem = check_id_number(text)
    if problem is not None:
        problems.append(RowProblem(row, header, problem))
        return ""
    return normalize_id_number(text)


def _text(cell: object) -> str:
    """A cell as evidence text: dates ISO, whole numbers without '.0', booleans 是/否."""
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return YES if cell else NO
    if isinstance(cell, datetime):
        if cell.time() == time(0):
            return cell.date().isoformat()
        return cell.isoformat(sep=" ", timespec="seconds")
    if isinstance(cell, date | time):
        return cell.isoformat()
    if isinstance(cell, timedelta):
        return str(cell)
    if isinstance(cell, float):
        return str(int(cell)) if cell.is_integer() and abs(cell) < 1e15 else repr(cell)
    return str(cell).strip()


def _blank(cells: list[object]) -> bool:
    return not any(_text(cell) for cell in cells)


def _extra(cells: list[object]) -> int:
    """How many trailing cells beyond the header hold data (trailing empties are exporter padding)."""
    filled = [i for i, cell in enumerate(cells) if _text(cell)]
    return filled[-1] + 1 if filled else 0

"""Department uploads: whole files in, every bad row named, nothing half-imported."""

import io
from datetime import date, datetime

import pytest
from openpyxl import Workbook

from engine.errors import InvalidData
from monitoring.department_files import (
    DATASETS,
    DepartmentFileError,
    RowProblem,
    datasets_for_department,
    parse_department_file,
)

# Valid numbers (check digits worked out by hand from the GB 11643 weights).
PEOPLE = [
    ("11010519491231002X", "王秀英"),
    ("150203199001011232", "巴特尔"),
    ("150203199001011240", "其其格"),
    ("152622198506150076", "张建国"),
    ("440524188001010014", "李明"),
    ("150102197003012537", "赵敏"),
]


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    return "\r\n".join(",".join(row) for row in rows).encode(encoding) + b"\r\n"


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def vehicle_rows() -> list[list[str]]:
    rows = [["身份证号", "姓名", "号牌号码", "车辆类型"]]
    rows += [[number, name, f"蒙B{index:05d}", "小型轿车"] for index, (number, name) in enumerate(PEOPLE)]
    return rows


def problems_of(excinfo) -> list[tuple[int, str, str]]:
    return [(p.row, p.field, p.message) for p in excinfo.value.problems]


def test_a_good_csv_gives_every_row_with_its_evidence():
    rows = parse_department_file("车辆.csv", csv_bytes(vehicle_rows()), "vehicles")
    assert [(r.row_number, r.id_number, r.name) for r in rows] == [
        (index + 2, number, name) for index, (number, name) in enumerate(PEOPLE)
    ]
    assert rows[0].evidence == {"号牌号码": "蒙B00000", "车辆类型": "小型轿车"}
    assert all(r.excluded for r in rows)


def test_a_bom_csv_and_a_lowercase_x_and_blank_lines():
    content = "\ufeff身份证号码,姓名,登记日期\r\n\r\n11010519491231002x, 王秀英 ,2024-05-01\r\n,,\r\n".encode()
    rows = parse_department_file("DATA.CSV", content, "company_registrations")
    assert len(rows) == 1
    assert (rows[0].row_number, rows[0].id_number, rows[0].name) == (3, "11010519491231002X", "王秀英")
    assert rows[0].evidence == {"登记日期": "2024-05-01"}


def test_a_gb18030_csv_from_an_old_excel_is_read():
    content = csv_bytes([["公民身份号码", "姓名", "补偿金额"], ["150203199001011232", "巴特尔", "380000"]], "gb18030")
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")
    rows = parse_department_file("compensation.csv", content, "compensation")
    assert (rows[0].name, rows[0].evidence) == ("巴特尔", {"补偿金额": "380000"})


def test_one_bad_check_digit_on_row_7_refuses_the_whole_file():
    rows = vehicle_rows()
    rows[6][0] = "150102197003012530"  # row 7 of the sheet: header + 5 people + this one
    with pytest.raises(DepartmentFileError) as excinfo:
        parse_department_file("车辆.csv", csv_bytes(rows), "vehicles")
    assert problems_of(excinfo) == [(7, "身份证号", "校验位错误，应为7")]
    assert str(excinfo.value) == "文件未导入，共1处问题：第7行 身份证号：校验位错误，应为7"
    assert isinstance(excinfo.value, InvalidData)
    assert excinfo.value.fields == {"第7行 身份证号": "校验位错误，应为7"}


def test_every_bad_row_is_listed_at_once():
    content = csv_bytes([
        ["id_number", "name", "存款余额"],
        ["11010519491231002X", "王秀英", "500000"],
        ["150203199002301238", "", "1"],
        ["15020319900101123", "巴特尔", "2"],
        ["150203199001011240", "其其格"],
        ["152622198506150076", "张建国", "3", "多余"],
        ["1.50203E+17", "李明", "4"],
    ])
    with pytest.raises(DepartmentFileError) as excinfo:
        parse_department_file("deposits.csv", content, "deposits")
    assert problems_of(excinfo) == [
        (3, "id_number", "出生日期无效"),
        (3, "name", "姓名不能为空"),
        (4, "id_number", "应为18位，实际为17位"),
        (5, "", "列数不符：本行2列，表头3列"),
        (6, "", "列数不符：本行4列，表头3列"),
        (7, "id_number", "身份证号被保存为科学计数法，请将该列设为文本格式后重新导出"),
    ]


def test_trailing_empty_cells_from_an_exporter_are_not_a_column_error():
    content = csv_bytes([["身份证号", "姓名", ""], ["11010519491231002X", "王秀英", "", ""]])
    assert parse_department_file("x.csv", content, "payroll")[0].evidence == {}


@pytest.mark.parametrize(("header", "field", "message"), [
    (["姓名", "号牌号码"], "身份证号", "缺少必需的列（表头可写作：身份证号、身份证号码、公民身份号码、id_number）"),
    (["身份证号", "号牌号码"], "姓名", "缺少必需的列（表头可写作：姓名、name）"),
    (["身份证号", "公民身份号码", "姓名"], "身份证号", "列重复：身份证号、公民身份号码"),
    (["身份证号", "姓名", "备注", "备注"], "备注", "表头重复"),
    (["身份证号", "", "姓名"], "第2列", "表头为空"),
])
def test_header_problems_are_reported_against_row_1(header, field, message):
    content = csv_bytes([header, ["11010519491231002X"] * len(header)])
    with pytest.raises(DepartmentFileError) as excinfo:
        parse_department_file("vehicles.csv", content, "vehicles")
    assert problems_of(excinfo) == [(1, field, message)]


@pytest.mark.parametrize(("filename", "content", "dataset", "message"), [
    ("a.csv", b"", "vehicles", "文件为空，第一行应为表头"),
    ("a.csv", b"x", "pets", "未知的数据集：pets"),
    ("a.xls", b"x", "vehicles", "不支持的文件类型，请上传 .csv 或 .xlsx 文件"),
    ("a.txt", b"x", "vehicles", "不支持的文件类型，请上传 .csv 或 .xlsx 文件"),
    ("a.xlsx", b"not a zip", "vehicles", "无法读取 Excel 文件，请确认是 .xlsx 格式且未加密"),
    ("a.csv", b"\xff\xfe\x00\x81\x30", "vehicles", "无法识别文件编码，请保存为 UTF-8 或 GB18030 编码的 CSV"),
])
def test_files_refused_before_any_row(filename, content, dataset, message):
    with pytest.raises(DepartmentFileError) as excinfo:
        parse_department_file(filename, content, dataset)
    assert problems_of(excinfo) == [(1, "", message)]


def test_a_header_only_file_has_no_rows():
    assert parse_department_file("a.csv", csv_bytes([["身份证号", "姓名"]]), "schooling") == []


def test_house_purchases_the_only_home_is_kept_but_not_an_exclusion():
    content = csv_bytes([
        ["身份证号", "姓名", "是否唯一住房", "房屋坐落"],
        ["11010519491231002X", "王秀英", "是", "达拉特旗树林召镇"],
        ["150203199001011232", "巴特尔", "否", "包头市昆都仑区"],
    ])
    rows = parse_department_file("购房.csv", content, "house_purchases")
    assert [(r.name, r.excluded) for r in rows] == [("王秀英", False), ("巴特尔", True)]
    assert rows[0].evidence == {"是否唯一住房": "是", "房屋坐落": "达拉特旗树林召镇"}


def test_house_purchases_need_the_only_home_column_and_a_yes_or_no():
    with pytest.raises(DepartmentFileError) as excinfo:
        parse_department_file("a.csv", csv_bytes([["身份证号", "姓名"], ["11010519491231002X", "王秀英"]]),
                              "house_purchases")
    assert problems_of(excinfo) == [(1, "是否唯一住房", "缺少必需的列（表头可写作：是否唯一住房、is_only_home）")]
    content = csv_bytes([["身份证号", "姓名", "is_only_home"], ["11010519491231002X", "王秀英", "不详"]])
    with pytest.raises(DepartmentFileError) as excinfo:
        parse_department_file("a.csv", content, "house_purchases")
    assert problems_of(excinfo) == [(2, "is_only_home", "应填“是”或“否”")]


def test_the_only_home_column_is_ignored_for_other_datasets():
    content = csv_bytes([["身份证号", "姓名", "是否唯一住房"], ["11010519491231002X", "王秀英", "是"]])
    assert parse_department_file("a.csv", content, "vehicles")[0].excluded is True


def test_a_good_xlsx_with_dates_numbers_and_booleans_as_text():
    content = xlsx_bytes([
        ["身份证号", "姓名", "注册日期", "核准时间", "注册资本", "比例", "是否存续", "备注"],
        ["11010519491231002X", "王秀英", date(2023, 4, 5), datetime(2023, 4, 5, 9, 30), 500000, 0.25, True, None],
        ["150203199001011232", "巴特尔", datetime(2024, 1, 2), None, 12.0, None, False, "  个体  "],
    ])
    rows = parse_department_file("市场主体.xlsx", content, "company_registrations")
    assert [r.row_number for r in rows] == [2, 3]
    assert rows[0].evidence == {
        "注册日期": "2023-04-05", "核准时间": "2023-04-05 09:30:00", "注册资本": "500000", "比例": "0.25",
        "是否存续": "是", "备注": "",
    }
    assert rows[1].evidence["注册日期"] == "2024-01-02"
    assert rows[1].evidence["注册资本"] == "12"
    assert rows[1].evidence["是否存续"] == "否"
    assert rows[1].evidence["备注"] == "个体"


def test_xlsx_row_numbers_count_blank_rows_and_short_rows_are_padded():
    content = xlsx_bytes([
        ["身份证号", "姓名", "种植面积（亩）"],
        [],
        ["11010519491231002X", "王秀英"],
        [None, None, None],
        ["150203199001011233", "巴特尔", 300],
    ])
    with pytest.raises(DepartmentFileError) as excinfo:
        parse_department_file("growers.xlsx", content, "large_growers")
    assert problems_of(excinfo) == [(5, "身份证号", "校验位错误，应为2")]


def test_an_id_number_stored_as_a_number_in_excel_is_refused_with_the_cure():
    # A spreadsheet keeps numbers as doubles: even an exact int is written as 1.502031990010112e+17.
    content = xlsx_bytes([["身份证号", "姓名"], [1.50203199001011e17, "巴特尔"], [150203199001011232, "其其格"]])
    with pytest.raises(DepartmentFileError) as excinfo:
        parse_department_file("payroll.xlsx", content, "payroll")
    cure = "单元格为数字格式，末几位可能已丢失，请将该列设为文本格式后重新导出"
    assert problems_of(excinfo) == [(2, "身份证号", cure), (3, "身份证号", cure)]


def test_every_dataset_names_an_exclusion_and_departments():
    assert {d.exclusion for d in DATASETS.values()} == {f"E{n}" for n in range(1, 9)}
    assert datasets_for_department("finance") == ["formal_employees", "payroll", "village_officials"]
    assert datasets_for_department("housing") == ["house_purchases", "compensation"]
    assert datasets_for_department("water") == []


def test_row_problem_reads_as_a_sentence():
    assert str(RowProblem(3, "姓名", "姓名不能为空")) == "第3行 姓名：姓名不能为空"
    assert str(RowProblem(1, "", "文件为空")) == "第1行：文件为空"

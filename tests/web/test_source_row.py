"""A department's record as the hit pages show it: one line, its ISO dates as Chinese dates."""

from web.templating import source_row


def test_a_source_row_reads_as_one_line_with_chinese_dates():
    fields = {"号牌号码": "蒙K12345", "登记日期": "2024-05-03", "错写日期": "2024-13-45", "排量": 1.6}
    assert source_row(fields) == "号牌号码：蒙K12345；登记日期：2024年5月3日；错写日期：2024-13-45；排量：1.6"
    assert source_row(None) == ""

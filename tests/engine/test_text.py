"""The text rule and the column limits, on plain values (no database)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import Column, Numeric, String

from engine.limits import INTEGER_MAX, numeric_capacity, row_id, string_length, to_decimal
from engine.text import TextError, clean_text, read_text

NAME, AMOUNT = Column("name", String(50)), Column("amount", Numeric(12, 2))


@pytest.mark.parametrize(("value", "stored"), [
    ("  巴特尔 ", "巴特尔"),
    ("\ufeff巴特尔\u200b", "巴特尔"),  # a pasted BOM or a trailing zero-width space
    ("\u3000巴特尔\r\n", "巴特尔"),  # an ideographic space, a pasted line end
    ("Cafe\u0301", "Café"),  # NFC: one code point, as a search types it
    ("敖\u200d登", "敖\u200d登"),  # format characters inside a name stay
])
def test_names_are_stored_trimmed_and_composed(value, stored):
    assert clean_text(value, 50) == stored


@pytest.mark.parametrize(("value", "reason"), [
    ("", "姓名必填"),
    ("   ", "姓名必填"),
    (None, "姓名必填"),
    ("\u200b", "姓名不能只有空白或不可见字符"),
    ("\u200b\u200c\ufeff\u2060", "姓名不能只有空白或不可见字符"),
    ("巴特\x00尔", "姓名不能包含换行或控制字符"),
    ("巴特\n尔", "姓名不能包含换行或控制字符"),
    ("巴特\x7f尔", "姓名不能包含换行或控制字符"),
    ("巴特\x85尔", "姓名不能包含换行或控制字符"),  # C1 control
    ("巴特尔\x1f", "姓名不能包含换行或控制字符"),  # a blank to str.isspace, a control character all the same
    ("\x0b巴特尔", "姓名不能包含换行或控制字符"),
    ("\u202e尔特巴", "姓名不能包含文字方向控制字符"),
    ("巴\u2067特尔", "姓名不能包含文字方向控制字符"),
    ("巴特\ud800尔", "姓名包含无效字符"),
    ("巴" * 51, "姓名不能超过50个字"),
    (["巴特尔"], "姓名应为文本"),
    (5, "姓名应为文本"),
])
def test_names_that_cannot_be_stored_are_refused_with_the_reason(value, reason):
    with pytest.raises(TextError) as caught:
        clean_text(value, 50, label="姓名")
    assert caught.value.reason == reason


def test_multi_line_text_keeps_its_lines_but_no_other_control_character():
    assert clean_text("第一行\r\n\t第二行\n", 500, multiline=True) == "第一行\n\t第二行"
    with pytest.raises(TextError):
        clean_text("第一行\x1b第二行", 500, multiline=True)


def test_optional_text_may_be_blank_and_read_text_notes_every_problem():
    problems: dict[str, str] = {}
    assert read_text(None, "note", problems, 200, required=False) == ""
    assert read_text("\u200b", "note", problems, 200, required=False) == ""
    assert read_text("a\x00", "group", problems, 50, label="村民小组") == ""
    assert read_text("x" * 51, "phone", problems, 50) == ""
    assert problems == {"group": "村民小组不能包含换行或控制字符", "phone": "不能超过50个字"}


def test_limits_are_read_from_the_columns():
    assert string_length(NAME) == 50
    assert numeric_capacity(AMOUNT) == Decimal("9999999999.99")
    assert numeric_capacity(Column("rate", Numeric(5, 3))) == Decimal("99.999")


@pytest.mark.parametrize(("value", "amount"), [(8900, Decimal("8900.00")), ("8900.5", Decimal("8900.50")),
                                               (0.1, Decimal("0.10")), (Decimal("9999999999.99"),
                                                                        Decimal("9999999999.99"))])
def test_amounts_are_rounded_to_the_columns_cents(value, amount):
    assert to_decimal(value, AMOUNT, positive=True) == amount


@pytest.mark.parametrize(("value", "reason"), [
    ("NaN", "应为金额"), ("sNaN", "应为金额"), ("Infinity", "应为金额"), ("-inf", "应为金额"),
    (float("nan"), "应为金额"), (float("inf"), "应为金额"),
    ("六千", "应为金额"), (True, "应为金额"), ([], "应为金额"), (None, "应为金额"),
    ("1e20", "不能大于9999999999.99"), (1e300, "不能大于9999999999.99"), (10**30, "不能大于9999999999.99"),
    ("10000000000", "不能大于9999999999.99"), ("1e999999999", "不能大于9999999999.99"),
    (-5, "应为大于0的金额"), (-(10**30), "应为大于0的金额"), ("0", "应为大于0的金额"), ("0.001", "应为大于0的金额"),
])
def test_amounts_that_no_column_holds_are_refused(value, reason):
    with pytest.raises(ValueError) as caught:
        to_decimal(value, AMOUNT, positive=True)
    assert str(caught.value) == reason


def test_a_zero_amount_is_fine_where_it_need_not_be_positive():
    assert to_decimal(0, AMOUNT) == Decimal("0.00")
    with pytest.raises(ValueError, match="不能小于0"):
        to_decimal(-1, AMOUNT)


@pytest.mark.parametrize(("text", "value"), [("12", 12), (str(INTEGER_MAX), INTEGER_MAX), (str(INTEGER_MAX + 1), None),
                                             ("1" * 5000, None), ("", None), ("-1", None), ("١٢", None),
                                             ("²", None), ("12a", None)])
def test_a_row_id_is_ascii_digits_within_the_integer_columns(text, value):
    assert row_id(text) == value

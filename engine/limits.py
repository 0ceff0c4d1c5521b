"""What a column can hold, read from the column itself: input beyond it is refused at its field, never
left to fail in the database (SQLite overflows on integers past 64 bits, PostgreSQL on 32-bit ``integer``
and on ``numeric(12, 2)`` past ten digits)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

INTEGER_MIN, INTEGER_MAX = -(2**31), 2**31 - 1  # Integer columns (ids, years, counts) on PostgreSQL


def fits_integer(value: int) -> bool:
    return INTEGER_MIN <= value <= INTEGER_MAX


def row_id(text: str) -> int | None:
    """The id written in ``text`` (ASCII digits) if some row could have it, else None."""
    text = text.strip()
    if not (text.isascii() and text.isdigit() and len(text) <= len(str(INTEGER_MAX))):
        return None
    value = int(text)
    return value if fits_integer(value) else None


def string_length(column: Any) -> int:
    """The length of a ``String(n)`` column (a mapped attribute such as ``Member.name``)."""
    return column.type.length


def numeric_capacity(column: Any) -> Decimal:
    """The largest value of a ``Numeric(p, s)`` column: 9999999999.99 for ``Numeric(12, 2)``."""
    kind = column.type
    return Decimal(10) ** (kind.precision - kind.scale) - Decimal(10) ** -kind.scale


def to_decimal(value: Any, column: Any, *, positive: bool = False) -> Decimal:
    """``value`` (a number or its text) rounded to the column's scale; ``ValueError`` with the reason when it
    is not a finite amount, is negative (or zero when ``positive``), or exceeds what the column holds."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise ValueError("应为金额")
    try:
        amount = Decimal(value.strip() if isinstance(value, str) else str(value))
    except (InvalidOperation, ValueError):
        raise ValueError("应为金额") from None
    if not amount.is_finite():
        raise ValueError("应为金额")
    floor = "应为大于0的金额" if positive else "不能小于0"
    if amount < 0:
        raise ValueError(floor)
    capacity = numeric_capacity(column)
    if amount > capacity:
        raise ValueError(f"不能大于{capacity}")
    amount = amount.quantize(Decimal(10) ** -column.type.scale)
    if positive and amount == 0:
        raise ValueError(floor)
    return amount

"""Resident ID numbers (GB 11643-1999) and disability certificate numbers.

Every member row, authorization letter and department comparison is keyed by the ID number, so a typo
must be caught where it is typed, with a reason the cadre can act on.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Any

from engine import clock
from engine.calendar import CHINA_TZ

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"

# First two digits: provinces of GB/T 2260, plus 81/82/83 (residence permits of Hong Kong, Macao, Taiwan residents).
PROVINCE_CODES = frozenset({
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
    "71", "81", "82", "83",
})
EARLIEST_BIRTH = date(1880, 1, 1)  # the standard's own example is born 1880-01-01

# Second-generation disability certificate: ID number + category (1-7) + grade (1-4).
DISABILITY_CATEGORIES = {
    "1": "视力残疾", "2": "听力残疾", "3": "言语残疾", "4": "肢体残疾", "5": "智力残疾", "6": "精神残疾",
    "7": "多重残疾",
}
DISABILITY_GRADES = {"1": "一级", "2": "二级", "3": "三级", "4": "四级"}


def normalize_id_number(value: str) -> str:
    """Full-width characters to ASCII, surrounding blanks removed, a lowercase x made upper-case."""
    return unicodedata.normalize("NFKC", value).strip().upper()


def check_digit(first17: str) -> str:
    """The 18th character for 17 leading digits (ISO 7064 MOD 11-2)."""
    total = sum(int(ch) * weight for ch, weight in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def _today() -> date:
    """Today in China by the engine's clock (a training server's FANGPIN_CLOCK included)."""
    return clock.now().astimezone(CHINA_TZ).date()


def check_id_number(value: str, today: date | None = None) -> str | None:
    """None when ``value`` is a valid resident ID number, else the reason in Chinese."""
    number = normalize_id_number(value)
    if not number:
        return "不能为空"
    if len(number) != 18:
        return f"应为18位，实际为{len(number)}位"
    if not number[:17].isascii() or not number[:17].isdigit():
        return "前17位应为数字"
    if number[17] not in "0123456789X":
        return "第18位应为数字或X"
    if number[:2] not in PROVINCE_CODES:
        return "地址码无效"
    born = _parse_birth(number[6:14])
    if born is None or born < EARLIEST_BIRTH or born > (today or _today()):
        return "出生日期无效"
    expected = check_digit(number[:17])
    if number[17] != expected:
        return f"校验位错误，应为{expected}"
    return None


def birth_date(id_number: str) -> date:
    """Birth date encoded in a valid ID number; ValueError otherwise."""
    number = _valid(id_number)
    born = _parse_birth(number[6:14])
    assert born is not None  # checked by _valid
    return born


def sex_from_id(id_number: str) -> str:
    """Sex as 男 or 女, from the 17th digit (odd is male)."""
    return "男" if int(_valid(id_number)[16]) % 2 else "女"


def mask_id_number(value: str) -> str:
    """First 4 and last 4 characters kept, the rest starred, for screens that need no full number."""
    number = normalize_id_number(value)
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def check_disability_number(value: str, id_number: str | None = None, today: date | None = None) -> str | None:
    """None when ``value`` is a valid disability certificate number, else the reason in Chinese.

    When the holder's ``id_number`` is given, the certificate must belong to that person.
    """
    number = normalize_id_number(value)
    if not number:
        return "不能为空"
    if len(number) != 20:
        return f"应为20位（身份证号加2位残疾类别和等级），实际为{len(number)}位"
    problem = check_id_number(number[:18], today)
    if problem is not None:
        return f"前18位身份证号{problem}"
    if number[18] not in DISABILITY_CATEGORIES:
        return "第19位残疾类别应为1至7"
    if number[19] not in DISABILITY_GRADES:
        return "第20位残疾等级应为1至4"
    if id_number is not None and number[:18] != normalize_id_number(id_number):
        return "前18位应与本人身份证号一致"
    return None


def disability_of(number: str) -> tuple[str, str]:
    """(category, grade) in Chinese, e.g. ("肢体残疾", "二级"), from a valid certificate number."""
    problem = check_disability_number(number)
    if problem is not None:
        raise ValueError(f"残疾证号无效：{problem}")
    number = normalize_id_number(number)
    return DISABILITY_CATEGORIES[number[18]], DISABILITY_GRADES[number[19]]


def _valid(id_number: str) -> str:
    problem = check_id_number(id_number)
    if problem is not None:
        raise ValueError(f"身份证号无效：{problem}")
    return normalize_id_number(id_number)


def _parse_birth(digits: str) -> date | None:
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None


_ID_IN_TEXT = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?:[0-9]{2})?(?![0-9])")


_DIGIT, _GAP = "[0-9０-９]", "[-－ ]?"  # a recorder types 138-1234-5678, 138 1234 5678 or full-width digits too
_PHONE_IN_TEXT = re.compile(rf"(?<!{_DIGIT})([1１][3-9３-９]{_DIGIT}|[0０]{_DIGIT}{{2,3}}{_GAP}){_GAP}"
                            rf"({_DIGIT}{{3,4}}){_GAP}({_DIGIT}{{4}})(?!{_DIGIT})")


def mask_personal_numbers_in(value: Any) -> Any:
    """The value with ID numbers and phone numbers inside its strings masked, at any depth: what reviewers read of
    free text a recorder typed (an objection, a reason) or of case data, where neither number helps a decision."""
    if isinstance(value, str):
        return _PHONE_IN_TEXT.sub(lambda m: m.group(1) + "****" + m.group(3), mask_id_numbers_in(value))
    if isinstance(value, dict):
        return {key: mask_personal_numbers_in(item) for key, item in value.items()}
    if isinstance(value, list):
        return [mask_personal_numbers_in(item) for item in value]
    return value


def mask_id_numbers_in(value: Any) -> Any:
    """The value with every ID (or disability certificate) number inside its strings masked, at any depth:
    case data and its history are seen by every level, and ID numbers belong only to the steps that need them."""
    if isinstance(value, str):
        return _ID_IN_TEXT.sub(lambda match: mask_id_number(match.group()), value)
    if isinstance(value, dict):
        return {key: mask_id_numbers_in(item) for key, item in value.items()}
    if isinstance(value, list):
        return [mask_id_numbers_in(item) for item in value]
    return value

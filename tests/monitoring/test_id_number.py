"""Resident ID and disability certificate numbers: the check digit, the date, the shape, and the reason given."""

from datetime import date

import pytest

from monitoring.id_number import (
    birth_date,
    check_disability_number,
    check_id_number,
    disability_of,
    mask_id_number,
    mask_id_numbers_in,
    mask_personal_numbers_in,
    normalize_id_number,
    sex_from_id,
)

WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def with_check_digit(first17: str) -> str:
    """Independent of the module: ISO 7064 MOD 11-2 as GB 11643 prints it."""
    remainder = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11
    return first17 + "10X98765432"[remainder]


@pytest.mark.parametrize("number", [
    "11010519491231002X",  # the classic example
    "440524188001010014",  # GB 11643-1999's own example, born 1880-01-01
    "150203199001011232",
    "150203199001011240",
    "152622198506150076",
])
def test_known_valid_numbers(number):
    assert check_id_number(number) is None


@pytest.mark.parametrize("first17", [
    "15020319900101123", "15010219700301253", "63010220000229001", "81000019991231999",
])
def test_numbers_built_with_their_check_digit_are_valid(first17):
    assert check_id_number(with_check_digit(first17)) is None


def test_lowercase_x_and_full_width_characters_are_accepted_and_normalized():
    assert check_id_number("11010519491231002x") is None
    assert check_id_number(" １１０１０５１９４９１２３１００２ｘ ") is None
    assert normalize_id_number("11010519491231002x") == "11010519491231002X"


def test_a_wrong_check_digit_says_which_digit_is_expected():
    assert check_id_number("110105194912310021") == "校验位错误，应为X"
    assert check_id_number("15020319900101123X") == "校验位错误，应为2"


@pytest.mark.parametrize("birth", ["19900230", "19000229", "19901301", "19900100", "18791231"])
def test_an_impossible_birth_date_is_refused(birth):
    assert check_id_number(with_check_digit(f"150203{birth}123")) == "出生日期无效"


def test_leap_day_is_a_real_date():
    assert check_id_number(with_check_digit("15020320000229123")) is None


def test_a_birth_date_in_the_future_is_refused():
    number = with_check_digit("15020320260302123")
    assert check_id_number(number, today=date(2026, 3, 2)) is None
    assert check_id_number(number, today=date(2026, 3, 1)) == "出生日期无效"


@pytest.mark.parametrize(("value", "reason"), [
    ("", "不能为空"),
    ("   ", "不能为空"),
    ("11010519491231002", "应为18位，实际为17位"),
    ("11010519491231002X1", "应为18位，实际为19位"),
    ("110105491231002", "应为18位，实际为15位"),
])
def test_wrong_length(value, reason):
    assert check_id_number(value) == reason


@pytest.mark.parametrize(("value", "reason"), [
    ("1101051949123100AX", "前17位应为数字"),
    ("11010519491231-02X", "前17位应为数字"),
    ("11010519491231002Y", "第18位应为数字或X"),
    ("11010519491231002?", "第18位应为数字或X"),
])
def test_letters_and_symbols(value, reason):
    assert check_id_number(value) == reason


def test_an_unknown_province_code_is_refused():
    assert check_id_number(with_check_digit("00010519491231002")) == "地址码无效"
    assert check_id_number(with_check_digit("99010519491231002")) == "地址码无效"


def test_birth_date_and_sex():
    assert birth_date("11010519491231002X") == date(1949, 12, 31)
    assert birth_date("11010519491231002x") == date(1949, 12, 31)
    assert sex_from_id("11010519491231002X") == "女"
    assert sex_from_id("440524188001010014") == "男"
    assert sex_from_id(with_check_digit("15020319900101123")) == "男"
    assert sex_from_id(with_check_digit("15020319900101124")) == "女"


def test_birth_date_and_sex_refuse_an_invalid_number():
    with pytest.raises(ValueError, match="校验位错误"):
        birth_date("110105194912310021")
    with pytest.raises(ValueError, match="出生日期无效"):
        sex_from_id(with_check_digit("15020319900230123"))


def test_mask_keeps_the_first_and_last_four():
    assert mask_id_number("150203199001011232") == "1502**********1232"
    assert mask_id_number("11010519491231002x") == "1101**********002X"
    assert mask_id_number("11010519491231002X42") == "1101************2X42"
    assert mask_id_number("1234") == "****"


def test_disability_certificate_number_is_the_id_and_two_digits():
    assert check_disability_number("11010519491231002X42") is None
    assert check_disability_number("11010519491231002x71") is None
    assert check_disability_number("11010519491231002X42", id_number="11010519491231002x") is None
    assert disability_of("11010519491231002X42") == ("肢体残疾", "二级")


@pytest.mark.parametrize(("value", "reason"), [
    ("", "不能为空"),
    ("11010519491231002X", "应为20位（身份证号加2位残疾类别和等级），实际为18位"),
    ("11010519491231002X4", "应为20位（身份证号加2位残疾类别和等级），实际为19位"),
    ("11010519491231002142", "前18位身份证号校验位错误，应为X"),
    ("11010519491231002X82", "第19位残疾类别应为1至7"),
    ("11010519491231002X05", "第19位残疾类别应为1至7"),
    ("11010519491231002X45", "第20位残疾等级应为1至4"),
    ("11010519491231002X4A", "第20位残疾等级应为1至4"),
])
def test_bad_disability_numbers(value, reason):
    assert check_disability_number(value) == reason


def test_a_disability_certificate_of_someone_else_is_refused():
    reason = check_disability_number("11010519491231002X42", id_number="440524188001010014")
    assert reason == "前18位应与本人身份证号一致"
    with pytest.raises(ValueError, match="残疾类别"):
        disability_of("11010519491231002X92")


def test_id_numbers_are_masked_wherever_they_appear_in_case_data():
    members = [{"name": "巴特尔", "id_number": "150203199001011232"},
               {"name": "其木格", "note": "证号11010519491231002x42"}]
    masked = mask_id_numbers_in({"after": {"members": members, "count": 2, "phone": "13900001234"}})
    assert masked == {"after": {"members": [{"name": "巴特尔", "id_number": "1502**********1232"},
                                            {"name": "其木格", "note": "证号1101************2X42"}],
                                "count": 2, "phone": "13900001234"}}


def test_free_text_shown_to_reviewers_has_id_and_phone_numbers_masked():
    text = "王五13812345678，座机0471-6612345，证号150203199001011232，收入15206元，日期20260302"
    assert mask_personal_numbers_in({"by": [text]}) == {
        "by": ["王五138****5678，座机0471-****2345，证号1502**********1232，收入15206元，日期20260302"]}

"""Form validation holds every answer to what can be stored, beyond what JSON Schema checks."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from engine.clock import FrozenClock
from engine.core import Engine
from engine.errors import InvalidData
from engine.forms import FormValidator

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = {
    "type": "object",
    "properties": {
        "income": {"type": "number", "minimum": 0},
        "name": {"type": "string", "minLength": 1, "maxLength": 50},
        "note": {"type": "string", "maxLength": 500},
        "members": {"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}}}},
    },
}


def refused(data: dict, schema: dict | None = SCHEMA) -> dict[str, str]:
    forms = FormValidator()
    with pytest.raises(InvalidData) as caught:
        forms.validate(forms.compile(schema) if schema is not None else None, data)
    return caught.value.fields


@pytest.mark.parametrize("number", [float("nan"), float("inf"), float("-inf")])
def test_a_number_that_is_not_finite_is_refused_at_its_field(number):
    assert refused({"income": number}) == {"income": "应为有限的数字"}
    assert refused({"members": [{"name": "a", "x": number}]}, None) == {"members.0.x": "应为有限的数字"}


@pytest.mark.parametrize("name", ["\u200b", " \ufeff\u2060 "])
def test_an_answer_of_invisible_characters_only_is_empty(name):
    assert refused({"name": name}) == {"name": "不能为空"}


@pytest.mark.parametrize(("text", "reason"), [("巴特\x00尔", "不能包含控制字符"), ("巴特\x1b尔", "不能包含控制字符"),
                                              ("\u202e尔特巴", "不能包含文字方向控制字符"),
                                              ("巴\u2066特\u2069尔", "不能包含文字方向控制字符"),
                                              ("\ud800", "包含无效字符")])
def test_text_with_control_or_bidi_characters_is_refused_wherever_it_is(text, reason):
    assert refused({"name": text}) == {"name": reason}
    assert refused({"members": [{"name": "ok"}, {"name": text}]}) == {"members.1.name": reason}
    assert refused({"anything": {"deep": [text]}}, None) == {"anything.deep.0": reason}


def test_ordinary_answers_pass_and_multi_line_notes_keep_their_lines():
    forms = FormValidator()
    forms.validate(forms.compile(SCHEMA), {"income": 1200.5, "name": "其木格", "note": "第一行\n\t第二行\r\n",
                                           "members": [{"name": "敖登\u180e"}]})


def test_money_in_the_visit_form_is_bounded_by_its_column():
    """Numeric(12, 2) holds 9999999999.99; the form says so before the step tries to store more."""
    forms = FormValidator()
    schema = json.loads((ROOT / "forms" / "identification_visit.json").read_text(encoding="utf-8"))
    with pytest.raises(InvalidData) as caught:
        forms.validate(forms.compile(schema), {"wage_income": 1e15, "medical_expense": 9999999999.99})
    assert caught.value.fields["wage_income"] == "不能大于9999999999.99"
    assert "medical_expense" not in caught.value.fields


DATED = {"type": "object", "properties": {
    "held_on": {"type": "string", "format": "date", "x-not-after-today": True},
    "ends_on": {"type": "string", "format": "date"}}}
TODAY = date(2026, 12, 10)


def dated(data: dict) -> dict[str, str]:
    forms = FormValidator(today=lambda: TODAY)
    try:
        forms.validate(forms.compile(DATED), data)
    except InvalidData as refusal:
        return refusal.fields
    return {}


@pytest.mark.parametrize("day", ["0001-01-01", "1899-12-31", "2101-01-01", "9999-12-31", "2026-02-30", "20261210"])
def test_a_date_outside_1900_to_2100_or_not_a_day_is_refused(day):
    assert dated({"ends_on": day}) == {"ends_on": "日期应为 YYYY-MM-DD，年份在1900至2100之间"}


@pytest.mark.parametrize("day", ["1900-01-01", "2100-12-31"])
def test_the_first_and_last_years_are_dates(day):
    assert dated({"ends_on": day}) == {}


def test_a_day_something_was_done_is_not_after_the_engines_today():
    assert dated({"held_on": "2026-12-10", "ends_on": "2027-06-30"}) == {}
    assert dated({"held_on": "2026-12-11"}) == {"held_on": "不能晚于今天（2026年12月10日）"}
    assert dated({"held_on": "9999-12-31"}) == {"held_on": "日期应为 YYYY-MM-DD，年份在1900至2100之间"}


def test_the_engine_holds_forms_to_its_own_clock():
    engine = Engine(roles=(), clock=FrozenClock(datetime(2026, 12, 10, 17, tzinfo=UTC)))
    with pytest.raises(InvalidData) as refusal:  # 01:00 on 11 December in China
        engine.forms.validate(engine.forms.compile(DATED), {"held_on": "2026-12-12"})
    assert refusal.value.fields == {"held_on": "不能晚于今天（2026年12月11日）"}
    engine.forms.validate(engine.forms.compile(DATED), {"held_on": "2026-12-11"})


def test_every_shipped_date_of_a_done_step_is_not_after_today():
    """Each form's date says when its step was done (a meeting, a signature, a visit …), never a plan."""
    for form in sorted((ROOT / "forms").glob("*.json")):
        for name, field in json.loads(form.read_text(encoding="utf-8"))["properties"].items():
            if field.get("format") == "date":
                assert field.get("x-not-after-today") is True, f"{form.name}: {name}"

"""Form validation holds every answer to what can be stored, beyond what JSON Schema checks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

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

"""The shipped forms say what the columns hold: a number or a text a form accepts can always be stored."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from engine.limits import numeric_capacity, string_length
from monitoring.households import MONEY_FIELDS
from monitoring.models import Measurement, Member

FORMS = Path(__file__).resolve().parents[2] / "forms"


def properties(form: str) -> dict:
    return json.loads((FORMS / form).read_text(encoding="utf-8"))["properties"]


@pytest.mark.parametrize("name", MONEY_FIELDS)
def test_every_amount_of_the_visit_is_bounded_by_its_column(name):
    field = properties("identification_visit.json")[name]
    assert field["minimum"] == 0
    assert Decimal(str(field["maximum"])) == numeric_capacity(getattr(Measurement, name))


@pytest.mark.parametrize("name", ["name", "disability", "work", "phone"])
def test_member_texts_of_the_authorization_fit_their_columns(name):
    field = properties("identification_authorize.json")["members"]["items"]["properties"][name]
    assert field["maxLength"] <= string_length(getattr(Member, name))

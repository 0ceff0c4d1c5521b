"""The inclusion criteria of §二: per-capita net income against the line, rigid expenses, three guarantees."""

from decimal import Decimal

import pytest

from monitoring.models import Measurement
from monitoring.rules import assess, net_income, per_capita_income, rigid_expenses

LINE, WARNING = Decimal(8900), Decimal(10000)


def measurement(**values):
    base = {f: Decimal(0) for f in ("wage_income", "business_income", "property_income", "transfer_income",
                                    "business_expenses", "claims_income", "education_expense", "medical_expense",
                                    "housing_expense", "water_expense", "property_loss")}
    values.setdefault("year", 2026)
    flags = {f: False for f in ("dropout", "uninsured_large_medical", "unsafe_house", "unsafe_water")}
    return Measurement(**{**base, **flags, **{k: (Decimal(v) if not isinstance(v, bool | int) or k in base else v)
                                              for k, v in values.items()}})


def test_net_income_leaves_out_claims_and_rigid_expenses_and_subtracts_production_costs():
    m = measurement(wage_income=20000, business_income=8000, transfer_income=2000, business_expenses=3000,
                    claims_income=50000, medical_expense=40000)
    assert net_income(m) == Decimal(27000)
    assert per_capita_income(m, 4) == Decimal("6750.00")
    assert rigid_expenses(m) == Decimal(40000)


def test_the_figures_a_visit_gives_the_decision_table():
    m = measurement(wage_income=20000, business_expenses=2000, medical_expense=1500, unsafe_water=True, year=2026)
    assert assess(m, 3, "ordinary", LINE, WARNING).as_dict() == {
        "year": 2026, "household_type": "ordinary", "per_capita_income": 6000.0, "income_line": 8900.0,
        "rigid_expenses": 1500.0, "expense_warning": 10000.0, "guarantee_problems": ["unsafe_water"]}
    assert assess(m, 3, "ordinary", LINE, None).as_dict()["expense_warning"] is None


def test_a_household_without_members_has_no_per_capita_income():
    with pytest.raises(ValueError):
        per_capita_income(measurement(), 0)

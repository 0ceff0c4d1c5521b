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
    flags = {f: False for f in ("dropout", "uninsured_large_medical", "unsafe_house", "unsafe_water")}
    return Measurement(**{**base, **flags, **{k: (Decimal(v) if not isinstance(v, bool) else v)
                                              for k, v in values.items()}})


def test_net_income_leaves_out_claims_and_rigid_expenses_and_subtracts_production_costs():
    m = measurement(wage_income=20000, business_income=8000, transfer_income=2000, business_expenses=3000,
                    claims_income=50000, medical_expense=40000)
    assert net_income(m) == Decimal(27000)
    assert per_capita_income(m, 4) == Decimal("6750.00")
    assert rigid_expenses(m) == Decimal(40000)


def test_a_former_poor_household_under_the_line_is_unstable_and_a_never_poor_one_marginal():
    m = measurement(wage_income=20000, business_expenses=2000)  # 6000 a head for three
    assert assess(m, 3, "poverty_alleviated", LINE, WARNING).suggested_type == "unstable"
    assert assess(m, 3, "ordinary", LINE, WARNING).suggested_type == "marginal"


def test_above_the_line_a_sudden_rigid_expense_or_a_guarantee_gap_makes_a_sudden_hardship():
    above = {"wage_income": 60000}
    assert assess(measurement(**above), 3, "ordinary", LINE, WARNING).suggested_type is None
    assert assess(measurement(**above, medical_expense=15000), 3, "ordinary", LINE, WARNING).suggested_type \
        == "sudden"
    gap = assess(measurement(**above, unsafe_house=True), 3, "ordinary", LINE, WARNING)
    assert (gap.suggested_type, gap.guarantee_problems) == ("sudden", ["unsafe_house"])
    assert assess(measurement(**above, medical_expense=15000), 3, "ordinary", LINE, None).suggested_type is None


def test_a_household_without_members_has_no_per_capita_income():
    with pytest.raises(ValueError):
        per_capita_income(measurement(), 0)

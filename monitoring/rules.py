"""Eligibility rules of domain.md §2: per-capita income, the three types, three guarantees, expenses.

Pure functions over plain values; the thresholds come from the database (``monitoring.thresholds``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from monitoring.models import Measurement

INCOME_FIELDS = ("wage_income", "business_income", "property_income", "transfer_income")
RIGID_EXPENSE_FIELDS = ("education_expense", "medical_expense", "housing_expense", "water_expense", "property_loss")
GUARANTEE_FLAGS = {  # measurement flag -> the risk type it points to
    "dropout": "schooling",
    "uninsured_large_medical": "illness",
    "unsafe_house": "housing",
    "unsafe_water": "water",
}
# The same flags as a reviewer reads the problem a measurement found.
GUARANTEE_LABELS = {
    "dropout": "义务教育阶段因经济原因辍学",
    "uninsured_large_medical": "未参加基本医保且医疗支出大",
    "unsafe_house": "住房不安全",
    "unsafe_water": "饮水不安全",
}
CENT = Decimal("0.01")
NO_TYPE = "不符合纳入条件"  # what the suggestion is when no criterion is met
NOT_MEASURED = "未经决策表测算"  # a case whose model had no decision table (deployed before it): nothing suggested


def net_income(m: Measurement) -> Decimal:
    """家庭纯收入: the four income sources minus production costs (claims and rigid expenses apart)."""
    return sum((Decimal(getattr(m, f) or 0) for f in INCOME_FIELDS), Decimal(0)) - Decimal(m.business_expenses or 0)


def per_capita_income(m: Measurement, household_size: int) -> Decimal:
    if household_size <= 0:
        raise ValueError("a household has at least one member")
    return (net_income(m) / household_size).quantize(CENT, ROUND_HALF_UP)


def rigid_expenses(m: Measurement) -> Decimal:
    """合规自付刚性支出: education, medical, housing, water and property loss; production costs never count."""
    return sum((Decimal(getattr(m, f) or 0) for f in RIGID_EXPENSE_FIELDS), Decimal(0))


def guarantee_problems(m: Measurement) -> list[str]:
    """The three guarantees and safe water that are not met, as the flags that say so."""
    return [flag for flag in GUARANTEE_FLAGS if getattr(m, flag)]


@dataclass(frozen=True)
class Assessment:
    """A visit's figures against the year's standards: what ``processes/monitoring_type.dmn`` decides on."""

    year: int
    household_type: str
    per_capita_income: Decimal
    income_line: Decimal
    rigid_expenses: Decimal
    expense_warning: Decimal | None
    guarantee_problems: list[str]

    @classmethod
    def from_dict(cls, figures: dict) -> Assessment | None:
        """The figures as ``as_dict`` wrote them (e.g. as a decision table kept them); None if any is missing."""
        try:
            warning = figures["expense_warning"]
            return cls(int(figures["year"]), str(figures["household_type"]),
                       Decimal(str(figures["per_capita_income"])), Decimal(str(figures["income_line"])),
                       Decimal(str(figures["rigid_expenses"])), Decimal(str(warning)) if warning is not None else None,
                       list(figures["guarantee_problems"]))
        except (KeyError, TypeError, ValueError, ArithmeticError):
            return None

    def as_dict(self) -> dict:
        return {
            "year": self.year, "household_type": self.household_type,
            "per_capita_income": float(self.per_capita_income), "income_line": float(self.income_line),
            "rigid_expenses": float(self.rigid_expenses),
            "expense_warning": float(self.expense_warning) if self.expense_warning is not None else None,
            "guarantee_problems": self.guarantee_problems,
        }


def assess(m: Measurement, household_size: int, household_type: str, income_line: Decimal,
           expense_warning: Decimal | None) -> Assessment:
    """The figures the criteria of §二(一) are applied to; which type they point to is the decision table's."""
    return Assessment(m.year, household_type, per_capita_income(m, household_size), income_line, rigid_expenses(m),
                      expense_warning, guarantee_problems(m))


# Which monitoring-object types a household of each type can be (§二): a former poor household is
# 脱贫不稳定户 (or 突发严重困难户); a household that was never poor is 边缘易致贫户 (or 突发严重困难户).
TYPES_FOR_HOUSEHOLD = {
    "poverty_alleviated": frozenset({"unstable", "sudden"}),
    "ordinary": frozenset({"marginal", "sudden"}),
}


def type_problems(monitoring_type: str, household_type: str, suggested: str | None, reason: str | None,
                  type_labels: dict[str, str], measured: bool = True) -> dict[str, str]:
    """Why a chosen monitoring type cannot stand, by field: it must fit the household's type, and a type
    other than the one the income and expense tests suggest needs a written reason (nothing to differ from when the
    case was not ``measured`` by a decision table)."""
    allowed = TYPES_FOR_HOUSEHOLD.get(household_type)
    if allowed is not None and monitoring_type not in allowed:
        names = "或".join(type_labels.get(code, code) for code in sorted(allowed))
        return {"monitoring_type": f"该户不能认定为{type_labels.get(monitoring_type, monitoring_type)}，应为{names}"}
    if measured and monitoring_type != suggested and not (reason or "").strip():
        shown = type_labels.get(suggested, suggested) if suggested else NO_TYPE
        return {"type_reason": f"收支测算结果为“{shown}”，选择其他类型须填写理由"}
    return {}

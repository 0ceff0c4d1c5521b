"""The rules an assistance plan is checked against when it is saved (domain.md §5): warnings with their reason,
never refusals, because the county may have reasons the rules do not know.

Measures follow the risk; a single risk gets a single (protective) measure, so that benefits do not pile up
into a welfare trap; a household able to work gets a development measure and never only 综合保障; a household
without labour capacity gets 低保 or 特困 and is flagged 整户无劳动能力兜底保障户. Stopped measures do not count.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from monitoring.codes import ABLE_TO_WORK_SKILLS, DEVELOPMENT_MEASURES, SAFETY_NET_SUBTYPES, label
from monitoring.models import Household, Measure, MeasureStatus

# The categories that answer a risk type; risk types not named here have no fixed measure.
FITTING_MEASURES: dict[str, tuple[str, ...]] = {
    "illness": ("health", "social_assistance"),
    "schooling": ("compulsory_education", "other_education", "social_assistance"),
    "disability": ("social_security", "social_assistance"),
    "housing": ("housing_security", "relocation"),
    "water": ("water_security",),
}
SAFETY_NET_FLAG = "整户无劳动能力兜底保障户"
UNABLE_TO_WORK_SKILLS = frozenset({"lost", "none"})


@dataclass(frozen=True)
class PlanWarning:
    code: str
    message: str


@dataclass(frozen=True)
class PlanCheck:
    warnings: list[PlanWarning]
    safety_net_household: bool  # 整户无劳动能力兜底保障户


def labour_capacity(household: Household) -> bool | None:
    """True when a member can work, False when every member has lost it or has none, None when not recorded."""
    skills = [m.labour_skill for m in household.members]
    if any(skill in ABLE_TO_WORK_SKILLS for skill in skills):
        return True
    if skills and all(skill in UNABLE_TO_WORK_SKILLS for skill in skills):
        return False
    return None


def _names(list_key: str, codes: Iterable[str], joiner: str = "或") -> str:
    return joiner.join(label(list_key, code) for code in codes)


def check_plan(household: Household, measures: Sequence[Measure]) -> PlanCheck:
    """The warnings of a household's plan, each with a code and a reason naming the risk type or measure."""
    current = [m for m in measures if m.status != MeasureStatus.STOPPED]
    categories = {m.category for m in current}
    warnings: list[PlanWarning] = []
    for risk in household.risk_types:
        fitting = FITTING_MEASURES.get(risk)
        if fitting and not categories & set(fitting):
            warnings.append(PlanWarning("risk_without_measure", f"风险类型“{label('risk_type', risk)}”缺少对应措施，"
                                                                f"应有{_names('assistance_measure', fitting)}"))
    protective = categories - DEVELOPMENT_MEASURES
    if len(household.risk_types) == 1 and len(protective) > 1:
        warnings.append(PlanWarning("single_risk_many_measures",
                                    f"单一风险“{label('risk_type', household.risk_types[0])}”宜采取单一措施，现有"
                                    f"{_names('assistance_measure', sorted(protective))}{len(protective)}类，"
                                    "避免福利陷阱"))
    capacity = labour_capacity(household)
    if capacity and current and categories == {"social_security"}:
        warnings.append(PlanWarning("only_social_security", "家庭有劳动能力，不能只采取综合保障措施，应有开发式帮扶"))
    elif capacity and not categories & DEVELOPMENT_MEASURES:
        warnings.append(PlanWarning("no_development_measure",
                                    "家庭有劳动能力，应至少有一项开发式帮扶（"
                                    f"{_names('assistance_measure', sorted(DEVELOPMENT_MEASURES), '、')}）"))
    safety_net = any((m.category, m.subtype) in SAFETY_NET_SUBTYPES for m in current)
    if capacity is False and not safety_net:
        warnings.append(PlanWarning("no_safety_net", "家庭无劳动能力，应纳入低保或特困供养兜底保障"))
    return PlanCheck(warnings, capacity is False and safety_net)

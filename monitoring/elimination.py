"""The rules of risk elimination (风险消除, domain.md §§6, 11), read from the household's records.

One module answers, for the start route, the BPMN functions and the pages alike: may this household start an
elimination now (``check_start``), do the four criteria hold and on what evidence (``verify``), what must the
county confirm with a reason (``warnings``) and what stops the marking today (``marking_problems``). Every
refusal names the rule as its field and says why in Chinese. The thresholds of stability and the warnings are
parameters, so the process model (the designer) sets them where practice differs.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import InvalidData
from monitoring import marking_windows, status_history, thresholds
from monitoring.codelists import labels
from monitoring.codes import subtype_list
from monitoring.measures import plan_check
from monitoring.models import (
    Household,
    HouseholdStatusChange,
    Measure,
    Measurement,
    MeasurementHistory,
    MeasureStatus,
    MonitoringStatus,
)
from monitoring.rules import GUARANTEE_LABELS, guarantee_problems, per_capita_income, rigid_expenses

ASSISTED = "assisted"  # 帮扶消除
NATURAL = "natural"  # 自然消除: no measure and no income stability needed (domain.md §11)
SAFETY_NET_REFUSAL = "整户无劳动能力兜底保障户不标注风险消除，继续监测"


@dataclass(frozen=True)
class Criterion:
    """One of the four criteria (key: measures, guarantees, income, expenses), met or not, with its evidence."""

    key: str
    title: str
    met: bool
    evidence: str


@dataclass(frozen=True)
class Verification:
    """The four criteria as the household's records show them on a day, for one method."""

    method: str
    criteria: tuple[Criterion, ...]
    year: int | None  # the year whose measurement was read
    per_capita_income: Decimal | None
    income_line: Decimal | None
    stable: bool  # the income history meets the stability rule (natural elimination does not ask for it)

    @property
    def unmet(self) -> tuple[Criterion, ...]:
        return tuple(c for c in self.criteria if not c.met)

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON for case data: money as float, as the visit's assessment keeps it."""
        return {"method": self.method, "year": self.year, "per_capita_income": _float(self.per_capita_income),
                "income_line": _float(self.income_line), "stable": self.stable,
                "criteria": [asdict(c) for c in self.criteria], "unmet": [c.key for c in self.unmet]}


# --- starting ----------------------------------------------------------------------------------------------------

def check_start(session: Session, household: Household, data: dict[str, Any], today: date) -> None:
    """Refuse (422, every broken rule by name) a start the rules forbid; one open case per household is
    ``cases.start_case``'s (409)."""
    not_monitored = _not_monitored(household)
    if not_monitored:
        raise InvalidData("该农户不能发起风险消除", {"monitoring_status": not_monitored})
    method = data.get("method")
    fields = _standing_problems(session, household, method, today)
    if method == ASSISTED and not _done_measures(session, household):
        fields["measures"] = _no_done_measure(session, household)
    closed = _marking_closed(session, household, today)
    if closed:
        fields["marking_window"] = closed
    if fields:
        raise InvalidData("该农户现在不能发起风险消除", fields)


def _marking_closed(session: Session, household: Household, today: date) -> str | None:
    """Marking closed with no window open today and none set ahead: a case started now could never be marked.

    Outside a window with one ahead (the default: every quarter's last month) the case starts and waits at its
    marking step; only a place whose windows have all passed refuses the start (api.md's "window closed").
    """
    if marking_windows.window_for(session, household.place_path, today) is not None:
        return None
    if marking_windows.next_opening(session, household.place_path, today) is not None:
        return None
    return "标注窗口期已关闭，且本地尚未设置下一个窗口期，发起后无法标注；请旗县或盟市先设置窗口期"


# --- the four criteria -------------------------------------------------------------------------------------------

def income_year(value: Any, today: date) -> int:
    """The 收入年度 a check judges (today's year when not given): this year or the year before, never later.

    Income is counted over the 12 months before the visit (domain.md §11), which reach at most into the year
    before; so in January last year's figures are the ones that exist, and anything older no longer shows the
    household's income now. 422 naming ``year`` otherwise.
    """
    if value is None:
        return today.year
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidData("收入年度有误", {"year": "收入年度应为年份，如 2026"})
    if value > today.year:
        raise InvalidData("收入年度有误", {"year": f"收入年度不能晚于今年（{today.year}年）"})
    if value < today.year - 1:
        raise InvalidData("收入年度有误", {"year": f"收入年度只能是今年或上一年（{today.year - 1}年或{today.year}年）"})
    return value


def verify(session: Session, household: Household, method: str, today: date, *, year: int | None = None,
           min_measurements: int = 2, months_apart: int = 6) -> Verification:
    """The four criteria of domain.md §6 from the measurement of ``year`` (``income_year``'s rule; today's year when
    not given) and the measurement history.

    Income is stable when at least ``min_measurements`` measurements above their year's line, each at least
    ``months_apart`` months after the one before, were taken since the last one at or below the line.
    """
    year = income_year(year, today)
    measurement = next((m for m in household.measurements if m.year == year), None)
    line = thresholds.current(session, thresholds.INCOME_LINE, household.place_path, year)
    income = per_capita_income(measurement, household.size) if measurement is not None else None
    stable_run = _stable_run(session, household, months_apart)
    stable = len(stable_run) >= min_measurements
    criteria = (
        _measures_criterion(session, household, method),
        _guarantees_criterion(measurement, year),
        _income_criterion(method, year, income, line, stable, stable_run, min_measurements, months_apart),
        _expenses_criterion(session, household, measurement, year),
    )
    return Verification(method, criteria, year if measurement is not None else None, income, line, stable)


def _measures_criterion(session: Session, household: Household, method: str) -> Criterion:
    title = "落实针对性帮扶措施"
    if method == NATURAL:
        return Criterion("measures", title, True, "自然消除无需帮扶措施")
    risks = labels(session, "risk_type", include_retired=True)
    risk_words = "、".join(risks.get(r, r) for r in household.risk_types) or "未登记"
    done = _done_measures(session, household)
    if not done:
        return Criterion("measures", title, False, f"风险类型：{risk_words}；{_no_done_measure(session, household)}")
    names = "、".join(_measure_name(session, m) for m in done)
    return Criterion("measures", title, True, f"风险类型：{risk_words}；已完成帮扶措施{len(done)}项：{names}")


def _guarantees_criterion(measurement: Measurement | None, year: int) -> Criterion:
    title = "“三保障”及饮水安全持续巩固"
    if measurement is None:
        return Criterion("guarantees", title, False, f"{year}年尚未测算收支，无法核实“三保障”及饮水安全")
    problems = guarantee_problems(measurement)
    if problems:
        words = "、".join(GUARANTEE_LABELS[flag] for flag in problems)
        return Criterion("guarantees", title, False, f"{year}年测算仍有问题：{words}")
    return Criterion("guarantees", title, True, f"{year}年测算：义务教育、基本医疗、住房安全和饮水安全均有保障")


def _income_criterion(method: str, year: int, income: Decimal | None, line: Decimal | None, stable: bool,
                      stable_run: list[MeasurementHistory], min_measurements: int, months_apart: int) -> Criterion:
    title = "家庭人均纯收入稳定超过当年监测收入标准"
    if income is None:
        return Criterion("income", title, False, f"{year}年尚未测算收支，无法核实人均纯收入")
    if line is None:
        return Criterion("income", title, False, f"{year}年监测收入标准尚未设置，无法核实人均纯收入")
    above = income > line
    figures = f"{year}年家庭人均纯收入{_yuan(income)}，{'高于' if above else '未高于'}监测收入标准{_yuan(line)}"
    if method == NATURAL:
        return Criterion("income", title, above, f"{figures}；自然消除不要求收入稳定")
    dates = "、".join(_cn_date(row.measured_on) for row in stable_run) or "无"
    if stable:
        stability = f"收入稳定：{len(stable_run)}次测算高于标准且相隔不少于{months_apart}个月（{dates}）"
    else:
        stability = (f"收入尚不稳定：须至少{min_measurements}次测算高于标准、每次相隔不少于{months_apart}个月，"
                     f"现有：{dates}")
    return Criterion("income", title, above and stable, f"{figures}；{stability}")


def _expenses_criterion(session: Session, household: Household, measurement: Measurement | None,
                        year: int) -> Criterion:
    title = "大额刚性支出问题稳定解决"
    if measurement is None:
        return Criterion("expenses", title, False, f"{year}年尚未测算收支，无法核实刚性支出")
    warning = thresholds.current(session, thresholds.EXPENSE_WARNING, household.place_path, year)
    if warning is None:
        return Criterion("expenses", title, False, f"{year}年刚性支出预警标准尚未设置，无法核实刚性支出")
    expenses = rigid_expenses(measurement)
    resolved = expenses <= warning
    return Criterion("expenses", title, resolved, f"{year}年合规自付刚性支出{_yuan(expenses)}，"
                                                   f"{'未超过' if resolved else '超过'}预警标准{_yuan(warning)}")


def _stable_run(session: Session, household: Household, months_apart: int) -> list[MeasurementHistory]:
    """The measurements that make the income stable: since the last one at or below its year's line (or without a
    line), the earliest above it and each next one at least ``months_apart`` months after the one before."""
    rows = list(session.execute(select(MeasurementHistory).where(MeasurementHistory.household_id == household.id)
                                .order_by(MeasurementHistory.measured_on, MeasurementHistory.id)).scalars())
    lines = thresholds.current_for(session, thresholds.INCOME_LINE, {(household.place_path, r.year) for r in rows})
    above: list[MeasurementHistory] = []
    for row in rows:
        line = lines[(household.place_path, row.year)]
        above = [*above, row] if line is not None and row.per_capita_income > line else []
    run: list[MeasurementHistory] = []
    for row in above:
        if not run or months_between(run[-1].measured_on, row.measured_on) >= months_apart:
            run.append(row)
    return run


# --- what the county confirms, and what stops the marking -----------------------------------------------------

def warnings(household: Household, method: str, today: date, *, min_months: int = 6,
             warn_next_month: bool = True) -> list[str]:
    """What the county must confirm with a reason before an assisted elimination goes on (natural: nothing):
    an elimination in the month right after identification, and fewer than ``min_months`` months monitored."""
    since = household.monitored_since
    if method != ASSISTED or since is None:
        return []
    found = []
    if warn_next_month and _month_number(today) - _month_number(since) == 1:
        found.append(f"识别次月即帮扶消除：{since.year}年{since.month}月识别纳入监测，{today.year}年{today.month}月消除")
    monitored = months_between(since, today)
    if monitored < min_months:
        found.append(f"监测不足{min_months}个月：自{_cn_date(since)}起监测，至今{monitored}个月")
    return found


def marking_problems(session: Session, household: Household, method: str, today: date) -> dict[str, str]:
    """Why the household may not be marked eliminated today, by rule (empty: it may)."""
    problems = _standing_problems(session, household, method, today)
    if marking_windows.window_for(session, household.place_path, today) is None:
        opens = marking_windows.next_opening(session, household.place_path, today)
        problems["marking_window"] = "今天不在标注窗口期内，" + (f"下一个窗口期{_cn_date(opens)}开放" if opens
                                                                  else "本地尚未设置下一个窗口期")
    return problems


# --- the rules each check shares ---------------------------------------------------------------------------------

def _standing_problems(session: Session, household: Household, method: Any, today: date) -> dict[str, str]:
    """What forbids an elimination of this household today, at its start and at its marking alike."""
    problems = {}
    not_monitored = _not_monitored(household)
    if not_monitored:
        problems["monitoring_status"] = not_monitored
    wrong_method = _wrong_method(session, method)
    if wrong_method:
        problems["method"] = wrong_method
    same_month = _identified_this_month(household, today)
    if same_month:
        problems["monitored_since"] = same_month
    if plan_check(session, household).safety_net_household:
        problems["labour_capacity"] = SAFETY_NET_REFUSAL
    return problems


def _not_monitored(household: Household) -> str | None:
    if household.monitoring_status != MonitoringStatus.MONITORED:
        return "只有监测对象才能风险消除，该农户当前不是监测对象"
    return None


def _wrong_method(session: Session, method: Any) -> str | None:
    methods = labels(session, "elimination_method")
    if isinstance(method, str) and method in methods:  # a list or object from JSON is no code (and unhashable)
        return None
    return "消除方式应为" + "或".join(f"{code}（{name}）" for code, name in methods.items())


def _identified_this_month(household: Household, today: date) -> str | None:
    since = household.monitored_since
    if since is not None and _month_number(since) == _month_number(today):
        return f"{since.year}年{since.month}月识别纳入监测，不得当月识别、当月标注风险消除"
    return None


def _done_measures(session: Session, household: Household) -> list[Measure]:
    """The measures done that an assisted elimination may rest on: after a 风险消除回退 only those done after its day,
    since the measures before it were found not to have removed the risk."""
    query = select(Measure).where(Measure.household_id == household.id, Measure.status == MeasureStatus.DONE)
    reverted = reverted_on(session, household)
    if reverted is not None:
        query = query.where(Measure.done_on > reverted)
    return list(session.execute(query.order_by(Measure.id)).scalars())


def _no_done_measure(session: Session, household: Household) -> str:
    reverted = reverted_on(session, household)
    if reverted is None:
        return "帮扶消除须至少有一项已完成的帮扶措施，该户尚无已完成的措施"
    return (f"{_cn_date(reverted)}风险消除回退后，帮扶消除须至少有一项回退之后完成的帮扶措施，"
            "该户尚无回退后完成的措施")


def reverted_on(session: Session, household: Household) -> date | None:
    """The day of the 风险消除回退 that made the household a monitoring object again, if that is how it came back
    (None when it came in by identification)."""
    last_entry = session.execute(select(HouseholdStatusChange).where(
        HouseholdStatusChange.household_id == household.id,
        HouseholdStatusChange.to_status == MonitoringStatus.MONITORED)
        .order_by(HouseholdStatusChange.id.desc()).limit(1)).scalar()
    return last_entry.changed_on if last_entry is not None and status_history.is_reversal(last_entry) else None


def _measure_name(session: Session, measure: Measure) -> str:
    category = labels(session, "assistance_measure", include_retired=True).get(measure.category, measure.category)
    subtype = labels(session, subtype_list(measure.category), include_retired=True).get(measure.subtype,
                                                                                          measure.subtype)
    return f"{category}·{subtype}"


def months_between(start: date, end: date) -> int:
    """Whole months from ``start`` to ``end`` (3 March to 2 September is 5, to 3 September 6)."""
    return _month_number(end) - _month_number(start) - (1 if end.day < start.day else 0)


def _month_number(day: date) -> int:
    return day.year * 12 + day.month - 1


def _cn_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _yuan(amount: Decimal) -> str:
    return f"{amount:,.2f}元"


def _float(amount: Decimal | None) -> float | None:
    return float(amount) if amount is not None else None

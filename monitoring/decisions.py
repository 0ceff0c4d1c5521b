"""The decisions a case computed, read back from its audit chain and told in words.

Each was kept at the step that made it (``engine.decision_log``): the decision table's row or the domain rule, and
the figures it was given. The case page, the household page and the letter that tells a household why it was not
included all say the same sentences, from what was decided then — never recomputed from today's records.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import decision_log
from engine.models import AuditEvent
from monitoring.codelists import labels
from monitoring.rules import GUARANTEE_LABELS, NO_TYPE

MONITORING_TYPE = "monitoring_type"  # processes/monitoring_type.dmn's table
COMPARISON = "comparison"  # the data comparison's exclusions (``record_comparison``)
ELIMINATION = "elimination_criteria"  # the four criteria of risk elimination (``record_criteria``)
WARNINGS = "review_warnings"  # what the county must confirm before approving an elimination
PLAN_CHECK = "plan_check"  # the assistance plan's measures against the household's risk types and labour
RECHECK = "correction_recheck"  # a village's correction: the checks run again, errors left send it back
LISTED = frozenset({WARNINGS, PLAN_CHECK, RECHECK})  # kept as what was found and what it means (``record_list``)
TOLD_TO_HOUSEHOLDS = frozenset({MONITORING_TYPE, COMPARISON, ELIMINATION})  # what a letter states; the rest is internal
_TYPE_FIGURES = ("per_capita_income", "income_line", "rigid_expenses", "expense_warning", "guarantee_problems", "year",
                 "household_type")  # what the type's sentences say; any other column of the table is listed as is


@dataclass(frozen=True)
class Explained:
    """One decision as people read it: what was decided, on which figures, by which rule, at which step."""

    instance_id: int
    at: datetime
    step: str  # the task that made it, when it is not named as the decision itself
    title: str
    lines: list[str]  # the figures, one test per line
    outcome: str  # what it decided
    rule: str  # the rule or the table's row that decided it
    kind: str = ""  # the table's id or the domain rule's name (MONITORING_TYPE, …)
    superseded: bool = False  # the same decision was made again later in the case (a visit repeated after an objection)


def record_comparison(hits: list[dict[str, Any]]) -> None:
    """Keep the comparison's finding: each member an exclusion struck, from which data (``comparison.describe``)."""
    rows = [{"rule": hit["exclusion"], "text": hit["exclusion_label"]} for hit in hits]
    figures = [{"name": "hit", "label": hit["exclusion_label"],
                "value": f"{hit['member']}（{hit['dataset_label']}第{hit['row']}行）"} for hit in hits]
    decision_log.record(COMPARISON, "部门数据比对", rows, figures, {"hits": len(hits)})


def record_criteria(checked: dict[str, Any]) -> None:
    """Keep the four criteria of risk elimination as the records showed them (``elimination.Verification``)."""
    criteria = checked.get("criteria") or []
    rows = [{"rule": c["key"], "text": c["title"]} for c in criteria if not c["met"]]
    figures = [{"name": c["key"], "label": c["title"], "value": {"met": c["met"], "evidence": c["evidence"]}}
               for c in criteria]
    decision_log.record(ELIMINATION, "风险消除条件核查", rows, figures,
                        {"met": not rows, "method": checked.get("method")})


def record_list(decision: str, title: str, found: list[str], said: str) -> None:
    """Keep a decision that is what a rule found (one line each) and what that means (``said``)."""
    decision_log.record(decision, title, [], [{"name": "found", "label": line, "value": None} for line in found],
                        {"found": len(found), "said": said})


def latest(session: Session, instance_ids: list[int], decision: str) -> dict[int, dict[str, Any]]:
    """Per case, the last ``decision`` it kept (a visit repeated after an objection decides again)."""
    return {instance_id: detail for instance_id, _at, detail in _kept(session, instance_ids)
            if detail.get("decision") == decision}


def _kept(session: Session, instance_ids: list[int]) -> list[tuple[int, datetime, dict[str, Any]]]:
    """Every decision event of these cases, oldest first."""
    if not instance_ids:
        return []
    return [tuple(row) for row in session.execute(
        select(AuditEvent.instance_id, AuditEvent.at, AuditEvent.detail).where(
            AuditEvent.instance_id.in_(instance_ids), AuditEvent.type == decision_log.DECISION_EVENT)
        .order_by(AuditEvent.id))]


def figures(detail: dict[str, Any] | None) -> dict[str, Any]:
    """The figures a kept decision used, by input name."""
    return {f.get("name"): f.get("value") for f in (detail or {}).get("inputs") or []}


def told_to_household(decided: list[Explained]) -> list[Explained]:
    """What a letter to the household states: the latest of each decision about its eligibility, none internal."""
    return [d for d in decided if d.kind in TOLD_TO_HOUSEHOLDS and not d.superseded]


def rule_text(detail: dict[str, Any] | None) -> str:
    """The rule that decided, as its table or rule states it."""
    rows = (detail or {}).get("rows") or []
    return "；".join(str(r.get("text") or r.get("rule") or "") for r in rows)


def by_case(session: Session, instance_ids: list[int]) -> dict[int, list[Explained]]:
    """Every decision of these cases, by case, oldest first."""
    found: dict[int, list[Explained]] = {}
    events = _kept(session, instance_ids)
    if not events:
        return found
    words = {key: labels(session, key, include_retired=True) for key in ("monitoring_type", "household_type")}
    for instance_id, at, detail in events:
        found.setdefault(instance_id, []).append(_explain(instance_id, at, detail, words))
    return {instance_id: _marking_superseded(made) for instance_id, made in found.items()}


def _marking_superseded(made: list[Explained]) -> list[Explained]:
    """Oldest first; a decision made again later by the same task is marked superseded."""
    last = {(d.kind, d.step, d.title): n for n, d in enumerate(made)}
    return [replace(d, superseded=True) if last[(d.kind, d.step, d.title)] != n else d for n, d in enumerate(made)]


def _explain(instance_id: int, at: datetime, detail: dict[str, Any], words: dict[str, dict[str, str]]) -> Explained:
    """A kept decision in words (``words``: the labels of the monitoring and household types); a table this module
    does not know is told generically."""
    rows = detail.get("rows") or []
    kind = detail.get("decision")
    if kind == MONITORING_TYPE:
        lines = _type_lines(detail, words["household_type"])
        outcome = _type_outcome(detail.get("outputs") or {}, words["monitoring_type"])
    elif kind == COMPARISON:
        lines, outcome = _comparison_words(detail)
    elif kind == ELIMINATION:
        lines, outcome = _criteria_words(detail, rows)
    elif kind in LISTED:
        lines = [str(f.get("label")) for f in detail.get("inputs") or []] or ["无"]
        outcome = str((detail.get("outputs") or {}).get("said") or "")
    else:
        lines = [f"{f.get('label')}：{_value(f.get('value'))}" for f in detail.get("inputs") or []]
        outcome = "；".join(f"{k}：{_value(v)}" for k, v in (detail.get("outputs") or {}).items())
    title, step = str(detail.get("title") or ""), str(detail.get("name") or "")
    return Explained(instance_id, at, step if step != title else "", title, lines, outcome, _rule(kind, rows),
                     str(kind or ""))


def _comparison_words(detail: dict[str, Any]) -> tuple[list[str], str]:
    hits = [f"{f['label']}：{f['value']}" for f in detail.get("inputs") or []]
    return (hits, f"命中{len(hits)}项剔除情形") if hits else (["各部门数据中未发现应剔除的情形"], "未命中剔除情形")


def _criteria_words(detail: dict[str, Any], unmet: list[dict[str, Any]]) -> tuple[list[str], str]:
    lines = []
    for criterion in detail.get("inputs") or []:
        found = criterion.get("value") or {}
        lines.append(f"{'✔' if found.get('met') else '✘'} {criterion['label']}：{found.get('evidence', '')}")
    met = (detail.get("outputs") or {}).get("met")
    return lines, "四项条件均已达到" if met else "未达到：" + "、".join(r.get("text", "") for r in unmet)


def _rule(kind: str | None, rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "" if kind in LISTED | {COMPARISON, ELIMINATION} else "没有规则命中"
    if "row" in rows[0]:
        return "；".join(f"决策表第 {r['row']} 行：{r.get('text') or r.get('rule')}" for r in rows)
    return ""


def _type_lines(detail: dict[str, Any], household_types: dict[str, str]) -> list[str]:
    """The household's type and the three tests of §二(一) with their figures: income against the line, expenses
    against the warning, the guarantees; then any other column the table was given, as it is."""
    found = figures(detail)
    year, kind = found.get("year"), found.get("household_type")
    income, line = found.get("per_capita_income"), found.get("income_line")
    lines = [f"农户类型：{household_types.get(kind, kind)}"] if kind else []
    if income is not None and line is not None:
        standard = f"{year}年监测收入标准" if year else "监测收入标准"
        lines.append(f"家庭人均纯收入 {money(income)} 元 {_sign(income, line)} {standard} {money(line)} 元")
    expenses, warning = found.get("rigid_expenses"), found.get("expense_warning")
    if expenses is not None:
        spent = f"合规自付刚性支出 {money(expenses)} 元"
        lines.append(f"{spent}，本年度未设置刚性支出预警标准" if warning is None else
                     f"{spent} {_sign(expenses, warning)} 刚性支出预警标准 {money(warning)} 元")
    problems = found.get("guarantee_problems")
    if isinstance(problems, list):
        named = "、".join(GUARANTEE_LABELS.get(p, str(p)) for p in problems)
        lines.append(f"“三保障”和饮水安全：{named or '无问题'}")
    lines += [f"{f.get('label')}：{_value(f.get('value'))}" for f in detail.get("inputs") or []
              if f.get("name") not in _TYPE_FIGURES]
    return lines


def _type_outcome(outputs: dict[str, Any], type_labels: dict[str, str]) -> str:
    """建议认定为…: the table's output (whatever name a designer gave its one output column)."""
    suggested = outputs.get("visit_result.suggested_type", next(iter(outputs.values()), None))
    return f"建议认定为{type_labels.get(suggested, suggested)}" if suggested else NO_TYPE


def _sign(amount: float, standard: float) -> str:
    return "<" if amount < standard else "=" if amount == standard else ">"


def money(value: Any) -> str:
    """8,300 or 5,820.50: yuan as officials write them, cents only when there are any."""
    amount = Decimal(str(value))
    return f"{amount:,.0f}" if amount == amount.to_integral_value() else f"{amount:,.2f}"


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(_value(v) for v in value) or "无"
    return "—" if value is None else str(value)

"""What the quality pages show of a finding beyond its row: the household's head, the village's name, the check's
title and the fields to correct in words — read for a whole page (or an export's chunk) in two more SELECTs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy.orm import Session

from engine.assignment import Actor
from engine.paging import Page, walk
from engine.scope import code_at
from monitoring.household_labels import tell_apart
from monitoring.models import Household
from monitoring.quality import findings
from monitoring.quality.catalogue import CHECKS, Check, Severity, severity_label, title_of
from monitoring.quality.models import QualityFinding
from monitoring.worklist import ListedHousehold, listed_households
from web.cases.listing import place_names
from web.exports import EXPORT_MAX_ROWS, Column
from web.templating import cn_dates

# The record fields a check names (Check.fields) as the household's page and the forms title them.
FIELD_TITLES = {
    "monitoring_status": "监测状态", "monitored_since": "纳入监测日期", "risk_types": "风险类型",
    "eliminated_on": "风险消除日期", "elimination_method": "消除方式", "household_type": "户类型",
    "measures": "帮扶措施", "measurement": "收支情况", "wage_income": "工资性收入", "business_income": "生产经营性收入",
    "property_income": "财产性收入", "transfer_income": "转移性收入", "business_expenses": "生产经营性支出",
    "medical_expense": "医疗支出", "members": "家庭成员",
    "dropout": "因经济原因辍学", "uninsured_large_medical": "未参保且医疗支出大", "unsafe_house": "住房安全",
    "unsafe_water": "饮水安全", "name": "姓名", "id_number": "身份证号", "relation": "与户主关系", "sex": "性别",
    "health": "健康状况", "disability": "残疾", "labour_skill": "劳动技能", "schooling": "在校生状况",
    "insurance": "参保情况", "group_name": "村民小组", "risk_note": "“其他”风险说明",
}
SEVERITY_TONES = {Severity.ERROR: "bad", Severity.WARNING: "warn"}


def fields_in_words(check: Check | None) -> str:
    return "、".join(FIELD_TITLES.get(name, name) for name in check.fields) if check else ""


@dataclass(frozen=True)
class FindingRow:
    """A finding as a list shows it."""

    finding: QualityFinding
    household: Household | ListedHousehold | None
    village: str
    check: Check | None  # None for a retired check's code
    distinction: str  # what tells the head apart from another of the same name in the list, else ""

    @property
    def title(self) -> str:
        return title_of(self.finding.rule)

    @property
    def head(self) -> str:
        head = self.household.head if self.household else None
        return head.name if head else f"#{self.finding.household_id}"

    @property
    def tone(self) -> str:
        return SEVERITY_TONES.get(Severity(self.finding.severity), "")

    @property
    def severity(self) -> str:
        return severity_label(self.finding.severity)

    @property
    def fields(self) -> str:
        return fields_in_words(self.check)


def rows_of(session: Session, found: list[QualityFinding]) -> list[FindingRow]:
    households = listed_households(session, {f.household_id for f in found})
    villages = place_names(session, {code_at(f.place_path) for f in found})
    distinct = tell_apart(households.values())
    return [FindingRow(f, households.get(f.household_id), villages.get(code_at(f.place_path), ""), CHECKS.get(f.rule),
                       distinct.get(f.household_id, "")) for f in found]


def page_of(session: Session, found: Page[QualityFinding]) -> Page[FindingRow]:
    return Page(rows_of(session, found.rows), found.total, found.next_cursor)


def all_rows(session: Session, actor: Actor, place: str | None, rule: str | None,
             status: str) -> Iterator[list[FindingRow]]:
    """Every finding the list shows (up to EXPORT_MAX_ROWS), a chunk at a time, for the export of the page and of
    the API alike; the place and filters are checked here, before the workbook is begun (a 404 or 422 answers
    instead of a broken file)."""
    chosen = findings.findings_in_view(session, actor, place, rule, status)
    return (rows_of(session, chunk) for chunk in walk(session, chosen, findings.FINDING_ORDER, EXPORT_MAX_ROWS))


def columns() -> list[Column[FindingRow]]:
    """The export's columns (the page's and the API's workbook: it is read by people, the API's JSON keeps the
    codes): what a village needs to correct each finding, in the page's words."""
    return [
        Column("户主", lambda r: r.head, width=12),
        Column("嘎查村", lambda r: r.village, width=16),
        Column("村民小组", lambda r: r.household.group_name if r.household else "", width=10),
        Column("规则", lambda r: r.finding.rule, width=8),
        Column("问题", lambda r: r.title, width=28),
        Column("类别", lambda r: r.severity, width=8),
        Column("说明", lambda r: cn_dates(r.finding.message), width=60),
        Column("需修正", lambda r: r.fields, width=24),
        Column("发现日期", lambda r: r.finding.found_at, "date", 12),
        Column("整改日期", lambda r: r.finding.resolved_at, "date", 12),
    ]


def of_household(session: Session, household: Household) -> tuple[list[FindingRow], list[FindingRow]]:
    """A household's open findings and its recently closed ones, for its page (the caller sees the household)."""
    shown = [FindingRow(f, household, "", CHECKS.get(f.rule), "")
             for f in findings.household_findings(session, household.id)]
    return [r for r in shown if r.finding.resolved_at is None], [r for r in shown if r.finding.resolved_at]

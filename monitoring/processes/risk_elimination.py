"""风险消除 (domain.md §6): a monitored household is verified, appraised, accepted, approved, noticed twice and
marked eliminated — the way out mirrors the way in (怎么进怎么出)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from monitoring import elimination, marking_windows
from monitoring.models import Household
from monitoring.processes import NoticeStage, Outcome, ProcessDescriptor, Step, Variables, today_field
from monitoring.processes.site_visits import site_visit
from monitoring.verification_reference import check_reference


def _verification(household: Household, data: dict[str, Any], today: date) -> dict[str, Any]:
    """The check on site starts as a visit does, with the method the case was started for."""
    return {**site_visit(household, data, today, "verification"), "method": data.get("method")}


def _marking_window(session: Session, household: Household, data: dict[str, Any], today: date) -> dict[str, Any]:
    """The window the marking falls in today, or the day the next one opens (the task waits for it)."""
    window = marking_windows.window_for(session, household.place_path, today)
    if window is not None:
        return {"marking_window": window}
    return {"marking_opens_on": marking_windows.next_opening(session, household.place_path, today)}


DESCRIPTOR = ProcessDescriptor(
    key="risk_elimination",
    household_case=True,
    start_fields=frozenset({"method"}),  # found_on is the system's
    check_start=elimination.check_start,  # monitored, not identified this month, a measure done for 帮扶消除 …
    one_open_case=True,
    steps=(
        Step("verification", "risk_elimination_verification.json", prefill=_verification, reference=check_reference),
        Step("appraisal", "risk_elimination_appraisal.json", prefill=today_field("meeting_date"),
             notice=NoticeStage("elimination_first", "风险消除·初选名单公示（嘎查村）")),
        Step("acceptance", "risk_elimination_acceptance.json", prefill=today_field("accepted_on"),
             annexes=("annex5",)),
        Step("county_review", "risk_elimination_county_review.json",
             notice=NoticeStage("elimination_second", "风险消除·旗县审定名单公示")),
        Step("marking", "risk_elimination_marking.json", prefill=today_field("marked_on"), annexes=("annex7",),
             reference=_marking_window),
    ),
    variables=Variables(measurement="verification", measured_on="visited_on", meeting="appraisal",
                        decision="marking", reply="county_review", criteria="verification_result",
                        acceptance="acceptance", warnings="elimination_warnings"),
    outcome=Outcome(reached="风险消除", refused="未消除（继续监测）", record="marking", field="method",
                    code_list="elimination_method"),
    recheck_step="verification",  # record_objection sends the case back to the check on site
    dates=frozenset({"visited_on", "meeting_date", "accepted_on", "marked_on"}),
    words={
        "method": "风险消除方式", "found_on": "发起日期", "rejection_reason": "未消除原因",
        "verification": "入户核查核实", "verification_result": "四项标准核实结果", "appraisal": "嘎查村评议",
        "acceptance": "乡镇验收审核", "elimination_warnings": "审定提示", "county_review": "县级审定",
        "marking": "系统标注", "marking_opens_on": "标注窗口期开启日期",
        "stable": "收入稳定", "criteria": "四项标准", "unmet": "未达到的标准", "title": "标准", "met": "达到",
        "measures": "享受的帮扶措施",
    },
)

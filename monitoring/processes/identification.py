"""识别 (domain.md §4): a household found at risk is visited, appraised, noticed twice and entered for monitoring."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from engine.errors import Conflict, InvalidData
from monitoring.campaign_nominations import nominating
from monitoring.codelists import labels
from monitoring.event_households import affected_by
from monitoring.households import MEMBER_TEXT_FIELDS
from monitoring.models import Household, MonitoringStatus
from monitoring.processes import NoticeStage, Outcome, ProcessDescriptor, Step, Variables, today_field
from monitoring.processes.site_visits import site_visit


def _check_start(session: Session, household: Household, data: dict[str, Any], today: date) -> None:
    """A case starts from a channel of the code list, and a household already monitored is not identified again."""
    channels = labels(session, "channel")
    if data.get("channel") not in channels:
        raise InvalidData("识别渠道无效", {"channel": "应为 " + "/".join(channels)})
    if household.monitoring_status == MonitoringStatus.MONITORED:
        raise Conflict("该农户已是监测对象")
    if "event_id" in data and not affected_by(session, data["event_id"], household.id):
        raise InvalidData("重大事项无效", {"event_id": "应为列有该农户的重大事项（重大事项绿色通道）"})
    if "campaign_id" in data and (data.get("channel") != "cadre_screening"
                                  or not nominating(session, data["campaign_id"], household)):
        raise InvalidData("年度集中排查无效", {"campaign_id": "应为该农户所在嘎查村正在排查的年度动态管理（干部排查）"})


def _visit(household: Household, data: dict[str, Any], today: date) -> dict[str, Any]:
    return site_visit(household, data, today, "visit")


def _authorize(household: Household, data: dict[str, Any], today: date) -> dict[str, Any]:
    members = [{"name": m.name, "id_number": m.id_number, "health": m.health,
                **{f: getattr(m, f) for f in MEMBER_TEXT_FIELDS if f != "phone" and getattr(m, f)}}
               for m in household.members]
    return {"signed_by": "head", "signed_on": today.isoformat(), "members": members}


def _entry(household: Household, data: dict[str, Any], today: date) -> dict[str, Any]:
    """The type the visit's figures suggest and the risk types the visit recorded (the last visit, after a re-check)."""
    suggested = (data.get("visit_result") or {}).get("suggested_type")
    risk_types = (data.get("visit") or {}).get("risk_types")
    values: dict[str, Any] = {"entry_date": today.isoformat()}
    if suggested:
        values["monitoring_type"] = suggested
    if risk_types:
        values["risk_types"] = list(risk_types)
    return values


DESCRIPTOR = ProcessDescriptor(
    key="identification",
    household_case=True,
    start_fields=frozenset({"channel", "event_id", "campaign_id"}),  # 重大事项绿色通道, 年度集中排查
    check_start=_check_start,
    one_open_case=True,
    steps=(
        Step("apply", "identification_apply.json", answers="application", prefill=today_field("applied_on")),
        Step("visit", "identification_visit.json", prefill=_visit),
        Step("authorize", "identification_authorize.json", answers="authorization", prefill=_authorize,
             annexes=("annex1", "annex7")),
        Step("appraisal", "identification_appraisal.json", prefill=today_field("meeting_date"),
             notice=NoticeStage("identification_first", "识别·第一次公示（嘎查村）")),
        Step("township_review"),
        Step("comparison_review", "identification_comparison.json", answers="comparison"),
        Step("county_review", "identification_county_review.json",
             notice=NoticeStage("identification_second", "识别·第二次公示（旗县）")),
        Step("entry", "identification_entry.json", prefill=_entry),
    ),
    variables=Variables(measurement="visit", measured_on="visited_on", assessment="visit_result",
                        meeting="appraisal", hits="exclusion_hits", gaps="data_gaps", decision="entry",
                        reply="county_review"),
    outcome=Outcome(reached="纳入监测", refused="未纳入", record="entry", field="monitoring_type",
                    code_list="monitoring_type"),
    recheck_step="visit",  # record_objection sends the case back to the visit
    dates=frozenset({"applied_on", "visited_on", "signed_on", "meeting_date", "entry_date"}),
    words={
        "channel": "发现渠道", "event_id": "重大事项绿色通道（事项编号）",
        "campaign_id": "年度集中排查（年度动态管理编号）",
        "found_on": "发现日期", "applied_on": "申请日期", "verify_from": "核实期限起算日",
        "rejection_reason": "不予纳入原因", "exclusion_hits": "数据比对发现的情形",
        "application": "农牧户申请", "visit": "走访排查", "authorization": "农牧户授权", "appraisal": "民主评议",
        "township_review": "苏木乡镇审核", "comparison": "数据比对研判", "county_review": "旗县审定",
        "entry": "录入系统", "visit_result": "走访测算结果",
    },
)

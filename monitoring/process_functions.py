"""The domain functions BPMN may call (registered with the engine's sandbox as a whitelist).

Each runs inside the engine step that calls it and writes through that step's session, so its
effect commits or rolls back with the step. Arguments come from task data: plain JSON values. The
household is never an argument: it is the case's own (its business key), so no form answer and no
script can point a step at another household.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import select

from engine import clock
from engine.calendar import CHINA_TZ
from engine.errors import InvalidData, ScriptError
from engine.models import ProcessInstance, Task
from engine.scripting import current_step, today
from monitoring import (
    comparison,
    decisions,
    elimination,
    households,
    marking_windows,
    notices,
    status_history,
    thresholds,
    votes,
)
from monitoring.campaign_steps import FUNCTIONS as CAMPAIGN_STEPS
from monitoring.cases import household_id_of
from monitoring.codelists import labels
from monitoring.codes import check_selection
from monitoring.documents import store
from monitoring.documents.annexes import ANNEXES, cn_date
from monitoring.event_steps import FUNCTIONS as EVENT_STEPS
from monitoring.measures import plan_to_carry_out, received, record_case_progress
from monitoring.models import OTHER_RISK, Household, HouseholdFeedback, Measurement, MonitoringStatus, Notice, User
from monitoring.places import actor_for
from monitoring.processes import descriptor
from monitoring.quality.corrections import FUNCTIONS as QUALITY_STEPS
from monitoring.rules import Assessment, assess, type_problems

UNNAMED_STEP = "办理过程中"  # a step the case never had as a task: no code reaches the household either


def _household() -> Household:
    """The household the running case is about."""
    step = current_step()
    key = step.session.execute(select(ProcessInstance.business_key)
                               .where(ProcessInstance.id == step.instance_id)).scalar()
    household_id = household_id_of(key)
    household = step.session.get(Household, household_id) if household_id is not None else None
    if household is None:
        raise ScriptError("此流程不是农户案件，不能调用农户的办理函数")
    return household


def record_application(application: dict[str, Any]) -> str:
    """Check the case has its household; returns the application date the visit deadline counts from."""
    _household()
    return str(application.get("applied_on") or today().isoformat())


def record_visit(visit: dict[str, Any]) -> dict[str, Any]:
    """Store what the visit measured into the household record; returns its figures against the year's standards,
    which the model's decision table (``monitoring_type.dmn``) turns into the suggested type."""
    step = current_step()
    household = _household()
    measurement = households.record_measurement(step.session, household, visit, step.username, clock.now(),
                                                _visit_day(visit.get("visited_on"), "visited_on"))
    return _assessment(household, measurement).as_dict()


def _assessment(household: Household, measurement: Measurement) -> Assessment:
    session = current_step().session
    line = thresholds.current(session, thresholds.INCOME_LINE, household.place_path, measurement.year)
    if line is None:
        raise InvalidData("未设置监测收入标准", {"income_line": f"{measurement.year}年的监测收入标准尚未设置"})
    warning = thresholds.current(session, thresholds.EXPENSE_WARNING, household.place_path, measurement.year)
    return assess(measurement, household.size, household.household_type, line, warning)


def record_authorization(authorization: dict[str, Any], members: list[dict[str, Any]]) -> None:
    """Annex 1 signed (by the head, or by proxy with fingerprint); annex 7 members into the household record.

    The members (with their ID numbers) go to the household record only; the case keeps none of them.
    """
    step = current_step()
    household = _household()
    household.authorization = {k: authorization.get(k) for k in ("signed_by", "proxy_name", "fingerprint", "signed_on",
                                                                    "signed_scan")}
    household.authorization["recorded_by"] = step.username
    if members:
        households.replace_members(step.session, household, members)
    step.session.flush()


def post_notice(stage: str, days: int) -> dict[str, Any]:
    """Put the household on its village's notice; the notice runs to the end of ``ends_on`` (China time)."""
    step = current_step()
    notice = notices.post_notice(step.session, _household(), stage, days, today(), step.username, clock.now(),
                                 step.instance_id)
    return {"notice_id": notice.id, "starts_on": notice.starts_on.isoformat(), "ends_on": notice.ends_on.isoformat()}


def compare_with_departments() -> dict[str, Any]:
    """The comparison's hits, and the department data that is missing or too old to rely on."""
    step = current_step()
    household = _household()
    hits = [comparison.describe(step.session, hit) for hit in comparison.compare(step.session, household, clock.now())]
    decisions.record_comparison(hits)
    return {"hits": hits, "data_gaps": comparison.data_gaps(step.session, household.place_path, clock.now())}


def check_comparison_review(review: dict[str, Any], hits: list[Any], gaps: list[dict[str, Any]]) -> None:
    """The county's judgement must answer what the comparison found: each hit struck or admitted as a
    special case, and data that was missing or stale confirmed with how it was checked instead."""
    fields = {}
    decision = review.get("decision")
    if hits and decision == "confirm":
        fields["decision"] = "比对发现排除情形，须剔除或认定为特殊情况"
    elif not hits and decision == "special_case":
        fields["decision"] = "比对未发现排除情形，无需认定特殊情况，请选择确认"
    if gaps and decision != "strike" and not str(review.get("gaps_reason") or "").strip():
        missing = "、".join(str(gap.get("dataset_label")) for gap in gaps)
        fields["gaps_reason"] = f"以下比对数据缺失或过期：{missing}；须说明如何核实"
    if fields:
        raise InvalidData("研判结论与比对结果不符", fields)


def check_votes(appraisal: dict[str, Any], majority: str = votes.DEFAULT_MAJORITY) -> None:
    """The meeting's votes for this household must add up and give the result recorded (``monitoring.votes``);
    ``majority`` is the process's rule: ``attendees`` (default) or ``cast``."""
    problems = votes.vote_problems(appraisal, majority)
    if problems:
        raise InvalidData("表决票数与评议结果不符", problems)


def record_rejection(step_id: str, reason: str) -> None:
    """The case ends without inclusion: keep the reason the household is told (反馈原因), under the name the
    deployed model gives the step that refused (走访排查), which is what the household and officials read."""
    step = current_step()
    step.session.add(HouseholdFeedback(household_id=_household().id, instance_id=step.instance_id,
                                       step=_step_name(str(step_id))[:50],
                                       reason=str(reason or "")[:500], created_at=clock.now(),
                                       created_by=step.username))
    step.session.flush()


def _step_name(step_id: str) -> str:
    """The name of the case's user task ``step_id`` as deployed (its task row was made when it became ready)."""
    step = current_step()
    name = step.session.execute(select(Task.name).where(Task.instance_id == step.instance_id, Task.bpmn_id == step_id)
                                .limit(1)).scalar()
    return name or UNNAMED_STEP


def mark_monitored(monitoring_type: str, risk_types: list[str], since: Any, type_reason: str | None = None,
                   risk_note: str | None = None) -> None:
    """System entry (step 8): the household becomes a monitoring object of a type its record supports, with its
    risk types and what 其他 among them stands for (the form requires it; a model without the field leaves it to
    the data-quality check Q307)."""
    step = current_step()
    household = _household()
    fields = {}
    if monitoring_type not in labels(step.session, "monitoring_type"):
        fields["monitoring_type"] = "监测对象类型无效"
    else:
        measured, suggested = _suggested_type()
        fields.update(type_problems(monitoring_type, household.household_type, suggested, type_reason,
                                    labels(step.session, "monitoring_type"), measured))
    problem = "至少选择一项" if not risk_types else \
        check_selection("risk_type", risk_types, labels(step.session, "risk_type"))
    if problem:
        fields["risk_types"] = problem
    if fields:
        raise InvalidData("录入信息有误", fields)
    household.monitoring_type = monitoring_type
    household.risk_types = list(risk_types)
    note = str(risk_note or "").strip()[:200]
    household.risk_note = note if OTHER_RISK in risk_types and note else None
    household.monitored_since = since if isinstance(since, date) else date.fromisoformat(str(since))
    status_history.record_change(step.session, household, MonitoringStatus.MONITORED, clock.now(), step.username,
                                 instance_id=step.instance_id, on=household.monitored_since)


def _suggested_type() -> tuple[bool, str | None]:
    """Whether the case's decision table suggested a type at the visit, and which (kept in the case's data with its
    figures); a case of a model deployed before the table has none to differ from."""
    step = current_step()
    process_key, data = step.session.execute(select(ProcessInstance.process_key, ProcessInstance.data)
                                             .where(ProcessInstance.id == step.instance_id)).one()
    key = descriptor(process_key).variables.assessment
    found = (data or {}).get(key) if key else None
    measured = isinstance(found, dict) and "suggested_type" in found
    return measured, found["suggested_type"] if measured else None


# --- assistance (帮扶: 部门会商, then each lead department's task) ---------------------------------------------------

def confirm_plan(plan: dict[str, Any]) -> dict[str, Any]:
    """The county confirms the household's plan at the departmental consultation (``plan``: its date, the
    departments present, a note): the measures each lead department carries out, and the plan's warnings."""
    plan = plan_to_carry_out(current_step().session, _household())
    warned = [w["message"] for w in plan["warnings"]]
    said = "措施与风险类型、劳动能力不完全对应，请会商确认" if warned else "措施与风险类型、劳动能力相符"
    decisions.record_list(decisions.PLAN_CHECK, "帮扶计划核对", warned, said)
    return plan


def record_measure_progress(measure_id: int, progress: dict[str, Any]) -> None:
    """A department's task records what it did on a measure of the case's household: the rule of
    PATCH /api/v1/measures/{id}, acting as the task's user. A field left empty keeps what the measure records."""
    step = current_step()
    user = step.session.execute(select(User).where(User.username == step.username)).scalar_one()
    given = {name: progress.get(name) for name in ("status", "done_on", "result", "amount")
             if progress.get(name) is not None}
    record_case_progress(step.session, actor_for(step.session, user), _household(), measure_id, given, clock.now(),
                         today())


def issue_documents(kinds: list[str], step: str) -> None:
    """Ask for the household's annexes (e.g. 1 and 7 at the authorization); rendered after the step commits."""
    context = current_step()
    household = _household()
    for kind in kinds:
        if kind not in ANNEXES or ANNEXES[kind].subject != "household":
            raise InvalidData("文书类型无效", {"kinds": f"{kind} 不是农户文书"})
        store.request_document(context.session, kind, household.id, context.username, clock.now(),
                               context.instance_id, step, household.id)


def issue_notice_document(notice_id: int, step: str) -> None:
    """Ask for the notice's annex; every household of a batch asks for the same one, so the batch prints once."""
    context = current_step()
    household = _household()
    row = context.session.get(Notice, int(notice_id))
    kind = store.NOTICE_ANNEXES.get(row.stage) if row is not None else None
    if kind is None or household.id not in notices.households_on(context.session, row.id):
        raise InvalidData("公示不存在或本户不在公示名单上", {"notice_id": str(notice_id)})
    store.request_document(context.session, kind, row.id, context.username, clock.now(), context.instance_id, step,
                           household.id)


def marking_window_open() -> bool:
    """Whether the case's household may be marked today (risk elimination waits at its marking step otherwise)."""
    household = _household()
    return marking_windows.window_for(current_step().session, household.place_path, today()) is not None


def marking_window_opens_on() -> str | None:
    """The first day from today on when the household may be marked (ISO); None while its county sets none ahead."""
    household = _household()
    day = marking_windows.next_opening(current_step().session, household.place_path, today())
    return day.isoformat() if day is not None else None


# --- risk elimination (风险消除) -----------------------------------------------------------------------------------

ACCEPTANCE_VERDICTS = {  # the acceptance checklist's four criteria (annex 5), as the township answers them
    "measures_ok": "针对性帮扶措施落实", "guarantees_ok": "“三保障”和饮水安全巩固",
    "income_ok": "人均纯收入稳定超过监测收入标准", "expenses_ok": "大额刚性支出问题解决",
}
MIN_INSPECTORS = 2


def verify_elimination(verification: dict[str, Any], min_measurements: int = 2,
                       months_apart: int = 6) -> dict[str, Any]:
    """Store the year's measurement taken on site, then check the four criteria on the household's records
    (``monitoring.elimination``); the model sets how stable income must be. A village that approves what the
    records do not support is refused on the note of each criterion not met, with the evidence."""
    step = current_step()
    household = _household()
    year = elimination.income_year(verification.get("year"), today())  # the year stored is the year judged
    households.record_measurement(step.session, household, {**verification, "year": year}, step.username,
                                  clock.now(), _visit_day(verification.get("visited_on"), "visited_on"))
    result = elimination.verify(step.session, household, str(verification.get("method")), today(), year=year,
                                min_measurements=int(min_measurements), months_apart=int(months_apart))
    decisions.record_criteria(result.as_dict())
    if verification.get("approved") and result.unmet:
        raise InvalidData("核查结果不符合风险消除条件，不能认定为符合",
                          {f"{c.key}_note": f"{c.title}：{c.evidence}" for c in result.unmet})
    return result.as_dict()


def review_warnings(method: str, min_months: int = 6) -> list[str]:
    """What the county must confirm with a reason before approving (e.g. monitored fewer than ``min_months``);
    the model keeps them as ``elimination_warnings`` (a function's name is never task data's)."""
    found = elimination.warnings(_household(), str(method), today(), min_months=int(min_months))
    decisions.record_list(decisions.WARNINGS, "县级审定前须确认的情形", found,
                          "县级审定须填写确认理由" if found else "无须特别确认")
    return found


def check_acceptance(acceptance: dict[str, Any]) -> None:
    """At least two inspectors sign the checklist; a pass needs the head's signature and every criterion met."""
    fields = {}
    names = {str(name).strip() for name in acceptance.get("inspectors") or [] if str(name).strip()}
    if len(names) < MIN_INSPECTORS:
        fields["inspectors"] = f"验收人员至少{MIN_INSPECTORS}人，现有{len(names)}人"
    if acceptance.get("approved"):
        if acceptance.get("head_signed") is not True:
            fields["head_signed"] = "户主未在验收表上签字，验收不能通过"
        for key, title in ACCEPTANCE_VERDICTS.items():
            if acceptance.get(key) is not True:
                fields[key] = f"{title}未达到，验收不能通过"
    if fields:
        raise InvalidData("验收信息与验收结论不符", fields)


def check_elimination_review(county_review: dict[str, Any], warnings: list[str]) -> None:
    """Before the county approves: a household with several risk types has its focused review written down, and
    each warning computed before the review is confirmed with a reason."""
    if not county_review.get("approved"):
        return
    fields = {}
    household = _household()
    if len(household.risk_types or []) >= 2 and not str(county_review.get("focused_review") or "").strip():
        risks = labels(current_step().session, "risk_type", include_retired=True)
        named = "、".join(risks.get(r, r) for r in household.risk_types)
        fields["focused_review"] = f"该户有{len(household.risk_types)}项风险类型（{named}），须填写重点审核情况"
    if warnings and not str(county_review.get("warnings_reason") or "").strip():
        fields["warnings_reason"] = "须说明确认理由：" + "；".join(str(w) for w in warnings)
    if fields:
        raise InvalidData("县级审定信息不全", fields)


def mark_eliminated(marking: dict[str, Any]) -> list[str]:
    """System marking (step 5): the household leaves monitoring with its method and day, kept in its status
    history; returns the measures it received, as the annexes print them."""
    step = current_step()
    household = _household()
    method, day = str(marking.get("method")), today()
    fields = {}
    if marking.get("annex7_collected") is not True:
        fields["annex7_collected"] = "标注前须再次采集监测对象信息采集表（附件7）"
    fields.update(elimination.marking_problems(step.session, household, method, day))
    marked_on = _day(marking.get("marked_on"), "marked_on")
    window = marking_windows.window_for(step.session, household.place_path, day)
    if marked_on > day:
        fields["marked_on"] = "风险消除日期不能晚于今天"
    elif window is not None and not window.contains(marked_on):
        span = f"{cn_date(window.opens_on)}至{cn_date(window.closes_on)}"
        fields["marked_on"] = f"风险消除日期应在本次标注窗口期内（{span}）"
    elif "monitored_since" in elimination.marking_problems(step.session, household, method, marked_on):
        fields["marked_on"] = "风险消除日期不能与识别纳入监测在同一个月"
    if fields:
        raise InvalidData("不能标注风险消除", fields)
    status_history.record_change(step.session, household, MonitoringStatus.ELIMINATED, clock.now(), step.username,
                                 method=method, instance_id=step.instance_id, on=marked_on)
    return received(household)


def _visit_day(value: Any, field: str) -> date:
    """The day a visit measured the household: within the case's life (from the day it started to today), so a
    typed date can neither predate the case nor fake the months between measurements that income stability needs."""
    day = _day(value, field) if value else today()
    step = current_step()
    started = step.session.execute(select(ProcessInstance.created_at)
                                   .where(ProcessInstance.id == step.instance_id)).scalar()
    first = started.astimezone(CHINA_TZ).date() if started is not None else day
    if day > today():
        raise InvalidData("走访日期有误", {field: "不能晚于今天"})
    if day < first:
        raise InvalidData("走访日期有误", {field: f"不能早于本案件发起之日（{cn_date(first)}）"})
    return day


def _day(value: Any, field: str) -> date:
    """A date a form gave (ISO); the form checks its format, a script may not."""
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InvalidData("日期无效", {field: "应为日期，如 2026-09-15"}) from None


FUNCTIONS: dict[str, Callable] = {
    "record_application": record_application,
    "record_visit": record_visit,
    "record_authorization": record_authorization,
    "issue_documents": issue_documents,
    "issue_notice_document": issue_notice_document,
    "post_notice": post_notice,
    "compare_with_departments": compare_with_departments,
    "check_comparison_review": check_comparison_review,
    "check_votes": check_votes,
    "confirm_plan": confirm_plan,
    "record_measure_progress": record_measure_progress,
    "record_rejection": record_rejection,
    "mark_monitored": mark_monitored,
    "marking_window_open": marking_window_open,
    "marking_window_opens_on": marking_window_opens_on,
    "verify_elimination": verify_elimination,
    "review_warnings": review_warnings,
    "check_acceptance": check_acceptance,
    "check_elimination_review": check_elimination_review,
    "mark_eliminated": mark_eliminated,
    **EVENT_STEPS,  # 重大事项逐级上报 (monitoring.event_steps)
    **CAMPAIGN_STEPS,  # 年度动态管理 (monitoring.campaign_steps)
    **QUALITY_STEPS,  # 问题数据整改 (monitoring.quality.corrections)
}

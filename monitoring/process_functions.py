"""The domain functions BPMN may call (registered with the engine's sandbox as a whitelist).

Each runs inside the engine step that calls it and writes through that step's session, so its
effect commits or rolls back with the step. Arguments come from task data: plain JSON values.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from engine import clock
from engine.errors import InvalidData
from engine.scripting import current_step, today
from monitoring import comparison, households, notices, thresholds
from monitoring.codelists import labels
from monitoring.codes import check_selection
from monitoring.documents import store
from monitoring.documents.annexes import ANNEXES
from monitoring.models import Household, HouseholdFeedback, MonitoringStatus, Notice
from monitoring.rules import assess


def _household(household_id: Any) -> Household:
    household = current_step().session.get(Household, int(household_id))
    if household is None:
        raise InvalidData("农户不存在", {"household_id": f"农户 {household_id} 不存在"})
    return household


def record_application(household_id: int, application: dict[str, Any]) -> str:
    """Check the application belongs to a known household; returns the application date for deadlines."""
    _household(household_id)
    return str(application.get("applied_on") or today().isoformat())


def record_visit(household_id: int, visit: dict[str, Any]) -> dict[str, Any]:
    """Store what the visit measured into the household record; returns the criteria's verdict."""
    step = current_step()
    household = _household(household_id)
    measurement = households.record_measurement(step.session, household, visit, step.username, clock.now())
    line = thresholds.current(step.session, thresholds.INCOME_LINE, household.place_path, measurement.year)
    if line is None:
        raise InvalidData("未设置监测收入标准", {"income_line": f"{measurement.year}年的监测收入标准尚未设置"})
    warning = thresholds.current(step.session, thresholds.EXPENSE_WARNING, household.place_path, measurement.year)
    return assess(measurement, household.size, household.household_type, line, warning).as_dict()


def record_authorization(household_id: int, authorization: dict[str, Any]) -> None:
    """Annex 1 signed (by the head, or by proxy with fingerprint); annex 7 members into the household record."""
    step = current_step()
    household = _household(household_id)
    household.authorization = {k: authorization.get(k) for k in ("signed_by", "proxy_name", "fingerprint", "signed_on",
                                                                    "signed_scan")}
    household.authorization["recorded_by"] = step.username
    if authorization.get("members"):
        households.replace_members(step.session, household, authorization["members"])
    step.session.flush()


def post_notice(household_id: int, stage: str, days: int) -> dict[str, Any]:
    step = current_step()
    notice = notices.post_notice(step.session, _household(household_id), stage, days, today(), step.username,
                                 clock.now())
    return {"notice_id": notice.id, "starts_on": notice.starts_on.isoformat(), "ends_on": notice.ends_on.isoformat()}


def compare_with_departments(household_id: int) -> list[dict[str, Any]]:
    step = current_step()
    hits = comparison.compare(step.session, _household(household_id), clock.now())
    return [comparison.describe(step.session, hit) for hit in hits]


def record_rejection(household_id: int, step_name: str, reason: str) -> None:
    """The case ends without inclusion: keep the reason the household is told (反馈原因)."""
    step = current_step()
    step.session.add(HouseholdFeedback(household_id=_household(household_id).id, step=str(step_name)[:50],
                                       reason=str(reason or "")[:500], created_at=clock.now(),
                                       created_by=step.username))
    step.session.flush()


def mark_monitored(household_id: int, monitoring_type: str, risk_types: list[str], since: Any) -> None:
    """System entry (step 8): the household becomes a monitoring object."""
    step = current_step()
    household = _household(household_id)
    fields = {}
    if monitoring_type not in labels(step.session, "monitoring_type"):
        fields["monitoring_type"] = "监测对象类型无效"
    problem = "至少选择一项" if not risk_types else \
        check_selection("risk_type", risk_types, labels(step.session, "risk_type"))
    if problem:
        fields["risk_types"] = problem
    if fields:
        raise InvalidData("录入信息有误", fields)
    household.monitoring_status = MonitoringStatus.MONITORED
    household.monitoring_type = monitoring_type
    household.risk_types = list(risk_types)
    household.monitored_since = since if isinstance(since, date) else date.fromisoformat(str(since))
    step.session.flush()


def issue_documents(household_id: int, kinds: list[str], step: str) -> None:
    """Ask for the household's annexes (e.g. 1 and 7 at the authorization); rendered after the step commits."""
    context = current_step()
    _household(household_id)
    for kind in kinds:
        if kind not in ANNEXES or ANNEXES[kind].subject != "household":
            raise InvalidData("文书类型无效", {"kinds": f"{kind} 不是农户文书"})
        store.request_document(context.session, kind, int(household_id), context.username, clock.now(),
                               context.instance_id, step, int(household_id))


def issue_notice_document(notice_id: int, household_id: int, step: str) -> None:
    """Ask for the notice's annex; every household of a batch asks for the same one, so the batch prints once."""
    context = current_step()
    row = context.session.get(Notice, int(notice_id))
    kind = store.NOTICE_ANNEXES.get(row.stage) if row is not None else None
    if kind is None:
        raise InvalidData("公示不存在或没有对应的文书", {"notice_id": str(notice_id)})
    store.request_document(context.session, kind, row.id, context.username, clock.now(), context.instance_id, step,
                           int(household_id))


FUNCTIONS: dict[str, Callable] = {
    "record_application": record_application,
    "record_visit": record_visit,
    "record_authorization": record_authorization,
    "issue_documents": issue_documents,
    "issue_notice_document": issue_notice_document,
    "post_notice": post_notice,
    "compare_with_departments": compare_with_departments,
    "record_rejection": record_rejection,
    "mark_monitored": mark_monitored,
}

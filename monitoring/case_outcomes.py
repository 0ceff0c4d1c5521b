"""How a case ended, in the words a list of cases shows: 纳入监测（类型）, 未纳入，原因…, 已撤销，原因….

"已办结" says only that nothing is left to do; whoever reads a list of cases wants to know what came of
each. The answer is in the case's own data (what its steps recorded) and, for a cancelled case, in the
reason kept with its cancellation.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import AuditEvent, InstanceStatus, ProcessInstance
from monitoring.codelists import labels

REASON_CHARS = 30  # a list shows the start of a reason; the case page shows all of it


def outcomes(session: Session, instances: Sequence[ProcessInstance]) -> dict[int, str]:
    """Instance id -> how it ended, for the ended ones among ``instances`` (two queries at most)."""
    cancelled = [i.id for i in instances if i.status == InstanceStatus.CANCELLED]
    reasons = dict(session.execute(select(AuditEvent.instance_id, AuditEvent.detail).where(
        AuditEvent.instance_id.in_(cancelled), AuditEvent.type == "instance_cancelled")).all()) if cancelled else {}
    types = labels(session, "monitoring_type", include_retired=True) \
        if any(i.status == InstanceStatus.COMPLETED for i in instances) else {}
    found = {}
    for instance in instances:
        if instance.status == InstanceStatus.CANCELLED:
            found[instance.id] = _with_reason("已撤销", (reasons.get(instance.id) or {}).get("reason"))
        elif instance.status == InstanceStatus.COMPLETED:
            found[instance.id] = _completed(instance.data or {}, types)
    return found


def _completed(data: dict, types: dict[str, str]) -> str:
    if data.get("rejection_reason") or data.get("rejected_step"):
        return _with_reason("未纳入", data.get("rejection_reason"))
    monitoring_type = (data.get("entry") or {}).get("monitoring_type") if isinstance(data.get("entry"), dict) else None
    if monitoring_type:
        return f"纳入监测（{types.get(monitoring_type, '类型未知')}）"
    return "已办结"


def _with_reason(outcome: str, reason: object) -> str:
    text = str(reason or "").strip()
    if not text:
        return outcome
    return f"{outcome}，原因：{text[:REASON_CHARS]}{'…' if len(text) > REASON_CHARS else ''}"

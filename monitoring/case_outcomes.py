"""How a case ended, in the words a list of cases shows: 纳入监测（类型）, 未纳入，原因…, 已撤销，原因….

"已办结" says only that nothing is left to do; whoever reads a list of cases wants to know what came of
each. The answer is in the case's own data (what its steps recorded) and, for a cancelled case, in the
reason kept with its cancellation; what a completed case's data says is declared per process
(``monitoring.processes``).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import AuditEvent, InstanceStatus, ProcessInstance
from monitoring import processes
from monitoring.codelists import labels
from monitoring.processes import Outcome

ENDED = "已办结"  # nothing is left to do, and the data says no more
REASON_CHARS = 30  # a list shows the start of a reason; the case page shows all of it


def outcomes(session: Session, instances: Sequence[ProcessInstance]) -> dict[int, str]:
    """Instance id -> how it ended, for the ended ones among ``instances`` (two queries at most)."""
    cancelled = [i.id for i in instances if i.status == InstanceStatus.CANCELLED]
    reasons = dict(session.execute(select(AuditEvent.instance_id, AuditEvent.detail).where(
        AuditEvent.instance_id.in_(cancelled), AuditEvent.type == "instance_cancelled")).all()) if cancelled else {}
    completed = [(i, processes.descriptor(i.process_key).outcome) for i in instances
                 if i.status == InstanceStatus.COMPLETED]
    code_lists = {o.code_list for _, o in completed if o is not None}
    names = {key: labels(session, key, include_retired=True) for key in code_lists}
    found = {}
    for instance in instances:
        if instance.status == InstanceStatus.CANCELLED:
            found[instance.id] = _with_reason("已撤销", (reasons.get(instance.id) or {}).get("reason"))
    for instance, outcome in completed:
        found[instance.id] = _completed(instance.data or {}, outcome, names) if outcome else ENDED
    return found


def _completed(data: dict, outcome: Outcome, names: dict[str, dict[str, str]]) -> str:
    if data.get(outcome.reason) or data.get(outcome.refused_step):
        return _with_reason(outcome.refused, data.get(outcome.reason))
    record = data.get(outcome.record)
    reached = record.get(outcome.field) if isinstance(record, dict) else None
    if reached:
        return f"{outcome.reached}（{names[outcome.code_list].get(reached, '类型未知')}）"
    return ENDED


def _with_reason(outcome: str, reason: object) -> str:
    text = str(reason or "").strip()
    if not text:
        return outcome
    return f"{outcome}，原因：{text[:REASON_CHARS]}{'…' if len(text) > REASON_CHARS else ''}"

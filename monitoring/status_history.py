"""A household's monitoring status and its history: every change goes through ``record_change``, so the
household's fields and the row that explains them are written together and can never disagree."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine.calendar import CHINA_TZ
from engine.errors import Conflict
from engine.limits import string_length
from monitoring.models import Household, HouseholdStatusChange, MonitoringStatus

REASON_MAX = string_length(HouseholdStatusChange.reason)
STATUS_WORDS = {MonitoringStatus.NOT_MONITORED: "未纳入监测", MonitoringStatus.MONITORED: "监测对象",
                MonitoringStatus.ELIMINATED: "风险已消除"}


def record_change(session: Session, household: Household, to_status: str, at: datetime, by: str, *,
                  method: str | None = None, reason: str | None = None, instance_id: int | None = None,
                  on: date | None = None) -> HouseholdStatusChange:
    """Move the household to ``to_status`` and keep the change.

    ``at`` is when it is recorded, ``on`` the day it takes effect (default: ``at``'s day in China). An
    elimination keeps its method and day on the household; becoming monitored again clears them. The type,
    risk types and ``monitored_since`` are the caller's (identification sets them, a reversal keeps them).
    """
    if to_status not in MonitoringStatus.__members__.values():
        raise ValueError(f"unknown monitoring status {to_status!r}")
    if to_status == household.monitoring_status:
        raise Conflict(f"该农户已是“{STATUS_WORDS[to_status]}”，状态未变")
    moved = session.execute(update(Household).where(Household.id == household.id,
                                                    Household.monitoring_status == household.monitoring_status)
                            .values(monitoring_status=to_status).execution_options(synchronize_session=False))
    if moved.rowcount != 1:  # another request changed it since this one read it: nothing is written twice
        raise Conflict("该农户的监测状态刚被他人更改，请刷新后重试")
    effective = on if on is not None else at.astimezone(CHINA_TZ).date()
    change = HouseholdStatusChange(household_id=household.id, from_status=household.monitoring_status,
                                   to_status=to_status, monitoring_type=household.monitoring_type, method=method,
                                   reason=(reason or "")[:REASON_MAX], instance_id=instance_id, changed_on=effective,
                                   changed_at=at, changed_by=by)
    household.monitoring_status = to_status
    if to_status == MonitoringStatus.ELIMINATED:
        household.elimination_method = method
        household.eliminated_on = effective
    else:
        household.elimination_method = None
        household.eliminated_on = None
    session.add(change)
    session.flush()
    return change


def history(session: Session, household_id: int) -> list[HouseholdStatusChange]:
    """The household's status changes, oldest first."""
    return list(session.execute(select(HouseholdStatusChange).where(HouseholdStatusChange.household_id == household_id)
                                .order_by(HouseholdStatusChange.id)).scalars())


def is_reversal(change: HouseholdStatusChange) -> bool:
    """An elimination undone by the county (风险消除回退), not a new identification: no case made it."""
    return (change.from_status == MonitoringStatus.ELIMINATED and change.to_status == MonitoringStatus.MONITORED
            and change.instance_id is None)


def what_changed(change: HouseholdStatusChange, method_label: str = "") -> str:
    """The change as officials name it: 纳入监测, 风险消除（帮扶消除）, 风险消除回退, 重新纳入监测."""
    if is_reversal(change):
        return "风险消除回退"
    if change.to_status == MonitoringStatus.ELIMINATED:
        return f"风险消除（{method_label}）" if method_label else "风险消除"
    if change.to_status == MonitoringStatus.MONITORED:
        return "纳入监测" if change.from_status == MonitoringStatus.NOT_MONITORED else "重新纳入监测"
    return "退出监测"

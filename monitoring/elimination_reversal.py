"""风险消除回退: the county reverts an elimination found unstable; the household is a monitoring object again
(its type and risk types as before) and its history keeps the elimination and the reversal with its reason."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from engine.assignment import Actor
from engine.core import Engine
from engine.errors import Conflict, Forbidden, InvalidData
from engine.text import read_text
from monitoring import assistance_cases, status_history
from monitoring.households import visible_household
from monitoring.models import Household, MonitoringStatus
from monitoring.permissions import ELIMINATION_REVERTERS

FIELDS = frozenset({"reason"})


def may_revert(actor: Actor, household: Household) -> bool:
    """Whether the page offers the reversal: the county's, for an eliminated household it sees in full."""
    return (actor.role in ELIMINATION_REVERTERS and actor.place_scope
            and household.monitoring_status == MonitoringStatus.ELIMINATED)


def read_reversal(data: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """The reason as stored, and what is wrong with the request per field (empty: nothing)."""
    fields: dict[str, str] = {name: "不能填写此项" for name in sorted(set(data) - FIELDS)}
    reason = read_text(data.get("reason"), "reason", fields, status_history.REASON_MAX, label="回退理由",
                       multiline=True)
    return reason, fields


def check_reverter(actor: Actor) -> None:
    """Only the county reverts (``permissions.ELIMINATION_REVERTERS``); asked before anything is looked up."""
    if actor.role not in ELIMINATION_REVERTERS or not actor.place_scope:
        raise Forbidden("只有旗县可以回退风险消除")


def revert_elimination(engine: Engine, session: Session, actor: Actor, household_id: int,
                       data: dict[str, Any]) -> Household:
    """Monitor the household again, with the reason, and start its new assistance (部门会商 in the county's inbox) in
    the same transaction: the measures before the reversal did not remove the risk, so an assisted elimination
    now rests on measures done after it (``elimination.reverted_on``). Refused (nothing changed) unless the county
    reverts an eliminated household in its scope."""
    check_reverter(actor)
    household = visible_household(session, household_id, actor)
    reason, fields = read_reversal(data)
    if fields:
        raise InvalidData("回退信息有误", fields)
    if household.monitoring_status != MonitoringStatus.ELIMINATED:
        raise Conflict("该农户不是风险消除户，不能回退")
    status_history.record_change(session, household, MonitoringStatus.MONITORED, engine.now(), actor.username,
                                 reason=reason)
    assistance_cases.start_consultation(engine, session, actor, household)
    return household

"""Starting a household's case: the process runs at the household's village, keyed by the household."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.assignment import Actor
from engine.core import Engine
from engine.errors import Conflict, InvalidData
from engine.instances import start_instance
from engine.models import InstanceStatus, ProcessInstance
from monitoring.codelists import labels
from monitoring.households import visible_household
from monitoring.models import MonitoringStatus

IDENTIFICATION = "identification"


def business_key(household_id: int) -> str:
    return f"household:{household_id}"


def start_case(engine: Engine, session: Session, actor: Actor, process: str, household_id: int,
               data: dict[str, Any]) -> int:
    """Start ``process`` for a household; one open case per household and process."""
    household = visible_household(session, household_id, actor)
    if process == IDENTIFICATION:
        _check_identification(session, household.monitoring_status, data)
    running = session.execute(select(ProcessInstance.id).where(
        ProcessInstance.business_key == business_key(household.id), ProcessInstance.process_key == process,
        ProcessInstance.status == InstanceStatus.RUNNING)).first()
    if running is not None:
        raise Conflict(f"该农户已有进行中的案件 (#{running.id})")
    start_data = {"found_on": engine.today().isoformat(), **data, "household_id": household.id}
    return start_instance(engine, session, process, household.village_code, household.place_path, actor,
                          start_data, business_key=business_key(household.id))


def _check_identification(session: Session, status: str, data: dict[str, Any]) -> None:
    channels = labels(session, "channel")
    if data.get("channel") not in channels:
        raise InvalidData("识别渠道无效", {"channel": "应为 " + "/".join(channels)})
    if status == MonitoringStatus.MONITORED:
        raise Conflict("该农户已是监测对象")


def cases_of(session: Session, household_id: int) -> list[ProcessInstance]:
    return list(session.execute(select(ProcessInstance).where(
        ProcessInstance.business_key == business_key(household_id)).order_by(ProcessInstance.id)).scalars())

"""Starting cases, and the household a case is about.

A household's case is bound to its household when it starts: the business key ``household:<id>``,
set only here and only through the household route. Every domain function and every prefill reads the
household from that key, never from case data, which users write through task forms.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.assignment import Actor
from engine.core import Engine
from engine.errors import AlreadyOpen, Conflict, EngineError, Forbidden, InvalidData
from engine.instances import cancel_instance, instance_in_scope, start_instance
from engine.models import ProcessInstance
from engine.versions import latest_version
from monitoring import permissions, processes
from monitoring.households import check_not_merged, visible_household
from monitoring.models import Household
from monitoring.places import place_in_scope

IDENTIFICATION = "identification"


def business_key(household_id: int) -> str:
    return f"household:{household_id}"


def household_id_of(business_key: str | None) -> int | None:
    """The household a case is about, from its business key; None for cases of no household."""
    prefix, _, value = (business_key or "").partition(":")
    return int(value) if prefix == "household" and value.isdigit() else None


def household_of(session: Session, instance: ProcessInstance) -> Household | None:
    household_id = household_id_of(instance.business_key)
    return session.get(Household, household_id) if household_id is not None else None


def start(engine: Engine, session: Session, actor: Actor, process: str, data: dict[str, Any],
          household_id: int | None = None, place_code: str | None = None) -> int:
    """Start a case: a household's through its household, any other process at a place in the actor's scope; one
    that only its domain act starts (``started_by_act``) not at all."""
    if processes.descriptor(process).started_by_act:
        raise InvalidData("此流程不能直接发起", {"process": "此流程由其业务操作发起（如上报重大事项），不能直接发起"})
    if household_id is not None:
        return start_case(engine, session, actor, process, household_id, data, place_code)
    if processes.descriptor(process).household_case:
        raise InvalidData("此流程针对一个农户，须指定农户", {"household_id": "必填：此流程须通过农户发起"})
    if not place_code:
        raise InvalidData("请指定区划", {"place": "必填"})
    place = place_in_scope(session, actor, place_code)
    return start_instance(engine, session, process, place.code, place.path, actor, data)


def start_case(engine: Engine, session: Session, actor: Actor, process: str, household_id: int,
               data: dict[str, Any], place_code: str | None = None, *, on_act: bool = False) -> int:
    """Start ``process`` for a household under its process's start rules (``monitoring.processes``); one open case
    per household where the process says so, held by the database (an exclusive instance), not by a prior read.
    The household's village is the case's place: a ``place_code`` naming another is refused, never ignored.
    ``on_act``: the start follows an act whose own rule said who may do it (the county fast-tracking a household a
    major event affects), so the start event's lane is not asked; the process's start rules still are."""
    household = visible_household(session, household_id, actor)
    check_not_merged(household)
    if place_code is not None and place_code != household.village_code:
        raise InvalidData("案件区划由农户决定", {
            "place": f"该农户属于 {household.village_code}，案件区划由农户决定：不填或填写该嘎查村"})
    described = processes.descriptor(process)
    if described.start_fields is not None:
        unknown = sorted(set(data) - described.start_fields)
        if unknown:
            raise InvalidData("发起案件的数据有误", {name: "不能在发起时填写，由系统记录" for name in unknown})
    if described.check_start is not None:
        described.check_start(session, household, data, engine.today())
    start_data = {**data, "found_on": engine.today().isoformat()}
    try:
        if on_act:
            return _create(engine, session, actor, process, household, start_data, described.one_open_case)
        return start_instance(engine, session, process, household.village_code, household.place_path, actor,
                              start_data, business_key=business_key(household.id), exclusive=described.one_open_case)
    except AlreadyOpen as open_case:
        raise Conflict(f"该农户已有进行中的案件 (#{open_case.instance_id})") from None


class CaseNotStarted(EngineError):
    """A case the system starts after a user's act failed to start; the act is refused with it."""

    code = "case_not_started"


def start_after(engine: Engine, session: Session, actor: Actor, process: str, household: Household,
                data: dict[str, Any]) -> int:
    """Start a household's case because of what ``actor`` just did (e.g. planned a measure after the consultation),
    in the act's transaction: bound to the household as ``start_case`` binds it and started by that user, but with
    neither the start lane nor the process's start rules, nor the one open case per household: those decide what a
    person may start at will, and the act was checked by its own rule, which starts one case per act. A case that
    cannot start refuses the act."""
    return _create(engine, session, actor, process, household, data)


def _create(engine: Engine, session: Session, actor: Actor, process: str, household: Household,
            data: dict[str, Any], exclusive: bool = False) -> int:
    """A household's case started by ``actor`` without asking the start lane; a case that fails at once refuses."""
    version = engine.versions.get(session, latest_version(session, process).id)
    step = engine.create_instance(session, version, household.village_code, household.place_path, actor.username,
                                  data, business_key(household.id), exclusive=exclusive)
    if step.error is not None:
        raise CaseNotStarted(f"流程“{process}”未能启动: {step.error}")
    return step.instance_id


def cases_of(session: Session, household_id: int) -> list[ProcessInstance]:
    return list(session.execute(select(ProcessInstance).where(
        ProcessInstance.business_key == business_key(household_id)).order_by(ProcessInstance.id)).scalars())


def cancel_case(engine: Engine, session: Session, instance_id: int, actor: Actor, reason: Any) -> None:
    """Cancel a case at a place the actor sees, by the one cancel rule (``check_cancel``); pages and API alike."""
    check_cancel(actor, instance_in_scope(session, instance_id, actor).process_key)
    cancel_instance(engine, session, instance_id, actor, reason)


def check_cancel(actor: Actor, process_key: str) -> None:
    """Who may cancel a case (撤销案件, ``permissions.CASE_SUPERVISORS``), and which cases none may: a process whose
    descriptor is not cancellable (a campaign's part, a major event's report) is ended by its own steps only."""
    if actor.role not in permissions.CASE_SUPERVISORS:
        raise Forbidden("只有旗县或管理员可以撤销案件")
    if not processes.descriptor(process_key).cancellable:
        raise Forbidden("此类案件由流程各级办理办结，不能撤销")


def may_cancel(actor: Actor, process_key: str) -> bool:
    """Whether the case page offers 撤销案件: the same rule as ``check_cancel``."""
    return actor.role in permissions.CASE_SUPERVISORS and processes.descriptor(process_key).cancellable

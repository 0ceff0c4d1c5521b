"""问题数据整改 (筛查—整改—再筛查): a village with open errors gets a case of ``processes/quality_correction.bpmn``
whose task lists its findings; the village corrects its records and submits, and the case runs the checks over the
village again (``recheck_village``), returning the task while errors remain (a warning may be right: the village
looks at it, but it never holds the case open). One running case per village (an exclusive
instance on the village's business key), so a nightly run and a county's run never hand a village two tasks.
The village comes from the case itself (its business key and place), never from task data."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from engine import clock
from engine.core import Engine
from engine.errors import AlreadyOpen, Conflict, InvalidData, NotDeployed, ScriptError
from engine.models import InstanceStatus, ProcessInstance
from engine.scope import below, code_at
from engine.scripting import current_step, today
from engine.versions import latest_version
from monitoring import decisions
from monitoring.quality.catalogue import CheckScope, Severity
from monitoring.quality.findings import is_open
from monitoring.quality.models import QualityFinding, QualityRun
from monitoring.quality.runner import RunSummary, run_by_county, run_checks

PROCESS = "quality_correction"
log = logging.getLogger("fangpin.quality")
KEY_PREFIX = "quality:"
CASES_PER_COMMIT = 50


def business_key(village_code: str) -> str:
    return f"{KEY_PREFIX}{village_code}"


def _open_findings_of(place_path: str) -> tuple[ColumnElement[bool], ...]:
    return is_open(), below(QualityFinding.place_path, place_path)


def open_counts(session: Session, place_path: str) -> dict[str, int]:
    """How many findings are open at the place and below: in all, errors, warnings, and households with any."""
    row = session.execute(select(
        func.count(), func.count().filter(QualityFinding.severity == Severity.ERROR),
        func.count(func.distinct(QualityFinding.household_id))).where(*_open_findings_of(place_path))).one()
    return {"open": row[0], "errors": row[1], "warnings": row[0] - row[1], "households": row[2]}


def start_corrections(engine: Engine, session: Session, place_path: str, username: str) -> int:
    """Start a correction case for each village at ``place_path`` or below that has open errors and no running
    case, committing every ``CASES_PER_COMMIT`` (a county's hundreds of cases are not one transaction, and a case
    that fails to start loses only its batch); returns how many started. A village whose case runs is left to it:
    its next recheck sees the new findings."""
    villages = session.execute(
        select(QualityFinding.place_path)
        .where(*_open_findings_of(place_path), QualityFinding.severity == Severity.ERROR).distinct()).scalars().all()
    running = set(session.execute(select(ProcessInstance.business_key).where(
        ProcessInstance.process_key == PROCESS, ProcessInstance.status == InstanceStatus.RUNNING,
        below(ProcessInstance.place_path, place_path))).scalars())
    waiting = [path for path in villages if business_key(code_at(path)) not in running]
    if not waiting:
        return 0
    try:
        version = engine.versions.get(session, latest_version(session, PROCESS).id)
    except NotDeployed:  # a deployment without the shipped model: the findings stand, no task is handed out
        log.warning("%s is not deployed: %d villages with errors get no correction task", PROCESS, len(waiting))
        return 0
    started = 0
    for tried, village_path in enumerate(waiting, start=1):
        code = code_at(village_path)
        try:
            step = engine.create_instance(session, version, code, village_path, username, {}, business_key(code),
                                          exclusive=True)
        except AlreadyOpen:  # started meanwhile by another run
            continue
        if step.error is not None:
            log.error("the correction case of village %s did not start: %s", code, step.error)
        started += step.error is None
        if tried % CASES_PER_COMMIT == 0:
            session.commit()
    session.commit()
    return started


def run_and_assign(engine: Engine, session: Session, scope: CheckScope, by: str, now: datetime, *,
                   skip_busy: bool = False, run: QualityRun | None = None) -> tuple[RunSummary, int]:
    """A run a county at a time (``runner.run_by_county``: on demand, the command, the nightly run on its claimed
    ``run``); once a county's findings are committed, each of its villages left with errors gets its correction task
    — a failure to start them is logged and the run goes on. The run's summary, and how many cases it started."""
    started = 0

    def assign(county_path: str) -> None:
        nonlocal started
        try:
            started += start_corrections(engine, session, county_path, by)
        except Exception:
            session.rollback()
            log.exception("correction cases of %s were not started", county_path)

    summary = run_by_county(session, scope, by, now, then=assign, skip_busy=skip_busy, run=run)
    return summary, started


def _village() -> tuple[str, str]:
    """The running case's village: its code and path."""
    step = current_step()
    row = step.session.execute(select(ProcessInstance.business_key, ProcessInstance.place_code,
                                      ProcessInstance.place_path)
                               .where(ProcessInstance.id == step.instance_id)).one()
    if row.business_key != business_key(row.place_code):
        raise ScriptError("此流程不是问题数据整改案件，不能调用整改的办理函数")
    return row.place_code, row.place_path


def village_findings() -> dict[str, int]:
    """The case's village's open findings, counted (the task's page lists them live from the records)."""
    _code, path = _village()
    return open_counts(current_step().session, path)


def recheck_village() -> dict[str, int]:
    """Run the checks over the case's village again (findings no longer tripped close themselves); returns what is
    still open. While another run holds the village's county beyond the runner's wait, the submission is refused
    with the reason (nothing saved, the task stays) rather than the case failing."""
    step = current_step()
    _code, path = _village()
    try:
        run_checks(step.session, CheckScope(path, today()), step.username, clock.now())
    except Conflict as busy:
        raise InvalidData(f"{busy}：本任务未提交，请稍后再提交") from busy
    left = open_counts(step.session, path)
    decisions.record_list(decisions.RECHECK, "整改复查", [
        f"仍未整改：错误 {left['errors']} 条、提示 {left['warnings']} 条，涉及 {left['households']} 户"],
        "仍有错误，退回本村继续整改" if left["errors"] else "错误已全部整改，提示不影响办结")
    return left


FUNCTIONS: dict[str, Callable] = {"village_findings": village_findings, "recheck_village": recheck_village}

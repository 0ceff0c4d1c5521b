"""What a household's page shows beyond its own row: measurements with computed incomes, feedback, cases
with their timelines (told as the case page tells them). Plain SELECTs; no case's workflow state is loaded."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import queries
from engine.core import Engine
from engine.errors import NotDeployed
from engine.models import InstanceStatus, ProcessInstance, Task
from engine.versions import latest_version
from monitoring import cases, people, status_history, thresholds
from monitoring.codelists import labels
from monitoring.models import Household, HouseholdStatusChange, Measurement, MonitoringStatus, Role, User
from monitoring.processes import risk_elimination
from monitoring.rules import net_income, per_capita_income, rigid_expenses
from web.cases import timeline
from web.cases.progress import element_names

# Monitoring status -> (text, badge class); the status is an enum of the domain, not a code list.
STATUSES = {status: (status_history.STATUS_WORDS[status], tone) for status, tone in (
    (MonitoringStatus.NOT_MONITORED, ""), (MonitoringStatus.MONITORED, "warn"), (MonitoringStatus.ELIMINATED, "ok"))}
RISK_ELIMINATION = risk_elimination.DESCRIPTOR.key  # the process 发起风险消除 starts


@dataclass(frozen=True)
class Year:
    """One year's measurement with the figures the domain computes from it."""

    row: Measurement
    net_income: Decimal
    per_capita_income: Decimal | None
    rigid_expenses: Decimal
    income_line: Decimal | None

    @property
    def below_line(self) -> bool:
        return None not in (self.per_capita_income, self.income_line) and self.per_capita_income < self.income_line


@dataclass(frozen=True)
class StatusEntry:
    """One change of the household's monitoring status as its page tells it: 风险消除（帮扶消除） 2026年9月."""

    what: str
    month: str
    reason: str
    change: HouseholdStatusChange


@dataclass(frozen=True)
class Case:
    instance: ProcessInstance
    open_steps: list[str]
    timeline: list[timeline.Entry]


def years(session: Session, household: Household) -> list[Year]:
    """Newest year first, each against the income line in force for the household's place."""
    return [Year(m, net_income(m), per_capita_income(m, household.size) if household.size else None,
                 rigid_expenses(m), thresholds.current(session, thresholds.INCOME_LINE, household.place_path, m.year))
            for m in reversed(household.measurements)]


def case_list(session: Session, engine: Engine, household_id: int) -> list[Case]:
    """The household's cases, newest first, each with its open steps and its timeline as the case page tells it."""
    found = []
    for instance in reversed(cases.cases_of(session, household_id)):
        names = element_names(engine.versions.get(session, instance.version_id))
        task_names = dict(session.execute(select(Task.id, Task.name).where(Task.instance_id == instance.id)).all())
        found.append((instance, names, task_names, queries.timeline(session, instance.id)))
    labels = people.labels(session, [e.actor for *_, events in found for e in events])
    return [Case(instance, [t.name for t in queries.open_tasks(session, instance.id)],
                 timeline.entries(events, names, task_names, labels)) for instance, names, task_names, events in found]


def status_entries(session: Session, household: Household) -> list[StatusEntry]:
    """The household's way in and out of monitoring, oldest first (month of effect, as the national system keeps it)."""
    methods = labels(session, "elimination_method", include_retired=True)
    return [StatusEntry(status_history.what_changed(c, methods.get(c.method or "", c.method or "")),
                        f"{c.changed_on.year}年{c.changed_on.month}月", c.reason, c)
            for c in status_history.history(session, household.id)]


def may_start_elimination(session: Session, engine: Engine, user: User, household: Household,
                          case_rows: list[Case]) -> bool:
    """Offer 发起风险消除 to the start lane's role (the deployed model's) for a monitored household with no
    elimination open; the rules themselves are checked when it starts (monitoring.cases)."""
    if household.monitoring_status != MonitoringStatus.MONITORED or any(
            c.instance.process_key == RISK_ELIMINATION and c.instance.status == InstanceStatus.RUNNING
            for c in case_rows):
        return False
    try:
        row = latest_version(session, RISK_ELIMINATION)
    except NotDeployed:
        return False
    start_role = engine.versions.get(session, row.id).start_role
    return start_role is None or start_role == user.role


def may_apply(user: User, household: Household, case_rows: list[Case]) -> bool:
    """A village cadre records an application for a household of its village that is neither monitored nor
    already in identification (the domain refuses both anyway; this only hides a form that cannot succeed)."""
    running = any(c.instance.process_key == cases.IDENTIFICATION and c.instance.status == InstanceStatus.RUNNING
                  for c in case_rows)
    return (user.role == Role.VILLAGE and user.place_code == household.village_code and not running
            and household.monitoring_status != MonitoringStatus.MONITORED)

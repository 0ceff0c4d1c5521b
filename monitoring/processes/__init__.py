"""Each process described once for the domain, so that a new process adds a module here, not edits in five.

The engine runs any BPMN model; what the domain makes of a case's data is declared per process: whether a case is
about one household and what may start it, which key holds the visit or the meeting, what each step's form starts
from, which annexes a step issues and which notice stages it posts, where an objection sends the case back to, how
an ended case reads and what the case page calls each record. Starting a case, prefill, the case data view, the
annexes, the evidence, the outcomes and objections read it from here.
Every module of this package that defines ``DESCRIPTOR`` is registered under its key.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from monitoring.models import Household

Prefill = Callable[[Household, dict[str, Any], date], dict[str, Any]]
# Refuses a household's start that the process's rules forbid (InvalidData naming each rule, or Conflict), given
# the start data the user sent and the engine's today.
CheckStart = Callable[[Session, Household, dict[str, Any], date], None]
# What a waiting step's page shows beside its form, read live from the records (e.g. the four criteria before the
# check on site): Evidence fields by name, given the case's data and the engine's today.
Reference = Callable[[Session, Household, dict[str, Any], date], dict[str, Any]]


@dataclass(frozen=True)
class NoticeStage:
    """A public notice a step posts: its stage (the key notices are kept under) and its name on the wall."""

    stage: str
    title: str


@dataclass(frozen=True)
class Step:
    """A user task as the domain knows it (its BPMN id)."""

    bpmn_id: str
    form: str | None = None  # the form file it shows
    answers: str | None = None  # the case-data key its answers are kept under, when not the step's id
    prefill: Prefill | None = None  # what the household record puts into its form
    own_work: bool = False  # a department's own work (routed to it): its prefill reads only that work's record,
    # so the department starts from it too, though the household's record is not open to it
    annexes: tuple[str, ...] = ()  # the household's annexes it issues
    notice: NoticeStage | None = None  # the notice it posts
    reference: Reference | None = None  # what its page shows from the records while it waits

    @property
    def answers_key(self) -> str:
        return self.answers or self.bpmn_id


@dataclass(frozen=True)
class Variables:
    """Which case-data key holds what the evidence and the notices read (None: the process keeps none)."""

    measurement: str | None = None  # the visit's record: its year, the risk types it found
    measured_on: str | None = None  # the field of that record that says on which day it was taken
    assessment: str | None = None  # what the measured figures suggest (suggested_type)
    meeting: str | None = None  # the village meeting's record with this household's votes
    notice: str = "notice"  # the notice the case was last put on (notice_id, starts_on, ends_on)
    objections: str = "objections"  # objections received, each with the record objected to
    hits: str | None = None  # the data comparison's hits
    gaps: str | None = None  # department data that was missing or stale at the comparison
    decision: str | None = None  # the final step's record (e.g. the type entered)
    reply: str | None = None  # the record holding the county's written reply reference
    acceptance: str | None = None  # the township's acceptance record: inspectors, signature, verdicts, opinion
    warnings: str | None = None  # what the county had to confirm with a reason (the reason is in ``reply``)
    criteria: str | None = None  # the criteria checked on site: the method, each criterion met or not and why


@dataclass(frozen=True)
class Outcome:
    """How a completed case reads in a list: refused with its reason, or reached with the value it recorded."""

    reached: str  # 纳入监测
    refused: str  # 未纳入
    record: str  # the case-data record whose ``field`` says what was reached
    field: str
    code_list: str  # the code list that names the field's value
    reason: str = "rejection_reason"  # the case-data key of why it was refused
    refused_step: str = "rejected_step"  # the case-data key of the step that refused it


@dataclass(frozen=True)
class ProcessDescriptor:
    key: str  # the BPMN process id
    steps: tuple[Step, ...]
    variables: Variables
    household_case: bool = False  # always about one household: it starts only through the household route
    start_fields: frozenset[str] | None = None  # what a user may send at the start (None: anything); the system
    # records the rest (found_on)
    check_start: CheckStart | None = None  # the process's rules for starting a household's case
    started_by_act: bool = False  # only the domain's act starts it (a major event's report), never a person directly
    cancellable: bool = True  # a county may cancel a case (撤销案件); False: the case is the domain's own record (a
    # campaign's part, a major event's report), ended only by its steps, so no one cancels it
    one_open_case: bool = False  # a person's start is refused (409) while the household has this process open;
    # the database holds it (engine: an exclusive instance), so two starts at once cannot both pass
    outcome: Outcome | None = None
    recheck_step: str | None = None  # the step an objection sends the case back to
    dates: frozenset[str] = frozenset()  # answers that say when a step was done: a form never starts from them
    words: Mapping[str, str] = field(default_factory=dict)  # case-data keys its steps and scripts add, as titled

    def step(self, bpmn_id: str) -> Step | None:
        return next((s for s in self.steps if s.bpmn_id == bpmn_id), None)

    @property
    def notice_stages(self) -> tuple[str, ...]:
        return tuple(s.notice.stage for s in self.steps if s.notice)


REGISTRY: dict[str, ProcessDescriptor] = {}
NO_PROCESS = ProcessDescriptor("", (), Variables())  # a process the domain has no description of


def descriptor(process_key: str | None) -> ProcessDescriptor:
    """The process's description, or one that declares nothing (a model deployed without one)."""
    return REGISTRY.get(process_key or "", NO_PROCESS)


def of_stage(stage: str) -> ProcessDescriptor | None:
    """The process that posts notices of ``stage``, from the declared stages (never parsed out of the name)."""
    return next((d for d in REGISTRY.values() if stage in d.notice_stages), None)


def stage_title(stage: str) -> str:
    """How a notice of ``stage`` is named on the wall and on screen (its stage when no process declares it)."""
    return next((s.notice.title for d in REGISTRY.values() for s in d.steps if s.notice and s.notice.stage == stage),
                stage)


def step_of_form(form: str) -> tuple[ProcessDescriptor, Step] | None:
    """The process and step that show the form file ``form`` (form files are named per process)."""
    return next(((d, s) for d in REGISTRY.values() for s in d.steps if s.form == form), None)


def today_field(name: str) -> Prefill:
    """A form field that starts as the day the form is opened."""
    return lambda household, data, today: {name: today.isoformat()}


def _discover() -> None:
    for module in pkgutil.iter_modules(__path__):
        found = getattr(importlib.import_module(f"{__name__}.{module.name}"), "DESCRIPTOR", None)
        if isinstance(found, ProcessDescriptor):
            REGISTRY[found.key] = found


_discover()

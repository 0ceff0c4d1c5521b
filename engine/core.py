"""The engine object and its one way of changing an instance: lock → load → act → step → save.

Every use case (completing a task, delivering a message, firing timers, cancelling) runs inside
``Engine.open_instance``. It takes the instance's lock as it reads the row, in one statement (``SELECT … FOR NO KEY
UPDATE`` on PostgreSQL; on SQLite an ``UPDATE … RETURNING`` that takes the write lock), restores the workflow from the
cached spec, lets the caller act, runs the engine, and writes state (raising the row's revision), task mirror and audit
rows as bulk statements. It flushes; the caller's boundary commits once. ``Engine.create_instance`` stores and runs a
new instance the same way; a step that asked for follow-up cases (``start_process``) starts them through it, in the same
transaction, once its own workflow is written.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.task import Task as SpiffTask
from SpiffWorkflow.util.task import TaskState as SpiffState
from sqlalchemy import Row, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine import audit, decision_log, lazy_transactions, placement, round_trips, routing, runtime, subjects
from engine.assignment import Actor
from engine.calendar import CHINA_TZ
from engine.calendar_store import load_calendar
from engine.clock import Clock, using_clock
from engine.driver_statements import DriverStatement
from engine.errors import (
    AlreadyOpen,
    Conflict,
    DeployError,
    DeployProblem,
    EngineError,
    InvalidData,
    NotFound,
    StaleCase,
    TaskWithdrawn,
)
from engine.forms import FormValidator
from engine.models import InstanceStatus, ProcessInstance, ProcessVersion, Task, TaskState
from engine.sandbox import DEFAULT_CPU_SECONDS, sandboxed_script_engine, take_output
from engine.scripting import ENGINE_FUNCTIONS, FollowUp, calendar_source, current_step, end_of_day, step_context
from engine.serialization import dump_state, load_specs, load_state, to_plain_json
from engine.step_budget import StepLimitExceeded, StepLimits
from engine.versions import latest_version
from engine.workflow_cache import WorkflowCache

# The hot path writes through Core tables: no ORM identity-map bookkeeping per statement, and its statements are
# built once and run on the driver's cursor (``engine.driver_statements``): SQLAlchemy's execute cost more than them
INSTANCES, TASKS = ProcessInstance.__table__, Task.__table__
LOCKED = (INSTANCES.c.version_id, INSTANCES.c.state, INSTANCES.c.place_code, INSTANCES.c.place_path,
          INSTANCES.c.audit_hash, INSTANCES.c.business_key, INSTANCES.c.revision)  # what a step needs of its row
# The case's lock, taken as its row is read. PostgreSQL locks the row FOR NO KEY UPDATE (an UPDATE's own lock: rows
# that refer to the case, e.g. its tasks, may still be added meanwhile); an UPDATE would write a new version of it, and
# an entry in each of its indexes, only to lock it (a third of the server's time of a completion). SQLite has no row
# locks: an UPDATE that changes nothing takes its write lock. The step's save raises the revision (engine.round_trips).
_RUNNING = (INSTANCES.c.id == bindparam("instance_id"), INSTANCES.c.status == InstanceStatus.RUNNING)
_LOCK_READING = DriverStatement(select(*LOCKED).where(*_RUNNING).with_for_update(key_share=True))
# the same lock, sent with a step's BEGIN where the step read its case unlocked (``Engine.open_instance``'s ``alone``)
_LOCK_TEXT = f"SELECT 1 FROM {INSTANCES.name} WHERE id = {{:d}} FOR NO KEY UPDATE"
_LOCK_WRITING = DriverStatement(update(INSTANCES).where(*_RUNNING).values(revision=INSTANCES.c.revision)
                                .returning(*LOCKED))
# rarer than the other writes (engine.round_trips): tasks withdrawn (a timer, a cancellation), renewed (a migration)
_WITHDRAWN = DriverStatement(update(TASKS).where(TASKS.c.id.in_(bindparam("task_ids", expanding=True)))
                             .values(state=TaskState.CANCELLED, completed_at=bindparam("at")))
_RENEWED = DriverStatement(update(TASKS).where(TASKS.c.id == bindparam("task_id")))  # SET: the row's new columns
# A follow-up may start follow-ups of its own; a chain this deep is a model starting itself in a loop
MAX_FOLLOW_UP_DEPTH = 5
T = TypeVar("T")


def has_row_locks(connection: Any) -> bool:
    """Whether the database locks rows (PostgreSQL: ``FOR UPDATE``), or only itself as a whole when written (SQLite)."""
    return connection.dialect.name == "postgresql"


@dataclass(frozen=True)
class LoadedVersion:
    """A deployed version with its specs restored; shared by every instance of it in this process."""

    id: int
    key: str
    version: int
    spec: BpmnProcessSpec
    subprocess_specs: dict[str, BpmnProcessSpec]
    forms: dict[str, Any]
    start_role: str | None
    validators: dict[str, Any] = field(default_factory=dict, compare=False)

    def validator(self, form: str | None, forms: FormValidator) -> Any:
        """The compiled validator of one of this version's forms, built on first use."""
        if form is None:
            return None
        if form not in self.validators:
            self.validators[form] = forms.compile(self.forms[form])
        return self.validators[form]

    def step_property(self, bpmn_id: str, name: str) -> str | None:
        """A ``spiffworkflow:property`` of a step, e.g. whether the step may be decided as a batch."""
        for spec in (self.spec, *self.subprocess_specs.values()):
            for task_spec in spec.task_specs.values():
                # a multi-instance task shares its id with its child, which is the one carrying the extensions
                value = getattr(task_spec, "extensions", {}).get("properties", {}).get(name)
                if task_spec.bpmn_id == bpmn_id and value is not None:
                    return value
        return None


class VersionCache:
    """Restoring specs costs milliseconds; versions are immutable, so each is restored once."""

    def __init__(self) -> None:
        self._versions: dict[int, LoadedVersion] = {}
        self._lock = threading.Lock()

    def get(self, session: Session, version_id: int) -> LoadedVersion:
        loaded = self._versions.get(version_id)
        if loaded is None:
            row = session.get(ProcessVersion, version_id)
            if row is None:
                raise NotFound(f"process version {version_id}")
            spec, subprocess_specs = load_specs(row.specs)
            loaded = LoadedVersion(row.id, row.key, row.version, spec, subprocess_specs, row.forms, row.start_role)
            with self._lock:
                self._versions.setdefault(version_id, loaded)
        return loaded


class Engine:
    """Configuration shared by every use case: clock, sandbox, forms, roles, version cache, step limits."""

    def __init__(self, *, roles: Collection[str], clock: Clock | None = None,
                 functions: Mapping[str, Callable] | None = None,
                 formats: Mapping[str, tuple[Callable[[Any], bool], str]] | None = None,
                 supervisor_roles: Collection[str] = ("admin",),
                 cpu_seconds: float = DEFAULT_CPU_SECONDS, step_limits: StepLimits | None = None,
                 place_paths: placement.PlaceLookup | None = None) -> None:
        self.roles = frozenset(roles)
        self.clock = clock or Clock()
        self.script_engine = sandboxed_script_engine({**ENGINE_FUNCTIONS, **(functions or {})}, cpu_seconds)
        self.forms = FormValidator(formats, today=self.today)
        self.supervisor_roles = frozenset(supervisor_roles)
        self.versions = VersionCache()
        self.workflows = WorkflowCache()
        self.step_limits = step_limits or StepLimits()
        self.place_paths = place_paths  # code → path of places, for tasks and follow-ups placed elsewhere

    def now(self) -> datetime:
        return self.clock.now()

    def today(self) -> date:
        """Today in China Standard Time by this engine's clock."""
        return self.clock.now().astimezone(CHINA_TZ).date()

    @contextmanager
    def running(self, session: Session, username: str, instance_id: int | None = None) -> Iterator[None]:
        """Scripts inside see this engine's clock, the working-day calendar and the step's session."""
        with using_clock(self.clock), calendar_source(lambda: load_calendar(session)), \
                step_context(session, username, instance_id):
            yield

    def new_workflow(self, version: LoadedVersion) -> BpmnWorkflow:
        """Spiff lays out the whole process here; a version stored before deploy checked that (e.g. a loop
        nothing can leave) cannot be started at all: the model is refused, and no instance is stored."""
        try:
            return BpmnWorkflow(version.spec, version.subprocess_specs, script_engine=self.script_engine)
        except Exception as exc:  # whatever Spiff raises here, the request must not fail with a 500
            raise DeployError([DeployProblem(version.key, None, f"流程无法启动: {describe_failure(exc)}")]) from exc

    def create_instance(self, session: Session, version: LoadedVersion, place_code: str, place_path: str,
                        username: str, data: dict[str, Any], business_key: str | None,
                        started_by: dict[str, Any] | None = None, depth: int = 0, exclusive: bool = False) -> Step:
        """Store a new instance of ``version`` and run it until it waits; the caller has checked who may.
        Returns its saved step (``error`` set if it failed). ``started_by`` names the case whose step started
        it as a follow-up, ``depth`` how many follow-ups deep it is. An ``exclusive`` instance is the only running
        one of its process for its business key: ``AlreadyOpen`` when another runs, and nothing is written."""
        with self.running(session, username):
            workflow = self.new_workflow(version)
            for task in workflow.get_tasks(state=SpiffState.READY):
                task.data.update(data)
            state = dump_state(workflow)
            row = insert(ProcessInstance).values(
                version_id=version.id, process_key=version.key, place_code=place_code, place_path=place_path,
                business_key=business_key, status=InstanceStatus.RUNNING, exclusive=exclusive, state=state,
                revision=0, data={}, waiting=[], audit_hash=audit.GENESIS, created_at=self.now(), created_by=username,
            ).returning(ProcessInstance.id)
            try:
                with session.begin_nested():  # a refused row leaves the caller's transaction usable
                    instance_id = session.execute(row).scalar_one()
            except IntegrityError:
                if not exclusive:
                    raise
                raise AlreadyOpen(_open_exclusive(session, version.key, business_key)) from None
            current_step().instance_id = instance_id
            step = Step(self, session, instance_id, version, workflow, place_code, place_path, audit.GENESIS, state,
                        business_key, depth)
            step.record("instance_started", username, key=version.key, version=version.version,
                        place=place_code, data=data, **({"started_by": started_by} if started_by else {}))
            step.run_engine()
            step.save()
            step.keep_workflow()
        return step

    @contextmanager
    def open_instance(self, session: Session, instance_id: int, username: str,
                      locked: Row[Any] | None = None, keep: bool = True, alone: bool = False) -> Iterator[Step]:
        """Lock and load a running instance, hand it to the caller, then step and save it. ``locked``: the row's
        ``LOCKED`` columns, when the caller has locked it in this transaction (the timer
        sweep claims a batch so in one statement). ``keep=False``: the case is not likely to be stepped again soon
        (a timer sweep visits thousands once), so its workflow is not kept (``engine.workflow_cache``) — keeping it
        would cost the check and push out the workflows of cases people are working on. ``alone``: ``locked`` was read
        without a lock and the caller writes nothing else (``engine.tasks``'s ``sole_write``): the step's save commits
        itself, and raises ``StaleCase`` if the case was saved meanwhile. If the step's code begins a transaction (a
        domain function writes, or uses the session at all: its SAVEPOINT), the case is locked first thing in it, as
        every other step locks it before it writes anything: two steps never wait for each other's rows."""
        connection = session.connection()
        lock = _LOCK_READING if has_row_locks(connection) else _LOCK_WRITING
        locked = locked or lock.first(connection, {"instance_id": instance_id})
        if locked is None:
            exists = session.execute(select(INSTANCES.c.id).where(INSTANCES.c.id == instance_id)).first()
            if exists is None:
                raise NotFound(f"instance {instance_id}")
            raise Conflict("流程实例已结束")
        version = self.versions.get(session, locked.version_id)
        lock_if_begun = lazy_transactions.first_in_transaction(connection, _LOCK_TEXT.format(int(instance_id))) \
            if alone else nullcontext()
        with lock_if_begun, self.running(session, username, instance_id):
            kept = self.workflows.take(instance_id, version.id, locked.state)
            workflow = kept or load_state(locked.state, version.spec, version.subprocess_specs, self.script_engine)
            step = Step(self, session, instance_id, version, workflow, locked.place_code, locked.place_path,
                        locked.audit_hash, locked.state, locked.business_key, keep=keep, revision=locked.revision,
                        alone=alone)
            step.open(settled=kept is not None)
            step.note_withdrawn_at_opening()
            yield step
            step.save()
            if keep and step.version is version:  # a migrated workflow keeps its old subprocess specs: restored afresh
                step.keep_workflow()


@dataclass
class Step:
    """One transaction's worth of change to one instance.

    Everything that runs process code (Spiff's engine steps, a completed task, a caught message,
    a cancellation) goes through ``attempt`` inside a SAVEPOINT taken when the step begins. If any of
    it fails, the SAVEPOINT is rolled back, so nothing the step's domain functions wrote stays, and
    the instance is saved as failed from its state before the step, with the error and its audit
    event. Only bad data reported by a domain function (``InvalidData``) refuses the whole request.
    Follow-up cases the step asked for start inside the same SAVEPOINT after the step's own rows are written:
    one that cannot start fails the step the same way, and neither case keeps anything of it.
    """

    engine: Engine
    session: Session
    instance_id: int
    version: LoadedVersion
    workflow: BpmnWorkflow
    place_code: str
    place_path: str
    audit_hash: str
    state_before: str  # the stored state this step started from; kept if the step fails
    business_key: str | None = None
    depth: int = 0  # 0 for a case started by a person or run by a request; n for an n-th generation follow-up
    keep: bool = True  # whether the workflow may be kept for the case's next step (``Engine.open_instance``)
    revision: int = 0  # the case's when the step began (0: a case it starts); its save writes only if still so
    alone: bool = False  # its save may commit itself (``Engine.open_instance``)
    events: list[audit.Event] = field(default_factory=list)
    error: str | None = None
    cancelled: bool = False
    completed_by: dict[str, str] = field(default_factory=dict)  # task id -> username
    ready_before: set[str] = field(default_factory=set)
    timers_fired: list[str] = field(default_factory=list)  # the names of the timers this step fired, in order
    withdrawn_at_opening: set[str] = field(default_factory=set)  # READY tasks a timer due at opening withdrew
    renewed: set[str] = field(default_factory=set)  # READY tasks whose spec a migration changed: rows recomputed
    saved_state: str | None = None  # the state the step wrote for a case still running, once written

    def __post_init__(self) -> None:
        take_output()  # printed before this step (e.g. by an earlier request on this thread) is not this step's
        self.ready_before = set(runtime.ready_human_tasks(self.workflow))
        self.connection = self.session.connection()
        self.budget = self.engine.step_limits.budget(self.workflow)
        self.context = current_step()  # where the step's scripts leave their follow-up requests
        self.places = placement.StepPlaces(self.engine.place_paths, self.session, self.place_code, self.place_path)
        self.savepoint = self.session.begin_nested()

    def record(self, type_: str, actor: str | None, task_id: str | None = None, **detail: Any) -> None:
        self.events.append(self._event(type_, actor, task_id, **detail))

    def _event(self, type_: str, actor: str | None, task_id: str | None = None, **detail: Any) -> audit.Event:
        return audit.Event(type_, self.engine.now(), actor, self.instance_id, task_id, detail)

    def attempt(self, action: Callable[[], T]) -> T | None:
        """Run process code; any failure becomes this instance's error and ``None`` is returned."""
        if self.error is not None:
            return None
        try:
            return action()
        except Exception as exc:  # whatever Spiff or a script raises fails the step, never the request
            self._fail(exc)
            return None

    def open(self, settled: bool) -> None:
        """Run what has come due while the case waited. ``settled``: the workflow is the one its last step saved
        (``engine.workflow_cache``), whose engine ran until nothing was left to run: only time can have given it work
        since, through a timer now due, so the engine runs only if refreshing the timers left it some (a run that finds
        nothing to do still walks every task of the case)."""
        if settled and self.attempt(self._work_came_due) is False:
            return
        self.run_engine()

    def _work_came_due(self) -> bool:
        """Let the waiting timers see the time (Spiff's ``refresh_timers``); whether that left the engine anything to
        run: a timer that fired is READY, a cycle timer's next round a new READY task beside it (the timer waits on)."""
        self._refresh_timers()
        return runtime.engine_work_left(self.workflow)

    def run_engine(self) -> None:
        """Fire due timers and run every automatic task until only people, timers or messages remain."""
        self.attempt(self._run_engine)

    def _run_engine(self) -> None:
        self._refresh_timers()
        self.workflow.do_engine_steps(did_complete_task=self._observe)

    def _refresh_timers(self) -> None:
        """Let the waiting timers see the time, noting each round of a cycle timer that fires (its timer waits on)."""
        before = runtime.cycle_timers(self.workflow)
        self.workflow.refresh_timers()
        for timer in runtime.rounds_fired(self.workflow, before):
            self._timer_fired(timer)

    def _observe(self, task: SpiffTask) -> None:
        self.budget.spend(task.workflow)
        decision_log.made_by(task)
        if runtime.fired_timer(task):
            self._timer_fired(task)

    def _timer_fired(self, task: SpiffTask) -> None:
        self.timers_fired.append(task.task_spec.bpmn_name or runtime.bpmn_id(task))
        self.record("timer_fired", "system", str(task.id), element=runtime.bpmn_id(task))

    def note_withdrawn_at_opening(self) -> None:
        """Which waiting tasks the timers due when the case opened withdrew (a deadline passed before the user acted),
        so completing one says so; looked for only when a timer fired and the opening did not fail."""
        if self.timers_fired and self.error is None:
            self.withdrawn_at_opening = self.ready_before - runtime.ready_human_tasks(self.workflow).keys()

    def _fail(self, exc: Exception) -> None:
        refused = _invalid_data_in(exc)
        self.savepoint.rollback()  # nothing the step's code wrote stays, whatever the outcome
        if refused is not None:
            raise refused  # bad data caught by a domain function: refuse the whole step (422), keep nothing
        self.error = describe_failure(exc)
        self.record("error", "system", message=self.error)

    def ready_task(self, task_id: str) -> SpiffTask:
        """The live Spiff task behind a task row; Conflict when it is no longer waiting for a person, TaskWithdrawn
        when a timer due as the case opened has just withdrawn it."""
        task = runtime.human_task(self.workflow, task_id)
        if task is not None and self.error is None:
            return task
        if task_id in self.withdrawn_at_opening:
            raise TaskWithdrawn(f"此任务已到办理期限（{'、'.join(dict.fromkeys(self.timers_fired))}），流程已将其撤销，"
                                "本次提交未保存；请刷新待办查看后续任务")
        raise Conflict("任务已被处理或已撤销")

    def complete(self, task_id: str, actor: Actor, data: dict[str, Any],
                 checked: tuple[int, str | None] | None = None) -> None:
        """Complete a READY task with ``data``, validated against its form unless ``checked`` names the version and
        form it has already passed (``tasks.complete_tasks`` checks every task's data before it locks any case)."""
        task = self.ready_task(task_id)
        form = runtime.form_name(task)
        if checked != (self.version.id, form):  # unchecked, or checked before a migration gave the task another form
            self.engine.forms.validate(self.version.validator(form, self.engine.forms), data)
        before = to_plain_json({k: task.data.get(k) for k in data})
        task.data.update(data)
        self.record("task_completed", actor.username, task_id, element=runtime.bpmn_id(task),
                    name=runtime.task_name(task), before=before, after=data)
        self.completed_by[task_id] = actor.username
        self.attempt(task.run)
        if self.error is None:
            decision_log.made_by(task)
        self.run_engine()

    def save(self) -> None:
        """Write the instance: what the workflow now is, then start the follow-ups it asked for; or, if either
        failed, its state before and the error."""
        outcome = self.attempt(self._outcome)
        self.attempt(self.session.flush)  # domain writes reach the database inside the SAVEPOINT
        self._record_output()  # before a follow-up's step, which takes what was printed as its own
        if outcome is not None and self.error is None and not self.context.follow_ups:
            self.savepoint.commit()
            self._write(outcome, [*self.events, *self._decisions(), *outcome.events])
            return
        if outcome is not None and self.error is None:
            self.session.connection()  # emits the SAVEPOINT (lazy until the session is used) that undoes these rows
            self._write(outcome, [*self.events, *self._decisions(), *outcome.events])
            started = self.attempt(self._start_follow_ups)
            if self.error is None:
                self.savepoint.commit()
                audit.append_to_instance(self.session, self.instance_id, started)
                return
        self._write(self._failed_outcome(), self.events)

    def _decisions(self) -> list[audit.Event]:
        """What the step decided (``engine.decision_log``), as the audit events that keep it."""
        return [self._event(decision_log.DECISION_EVENT, "system", None, **decision)
                for decision in self.context.decisions]

    def _write(self, outcome: _Outcome, events: list[audit.Event]) -> None:
        rows, outcome.values["audit_hash"] = audit.chain_rows(self.audit_hash, events)
        done, inserted = self._sync_task_rows(outcome.ready_after, outcome.new_rows)
        writes = round_trips.StepWrites(self.instance_id, self.revision, outcome.values, done, inserted, rows)
        with lazy_transactions.alone(self.connection) if self.alone else nullcontext():
            saved = round_trips.write(self.connection, writes)
        if not saved:
            raise StaleCase(f"instance {self.instance_id} was saved since revision {self.revision}")
        running = outcome.values["status"] == InstanceStatus.RUNNING
        self.saved_state = outcome.values["state"] if running else None

    def keep_workflow(self) -> None:
        """Keep the workflow for the case's next step (``engine.workflow_cache``) if this step saved it as it is now:
        not when it failed (the state before is what was saved) or ended."""
        if self.error is None and self.saved_state is not None:
            self.engine.workflows.keep_on_commit(self.session, self.instance_id, self.version.id, self.saved_state,
                                                 self.workflow)

    def _start_follow_ups(self) -> list[audit.Event]:
        """Start each case the step asked for (``start_process``); the first that fails fails the step."""
        requested, self.context.follow_ups = self.context.follow_ups, []
        if requested and self.depth >= MAX_FOLLOW_UP_DEPTH:
            raise StepLimitExceeded(f"后续流程层层发起已达 {MAX_FOLLOW_UP_DEPTH} 层, 流程可能在循环发起自身, 已停止")
        self.places.look_up(each.place for each in requested if each.place)  # one query for all their places
        return [self._start_follow_up(each) for each in requested]

    def _start_follow_up(self, request: FollowUp) -> audit.Event:
        place_code = request.place or self.place_code
        try:
            place_path = self.places.path_on_line(place_code, f"后续流程“{request.key}”")
            version = self.engine.versions.get(self.session, latest_version(self.session, request.key).id)
            child = self.engine.create_instance(
                self.session, version, place_code, place_path, self.context.username, request.data,
                request.business_key or self.business_key,
                {"instance_id": self.instance_id, "key": self.version.key}, self.depth + 1)
        except InvalidData:
            raise  # the follow-up's domain rule refused: the whole request is refused
        except placement.PlacementError as exc:
            raise FollowUpFailed(str(exc)) from None
        except Exception as exc:
            raise FollowUpFailed(f"后续流程“{request.key}”未能启动: {describe_failure(exc)}") from None
        if child.error is not None:
            raise FollowUpFailed(f"后续流程“{request.key}”未能启动: {child.error}")
        return self._event("follow_up_started", self.context.username, key=request.key,
                           instance_id=child.instance_id, version=version.version, place=place_code)

    def _record_output(self) -> None:
        """What the step's scripts printed goes to the case's log, failed step or not: it is how designers debug."""
        printed = take_output()
        if len(printed) > MAX_OUTPUT_LENGTH:
            printed = printed[:MAX_OUTPUT_LENGTH] + "\n…(输出过长, 已截断)"
        if printed:
            self.record("script_output", "system", text=printed)

    def _outcome(self) -> _Outcome:
        """Everything saved about the workflow, computed before the SAVEPOINT is released: it may fail too."""
        self.budget.check_all_growth(self.workflow)  # e.g. a person's completion created a multi-instance's tasks
        ready_after = runtime.ready_human_tasks(self.workflow)
        now = self.engine.now()
        events: list[audit.Event] = []
        new_tasks = [task for task_id, task in ready_after.items()
                     if task_id not in self.ready_before or task_id in self.renewed]
        places = self._places(new_tasks)
        new_rows = [self._task_row(task, now, events, places[task.id]) for task in new_tasks]
        waiting = runtime.waiting_for(self.workflow)
        status = self._status(waits=bool(ready_after or waiting.items))
        running = status == InstanceStatus.RUNNING
        values = {
            "state": dump_state(self.workflow, reuse=self.keep),
            "version_id": self.version.id,  # another version's after a migration (engine.migration)
            "status": status,
            "data": to_plain_json(runtime.final_data(self.workflow)),
            "waiting": waiting.items if running else [],
            "wake_at": waiting.wake_at if running else None,
            "error": None,
            "ended_at": None if running else now,
        }
        if status == InstanceStatus.COMPLETED:
            events.append(self._event("instance_completed", "system", **runtime.end_reached(self.workflow)))
        return _Outcome(values, ready_after, new_rows, events)

    def _failed_outcome(self) -> _Outcome:
        status = InstanceStatus.CANCELLED if self.cancelled else InstanceStatus.ERROR
        values = {"state": self.state_before, "status": status, "waiting": [], "wake_at": None,
                  "error": self.error, "ended_at": self.engine.now()}
        return _Outcome(values, {}, [], [])

    def _status(self, waits: bool) -> InstanceStatus:
        """``waits``: a task of the workflow waits for a person, a timer or a message (``runtime.waiting_for``: not
        one of a branch Spiff abandoned), so it has not ended; known without Spiff's ``is_completed``, which walks the
        task tree to its first unfinished task (most of a long case: 3 % of a timer's step)."""
        if self.cancelled:
            return InstanceStatus.CANCELLED
        if not waits and self.workflow.is_completed():
            return InstanceStatus.COMPLETED
        return InstanceStatus.RUNNING

    def _sync_task_rows(self, ready_after: dict[str, SpiffTask],
                        new_rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Write the rows of withdrawn and renewed tasks (rare); return those of the tasks done and of the new tasks,
        which go with the step's other writes (``engine.round_trips``)."""
        now = self.engine.now()
        gone = self.ready_before - ready_after.keys()
        withdrawn = [t for t in gone if t not in self.completed_by]
        if withdrawn:
            _WITHDRAWN.run(self.connection, {"task_ids": withdrawn, "at": now})
        for row in (row for row in new_rows if row["id"] in self.renewed):
            # the same task under its new spec: its row follows it, and a claim on it as it was lapses
            values = {name: value for name, value in row.items() if name not in ("id", "instance_id", "created_at")}
            _RENEWED.run(self.connection, {**values, "claimed_by": None, "task_id": row["id"]})
        done = [{"task_id": t, "at": now, "by": self.completed_by[t]} for t in gone if t in self.completed_by]
        return done, [row for row in new_rows if row["id"] not in self.renewed]

    def _task_row(self, task: SpiffTask, now: datetime, events: list[audit.Event],
                  place: tuple[str, str, bool]) -> dict[str, Any]:
        place_code, place_path, placed = place
        return {
            "id": str(task.id), "instance_id": self.instance_id, "process_key": self.version.key,
            "bpmn_id": runtime.bpmn_id(task), "name": runtime.task_name(task), "role": runtime.lane(task),
            "department": task_department(self.engine.script_engine, task),
            "subject": task_subject(self.engine.script_engine, task),
            "place_code": place_code, "place_path": place_path, "placed": placed,
            "form": runtime.form_name(task), "state": TaskState.READY, "due_at": self._due_at(task, events),
            "created_at": now,
        }

    def _places(self, new_tasks: list[SpiffTask]) -> dict[Any, tuple[str, str, bool]]:
        """Where each new task is stored (``engine.placement``) and whether its model placed it: the place its ``place``
        expression names, looked up together with every other task's in one call, or the case's own; a bad one fails
        the step. A placed task is that place's users' alone (``Actor.may_work_on``), even at the case's own place."""
        codes = {task.id: task_place_code(self.engine.script_engine, task) for task in new_tasks}
        self.places.look_up(code for code in codes.values() if code is not None)
        placed = {}
        for task in new_tasks:
            code = codes[task.id]
            placed[task.id] = (self.place_code, self.place_path, False) if code is None else \
                (code, self.places.path_on_line(code, f"任务“{runtime.task_name(task)}”"), True)
        return placed

    def _due_at(self, task: SpiffTask, events: list[audit.Event]) -> datetime | None:
        expression = runtime.due_expression(task)
        if not expression:
            return None
        try:
            value = self.engine.script_engine.evaluate(task, expression)
            return _as_deadline(value)
        except (SpiffWorkflowException, EngineError, ValueError, TypeError) as exc:
            events.append(self._event("warning", "system", str(task.id), message=f"due date not computed: {exc}"))
            return None


def _open_exclusive(session: Session, key: str, business_key: str | None) -> int | None:
    """The running exclusive instance that holds ``business_key`` for ``key`` (committed by a concurrent request)."""
    return session.execute(select(ProcessInstance.id).where(
        ProcessInstance.process_key == key, ProcessInstance.business_key == business_key,
        ProcessInstance.status == InstanceStatus.RUNNING, ProcessInstance.exclusive.is_(True))).scalar()


class FollowUpFailed(EngineError):
    """A follow-up case could not start; the step that asked for it fails with this message."""

    code = "follow_up_failed"


@dataclass
class _Outcome:
    """What ``Step.save`` writes: the instance row's new values and the READY human tasks."""

    values: dict[str, Any]
    ready_after: dict[str, SpiffTask]
    new_rows: list[dict[str, Any]]
    events: list[audit.Event]  # recorded only once the outcome is saved


MAX_ERROR_LENGTH = 2000
MAX_OUTPUT_LENGTH = 8000


def task_place_code(script_engine: Any, task: SpiffTask) -> str | None:
    """The place code the task's ``place`` expression names (``engine.placement``); a bad expression or value is a
    ``PlacementError`` naming the task. Whether the place lies on the case's line is the step's to check."""
    expression = runtime.place_expression(task)
    if not expression:
        return None
    value = _evaluated(script_engine, task, expression, "地点", placement.PlacementError)
    return placement.place_code_value(value, f"任务“{runtime.task_name(task)}”")


def task_department(script_engine: Any, task: SpiffTask) -> str | None:
    """The department the task is routed to (``engine.routing``); a bad expression or value is a ``RoutingError``."""
    expression = runtime.department_expression(task)
    if not expression:
        return None
    value = _evaluated(script_engine, task, expression, "部门", routing.RoutingError)
    return routing.department_value(value, runtime.task_name(task))


def task_subject(script_engine: Any, task: SpiffTask) -> str | None:
    """What the task is about (``engine.subjects``); a bad expression or value is a ``SubjectError``."""
    expression = runtime.subject_expression(task)
    if not expression:
        return None
    value = _evaluated(script_engine, task, expression, "事项", subjects.SubjectError)
    return subjects.subject_value(value, runtime.task_name(task))


def _evaluated(script_engine: Any, task: SpiffTask, expression: str, what: str, error: type[Exception]) -> Any:
    """A task property's expression in the task's data as it becomes READY: whatever it raises is ``error`` at once
    (a designer's mistake, never a task that goes to nobody or names nothing)."""
    try:
        return script_engine.evaluate(task, expression)
    except Exception as exc:
        message = f"任务“{runtime.task_name(task)}”的{what}表达式 {expression} 无法求值: {describe_failure(exc)}"
        raise error(message) from None  # the message already tells the cause


def describe_failure(exc: BaseException) -> str:
    """The stored error: the exception and its cause (unless raised ``from None``), bounded so a huge message
    cannot bloat the row."""
    cause = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
    text = f"{type(exc).__name__}: {exc}" + (f" ({type(cause).__name__}: {cause})" if cause else "")
    return text if len(text) <= MAX_ERROR_LENGTH else text[:MAX_ERROR_LENGTH - 1] + "…"


def _invalid_data_in(exc: BaseException | None) -> InvalidData | None:
    """Spiff wraps script errors; find an InvalidData raised by a domain function underneath."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, InvalidData):
            return exc
        exc = getattr(exc, "exception", None) or exc.__cause__ or exc.__context__
        seen += 1
    return None


def _as_deadline(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return end_of_day(value)
    if isinstance(value, str):
        parsed = datetime.fromisoformat(value)
        return parsed if parsed.tzinfo else end_of_day(parsed)
    raise TypeError(f"a due date must be a date or an ISO string, not {type(value).__name__}")

"""Driving the engine the way the web boundary does: one use case, one transaction, one commit."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import instances, queries, tasks, timers, versions
from engine.assignment import Actor
from engine.core import Engine, VersionCache
from engine.models import AuditEvent, ProcessInstance, ProcessVersion, Task
from monitoring.models import Place
from tests.conftest import fixture_files

VILLAGE = "150223100201"  # 艾力嘎查, under 百灵庙镇
VILLAGE_2 = "150223100202"  # 新宝力格嘎查, also under 百灵庙镇
VILLAGE_OTHER = "150223200201"  # 巴音敖包嘎查, under 查干哈达苏木
TOWNSHIP = "150223100000"


class Steps:
    """Runs engine use cases as separate units of work.

    With ``fresh_worker`` every step starts with an empty version cache, so the process specs are
    restored from the database again, as on a worker that has never seen this process.
    """

    def __init__(self, engine: Engine, session: Session, designer: Actor, fresh_worker: bool = False) -> None:
        self.engine = engine
        self.session = session
        self.designer = designer
        self.fresh_worker = fresh_worker

    def _new_step(self) -> None:
        if self.fresh_worker:
            self.engine.versions = VersionCache()

    @contextmanager
    def session_scope(self) -> Iterator[Session]:
        """The unit of work handed to the timer sweeper: yield the session, commit or roll back."""
        try:
            yield self.session
            self.session.commit()
        except BaseException:
            self.session.rollback()
            raise

    def run(self, use_case: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Call ``use_case(engine, session, ...)`` in its own transaction, as one request would."""
        self._new_step()
        with self.session_scope() as session:
            return use_case(self.engine, session, *args, **kwargs)

    def deploy(self, *names: str) -> ProcessVersion:
        return self.run(versions.deploy, fixture_files(*names), self.designer).version

    def place_path(self, place_code: str) -> str:
        return self.session.get(Place, place_code).path

    def start(self, actor: Actor, key: str, data: dict[str, Any] | None = None, place_code: str = VILLAGE) -> int:
        return self.run(instances.start_instance, key, place_code, self.place_path(place_code), actor, data or {})

    def inbox(self, actor: Actor, instance_id: int | None = None, bpmn_id: str | None = None) -> list[Task]:
        return [t for t in queries.inbox(self.session, actor)
                if (instance_id is None or t.instance_id == instance_id) and (bpmn_id is None or t.bpmn_id == bpmn_id)]

    def task(self, actor: Actor, instance_id: int, bpmn_id: str) -> Task:
        """The single open task at ``bpmn_id`` of the instance in the actor's inbox."""
        found = self.inbox(actor, instance_id, bpmn_id)
        assert len(found) == 1, [(t.instance_id, t.bpmn_id) for t in self.inbox(actor)]
        return found[0]

    def complete(self, actor: Actor, instance_id: int, bpmn_id: str, data: dict[str, Any]) -> str:
        task_id = self.task(actor, instance_id, bpmn_id).id
        self.run(tasks.complete_task, task_id, actor, data, sole_write=True)  # as a request completes one task
        return task_id

    def send(self, actor: Actor, instance_id: int, name: str, payload: dict[str, Any]) -> None:
        self.run(instances.send_message, instance_id, actor, name, payload)

    def run_timers(self) -> int:
        self._new_step()
        return timers.run_due_timers(self.engine, self.session_scope)

    def instance(self, instance_id: int) -> ProcessInstance:
        return self.session.get(ProcessInstance, instance_id, populate_existing=True)

    def task_row(self, task_id: str) -> Task:
        return self.session.get(Task, task_id, populate_existing=True)

    def open_tasks(self, instance_id: int) -> list[tuple[str, str | None]]:
        """(bpmn_id, lane) of every READY task of the instance."""
        return sorted((t.bpmn_id, t.role) for t in queries.open_tasks(self.session, instance_id))

    def events(self, instance_id: int) -> list[AuditEvent]:
        return queries.timeline(self.session, instance_id)

    def end_reached(self, instance_id: int) -> str | None:
        ends = [e.detail.get("end") for e in self.events(instance_id) if e.type == "instance_completed"]
        return ends[-1] if ends else None

    def count_events(self, type_: str) -> int:
        return len(self.session.execute(select(AuditEvent.id).where(AuditEvent.type == type_)).all())


"""What a task page needs: the task with its case and household, the form, its values, and uploads."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import g, render_template
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage, MultiDict

from engine import drafts, instances, tasks
from engine.assignment import Actor
from engine.errors import InvalidData
from engine.models import ProcessInstance, Task, TaskDraft, TaskState
from monitoring import attachments, cases, task_context
from monitoring.models import Household
from web.boundary import engine, unit_of_work
from web.documents.service import documents_dir
from web.extensions import db
from web.inbox.schema_form import ATTACHMENT_FORMAT, all_errors_placed, build_fields


@dataclass
class Work:
    """One task as its page shows it."""

    task: Task
    instance: ProcessInstance
    household: Household | None
    schema: dict[str, Any] | None
    draft: TaskDraft | None  # what this user saved of the form
    case_readable: bool  # False on a task placed at the user's place in a case of another place
    _waiting: Mapping[str, Any] | None = field(default=None, repr=False)

    @property
    def case_data(self) -> Mapping[str, Any]:
        """The case's data as this user may read it: none of a case it cannot read."""
        return (self.instance.data or {}) if self.case_readable else {}

    @property
    def ready(self) -> bool:
        return self.task.state == TaskState.READY

    def waiting_data(self) -> Mapping[str, Any]:
        """The task's own data as its step sees it (a multi-instance child's item), read once per page."""
        if self._waiting is None:
            self._waiting = tasks.waiting_data(engine(), db.session, self.task)
        return self._waiting


def open_work(session: Session, task_id: str, actor: Actor) -> Work:
    """The task if it is the actor's to see (any state), else NotFound (the 404 page); its case's household only when
    the actor reads the case (``instances.case_of_task``)."""
    row = tasks.visible_task(session, task_id, actor)
    case = instances.case_of_task(session, row, actor)
    instance = case.instance
    household = cases.household_of(session, instance) if case.readable else None
    schema = engine().versions.get(session, instance.version_id).forms.get(row.form) if row.form else None
    return Work(row, instance, household, schema, drafts.load_draft(session, task_id, actor), case.readable)


def subject(work: Work) -> str:
    head = work.household.head if work.household else None
    return head.name if head else f"案件 #{work.instance.id}"


def initial_values(session: Session, work: Work) -> dict[str, Any]:
    """The user's own draft if there is one, else what the system already knows."""
    if work.draft is not None:
        return work.draft.data
    return task_context.starting_values(session, g.actor, work.instance, work.task.bpmn_id, work.task.form,
                                          work.schema, engine().today(), work.waiting_data)


def render(work: Work, values: dict[str, Any], errors: dict[str, str] | None = None,
           raw: dict[str, str] | None = None) -> tuple[str, int]:
    return render_template("inbox/task.html", work=work, **_form(work.schema, values, errors, raw),
                           now=engine().now(), batchable=batchable(work),
                           evidence=task_context.decision_evidence(db.session, g.actor, work.instance, work.task,
                                                                    engine().today()),
                           plan=task_context.assistance_plan(db.session, g.actor, work.instance, work.task.bpmn_id,
                                                             work.waiting_data),
                           campaign=task_context.campaign_part(db.session, work.instance, work.task, engine().today(),
                                                                 work.waiting_data),
                           event=task_context.major_event(db.session, g.actor, work.instance, engine().now()),
                           quality=task_context.quality_part(db.session, g.actor, work.instance)), \
        422 if errors else 200


def _form(schema: dict[str, Any] | None, values: dict[str, Any], errors: dict[str, str] | None,
          raw: dict[str, str] | None) -> dict[str, Any]:
    """The form's fields with values and errors, and the errors no field shows."""
    errors = errors or {}
    fields = build_fields(schema or {}, values, errors, raw, today=engine().today())
    return {"fields": fields, "has_errors": bool(errors), "other_errors": all_errors_placed(fields, errors)}


def batchable(work: Work) -> bool:
    return tasks.batch_scope(engine(), db.session, work.task, work.instance.version_id) is not None


def form_errors(work: Work, data: dict[str, Any]) -> dict[str, str]:
    """Every field's problem at once (the engine checks the same schema again when the task completes)."""
    loaded = engine().versions.get(db.session, work.instance.version_id)
    try:
        engine().forms.validate(loaded.validator(work.task.form, engine().forms), data)
    except InvalidData as error:
        return error.fields
    return {}


def store_uploads(work: Work, actor: Actor,
                  files: MultiDict[str, FileStorage]) -> tuple[dict[str, str], dict[str, str]]:
    """Keep each chosen file in its own unit of work, so a form refused for another field keeps it.

    Returns the stored attachment ids and the refusals, both by field.
    """
    uploads: dict[str, str] = {}
    refused: dict[str, str] = {}
    for name, spec in (work.schema or {}).get("properties", {}).items():
        storage = files.get(name)
        if spec.get("format") != ATTACHMENT_FORMAT or storage is None or not storage.filename:
            continue
        try:
            with unit_of_work() as session:
                stored = attachments.store_attachment(session, documents_dir(), actor, work.task.place_path,
                                                      name, storage.filename, storage.read(), engine().now())
                uploads[name] = str(stored.id)
        except InvalidData as error:
            refused.update(error.fields)
    return uploads, refused

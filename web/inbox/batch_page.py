"""The batch page: several households of one step decided at one sitting, each with its own answers.

The shared fields (the meeting's date and attendees) are drawn once; each household's row draws the
fields its form marks per case (``engine.batch``), named ``per_task.<task id>.<field>``: the names
the engine reports its errors under, so an error lands in the row of the household it is about.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import g, render_template
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from engine import tasks
from engine.assignment import Actor
from engine.batch import PER_TASK, ErrorNames, per_case_fields
from engine.errors import Conflict, InvalidData
from monitoring import task_context
from web.boundary import engine
from web.extensions import db
from web.inbox.schema_form import Field, Submission, all_errors_placed, build_fields
from web.inbox.task_pages import Work, form_errors, initial_values, open_work, subject

DEFAULT_OWN = {"approved": True}  # a household of a batch starts approved: the sitting rejects the exceptions


@dataclass
class BatchWork:
    """READY tasks of one batchable step within the step's reach (checked by ``open_batch``)."""

    items: list[Work]

    @property
    def schema(self) -> dict[str, Any]:
        return self.items[0].schema or {}

    @property
    def step_name(self) -> str:
        return self.items[0].task.name

    @property
    def village_codes(self) -> list[str]:
        return list(dict.fromkeys(w.task.place_code for w in self.items))

    @property
    def task_ids(self) -> list[str]:
        return [w.task.id for w in self.items]


@dataclass
class Answers:
    """What the page holds: shared values, each task's own, the errors and the text of unreadable entries."""

    shared: dict[str, Any]
    own: dict[str, dict[str, Any]]
    errors: dict[str, str] = field(default_factory=dict)
    raw: dict[str, str] = field(default_factory=dict)


def open_batch(session: Session, task_ids: list[str], actor: Actor) -> BatchWork:
    """Several READY tasks of the same batchable step within its reach, or a clear refusal."""
    task_ids = list(dict.fromkeys(task_ids))  # one household named twice is still one
    if len(task_ids) < 2:
        raise InvalidData("请至少选择两户", {"task": "至少选择两户"})
    items = [open_work(session, task_id, actor) for task_id in task_ids]
    if any(not w.ready for w in items):
        raise Conflict("所选任务中有已办理的任务，请返回待办刷新")
    tasks.check_batch(engine(), session, [w.task for w in items])
    return BatchWork(items)


def _part(schema: dict[str, Any], names: list[str]) -> dict[str, Any]:
    """The form restricted to ``names`` (for drawing and reading; the engine checks the whole form)."""
    properties = schema.get("properties", {})
    return {"properties": {n: properties[n] for n in names},
            "required": [n for n in schema.get("required", []) if n in names]}


def _schemas(work: BatchWork) -> tuple[dict[str, Any], dict[str, Any]]:
    """(shared part, per-case part) of the step's form."""
    own = per_case_fields(work.schema)
    shared = [n for n in work.schema.get("properties", {}) if n not in own]
    return _part(work.schema, shared), _part(work.schema, own)


def initial_answers(work: BatchWork) -> Answers:
    """Shared answers from the first household's form (e.g. today's meeting date); each household approved."""
    shared_schema, own_schema = _schemas(work)
    values = {w.task.id: initial_values(db.session, w) for w in work.items}
    defaults = {k: v for k, v in DEFAULT_OWN.items() if k in own_schema["properties"]}
    own = {task_id: {**defaults, **{k: v for k, v in known.items() if k in own_schema["properties"] and v is not None}}
           for task_id, known in values.items()}
    first = values[work.task_ids[0]]
    return Answers({k: v for k, v in first.items() if k in shared_schema["properties"]}, own)


def read_answers(work: BatchWork, form: MultiDict) -> Answers:
    """The posted page: shared fields by their names, each household's by ``per_task.<task id>.<field>``."""
    shared_schema, own_schema = _schemas(work)
    shared = Submission(shared_schema, form)
    answers = Answers(shared.data, {}, dict(shared.errors), dict(shared.raw))
    for task_id in work.task_ids:
        prefix = f"{PER_TASK}.{task_id}."
        own = Submission(own_schema, MultiDict([(k[len(prefix):], v) for k, v in form.items(multi=True)
                                                if k.startswith(prefix)]))
        answers.own[task_id] = own.data
        answers.errors.update({prefix + k: v for k, v in own.errors.items()})
        answers.raw.update({prefix + k: v for k, v in own.raw.items()})
    return answers


def all_problems(work: BatchWork, answers: Answers) -> dict[str, str]:
    """Every field's problem at once when some entry could not even be read (nothing is submitted then)."""
    names = ErrorNames(True, {w.task.id: w.schema for w in work.items})
    problems: dict[str, str] = {}
    for w in work.items:
        merged = {**answers.shared, **answers.own.get(w.task.id, {})}
        for path, reason in names.of(w.task.id, form_errors(w, merged)).items():
            problems.setdefault(path, reason)
    return {**problems, **answers.errors}


@dataclass
class Row:
    """One household as the batch table shows it: who, the evidence, its own fields and their errors."""

    work: Work
    name: str
    fields: list[Field]
    errors: list[str]  # this household's errors no field shows

    @property
    def has_errors(self) -> bool:
        return bool(self.errors) or any(f.error for f in self.fields)


def render_batch(work: BatchWork, answers: Answers) -> tuple[str, int]:
    shared_schema, own_schema = _schemas(work)
    errors = answers.errors
    today = engine().today()
    shared_fields = build_fields(shared_schema, answers.shared, errors, answers.raw, today=today)
    rows = []
    for w in work.items:
        prefix = f"{PER_TASK}.{w.task.id}."
        fields = build_fields(own_schema, answers.own.get(w.task.id, {}), errors, answers.raw, prefix, today)
        unplaced = all_errors_placed(fields, {k: v for k, v in errors.items() if k.startswith(prefix)})
        rows.append(Row(w, subject(w), fields, list(unplaced.values())))
    mine = {k for k in errors if k.startswith(f"{PER_TASK}.")}
    other = all_errors_placed(shared_fields, {k: v for k, v in errors.items() if k not in mine})
    evidence = task_context.batch_evidence(db.session, g.actor, [w.instance for w in work.items], engine().today())
    return render_template("inbox/batch.html", work=work, shared_fields=shared_fields, rows=rows,
                           other_errors=other, has_errors=bool(errors), evidence=evidence,
                           approves_each="approved" in own_schema["properties"]), 422 if errors else 200


def outcome(answers: Answers) -> str:
    """How many households were approved and how many not, when the step decides that (``approved``)."""
    results = [own.get("approved", answers.shared.get("approved")) for own in answers.own.values()]
    if not any(isinstance(r, bool) for r in results):
        return ""
    return f"（通过 {results.count(True)} 户，未通过 {results.count(False)} 户）"

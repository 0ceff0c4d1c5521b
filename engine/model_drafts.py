"""A process model's draft: what designers edit in the browser before it becomes the next version.

One draft per model key, shared by its designers. Its ``revision`` is the lock: every write names the revision it was
made from and is refused with a conflict naming who saved last and when if the stored one has moved on, so two
designers never overwrite each other silently (revision 0 creates the draft; of two creations at once one wins).
A draft holds its files as text, problems and all: saving checks them (``engine.versions.check``) and keeps them
anyway; publishing stores them as the next version (every check, the process tests) and removes the draft in the
same transaction, or changes nothing. Every action is audited. The checks and tests run before anything is
written: a write takes the draft's row and the global audit chain's head (on SQLite the whole database), which no
other designer, deploy or migration may wait on while a model's tests run. A draft is the whole model: a form it
does not hold is missing, never carried over from the latest version.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine import audit, model_diff, scenarios, versions
from engine.assignment import Actor
from engine.calendar import CHINA_TZ
from engine.deploy import SourceFile, file_name_problem
from engine.errors import Conflict, DeployError, DeployProblem, InvalidData, NotDeployed, NotFound
from engine.limits import string_length
from engine.models import COMMENT_LENGTH, InstanceStatus, ProcessDraft, ProcessInstance, ProcessVersion
from engine.scenarios import ScenarioResult
from engine.text import TextError, clean_text

if TYPE_CHECKING:
    from engine.core import Engine

DRAFT = "draft"  # names the draft where a version number could stand (a diff's ``to``)
MAX_FILES = 40
MAX_FILE_BYTES = 1024 * 1024
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")  # a BPMN process id (an XML NCName without the non-ASCII letters)


@dataclass(frozen=True)
class Draft:
    """A model's draft as a designer opens it; ``saved`` False: made from the latest version, not stored yet."""

    key: str
    revision: int
    base_version: int | None
    saved: bool
    files: dict[str, str]
    main: str | None
    updated_by: str | None
    updated_at: datetime | None


@dataclass(frozen=True)
class DraftSummary:
    """What a list of models shows of a draft: that one exists, who saved it last and when."""

    revision: int
    updated_by: str
    updated_at: datetime


class DraftConflict(Conflict):
    """The draft moved on since the designer opened it (another designer saved, published or discarded it)."""

    code = "draft_conflict"

    def __init__(self, current: ProcessDraft | None) -> None:
        self.current_revision = current.revision if current is not None else 0
        self.saved_by = current.updated_by if current is not None else None
        self.saved_at = current.updated_at if current is not None else None
        super().__init__(self.told(self.saved_by, same_user=False))

    def told(self, saver: str | None, same_user: bool) -> str:
        """The message naming the saver as ``saver`` (a person's name where the caller knows it; the login id
        otherwise); ``same_user``: the one refused saved it, most likely in another window."""
        if self.saved_at is None:
            return "草稿已不存在（可能已被发布或丢弃），请刷新后再操作"
        at = self.saved_at.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")
        hint = "（可能是您在另一个窗口中）" if same_user else ""
        return f"草稿已被 {saver}{hint} 于 {at} 保存（修订 {self.current_revision}），请刷新后再操作"


def check_key(key: str) -> None:
    """A model key is a process id: what a new draft may be created under."""
    if not _KEY.fullmatch(key) or len(key) > string_length(ProcessDraft.key):
        raise InvalidData("流程标识无效", {"key": "应以字母或下划线开头，只含字母、数字、_ . -，不超过100个字符"})


def check_files(files: Mapping[str, Any], main: str | None = None) -> None:
    """A draft's files as the designer sent them: at most ``MAX_FILES``, plain names, text of at most 1 MB each."""
    if not files:
        raise InvalidData("草稿没有文件", {"files": "至少应有一个BPMN文件"})
    if len(files) > MAX_FILES:
        raise InvalidData("文件过多", {"files": f"最多{MAX_FILES}个文件"})
    wrong: dict[str, str] = {}
    for name, text in files.items():
        where = f"files.{name}"
        if (why := file_name_problem(name)) is not None:  # deploy's one rule: a draft saves what deploys
            wrong[where] = why
        elif not isinstance(text, str):
            wrong[where] = "应为文件的文本内容"
        elif len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
            wrong[where] = f"文件不能超过 {MAX_FILE_BYTES // 1024 // 1024} MB"
        elif "\x00" in text:
            wrong[where] = "不能包含空字符 (NUL)"
    if main is not None and (not _KEY.fullmatch(main) or len(main) > string_length(ProcessDraft.main)):
        wrong["main"] = "应为主流程的ID"
    if wrong:
        raise InvalidData("草稿文件有误", wrong)


def source_files(files: Mapping[str, str]) -> list[SourceFile]:
    """The draft's files as an upload: every one of them, a form that is not JSON too (``check`` names it)."""
    return [SourceFile(name, text.encode("utf-8")) for name, text in files.items()]


def version_files(version: ProcessVersion) -> dict[str, str]:
    """A version's files as a draft holds them: its BPMN/DMN/tests files and its forms as indented JSON."""
    forms = {name: json.dumps(schema, ensure_ascii=False, indent=2) + "\n" for name, schema in version.forms.items()}
    return {**version.files, **forms}


def get(session: Session, key: str) -> Draft:
    """The stored draft, else one made from the latest version (revision 0); NotFound when the key has neither."""
    stored = _stored(session, key)
    if stored is not None:
        return _view(stored)
    try:
        version = versions.latest_version(session, key)
    except NotDeployed:
        raise NotFound(f"draft of {key}") from None
    return Draft(key, 0, version.version, False, version_files(version), version.key, None, None)


def summaries(session: Session) -> dict[str, DraftSummary]:
    """Every stored draft by key, for a list of models."""
    rows = session.execute(select(ProcessDraft.key, ProcessDraft.revision, ProcessDraft.updated_by,
                                  ProcessDraft.updated_at)).all()
    return {row.key: DraftSummary(row.revision, row.updated_by, row.updated_at) for row in rows}


def save(engine: Engine, session: Session, actor: Actor, key: str, revision: int, files: Mapping[str, str],
         main: str | None = None) -> tuple[Draft, list[DeployProblem]]:
    """Store the files as the draft's next revision, with the problems they have (stored all the same)."""
    check_key(key)
    check_files(files, main)
    problems = versions.check(engine, session, source_files(files), main, key, from_draft=True)  # before any write
    base = _base_version(session, key) if revision == 0 else None
    stored = _write(engine, session, actor, key, revision, dict(files), main, base)
    _audit(engine, session, actor, "model_draft_saved", key, revision=stored.revision, files=sorted(files))
    return _view(stored), problems


def discard(engine: Engine, session: Session, actor: Actor, key: str, revision: int) -> None:
    """Remove the draft, if ``revision`` is still the stored one."""
    removed = session.execute(delete(ProcessDraft).where(ProcessDraft.key == key, ProcessDraft.revision == revision)
                              .execution_options(synchronize_session=False))
    if removed.rowcount == 0:
        raise _conflict_or_unknown(session, key)
    _audit(engine, session, actor, "model_draft_discarded", key, revision=revision)


def publish(engine: Engine, session: Session, actor: Actor, key: str, revision: int,
            comment: str | None = None) -> versions.Deployment:
    """Store the draft as the model's next version and remove it, all in one; ``DeployError`` (every problem,
    failing process tests included) or a conflict leaves the draft as it was. The revision read is checked and
    tested first; the delete then takes it only if it is still that revision (a save since is a conflict)."""
    try:
        note = clean_text(comment, COMMENT_LENGTH, label="发布说明", required=False, multiline=True) or None
    except TextError as exc:
        raise InvalidData("发布说明有误", {"comment": exc.reason}) from None
    read = _stored(session, key)
    if read is None or read.revision != revision:
        raise _conflict_or_unknown(session, key)
    model = versions.prepare(engine, session, source_files(read.files), read.main, key, from_draft=True)
    with session.begin_nested():  # a refused publish leaves the draft as it was, whatever the caller does next
        taken = session.execute(delete(ProcessDraft).where(ProcessDraft.key == key, ProcessDraft.revision == revision)
                                .returning(ProcessDraft.id)  # the row lock orders two publishes
                                .execution_options(synchronize_session=False)).first()
        if taken is not None:
            deployment = versions.store(engine, session, model, actor, republish=True)
            if not deployment.created:
                raise InvalidData("草稿与最新版本相同，无需发布",
                                  {"revision": f"内容与版本 {deployment.version.version} 相同"})
            deployment.version.comment = note
    if taken is None:
        raise _conflict_or_unknown(session, key)
    _audit(engine, session, actor, "model_published", key, revision=revision, version=deployment.version.version,
           sha256=deployment.version.sha256, comment=note)
    return deployment


def restore(engine: Engine, session: Session, actor: Actor, key: str, version: int, revision: int) -> Draft:
    """Make an old version's files the draft (its next revision), to be edited or published again."""
    old = versions.get_version(session, key, version)
    stored = _write(engine, session, actor, key, revision, version_files(old), old.key, old.version)
    _audit(engine, session, actor, "model_version_restored", key, revision=stored.revision, version=version)
    return _view(stored)


def run_tests(engine: Engine, session: Session, key: str) -> tuple[list[ScenarioResult], list[DeployProblem]]:
    """The draft's process tests, each with its result; or, when the draft does not compile, its problems."""
    draft = get(session, key)
    try:
        model = versions.compiled(engine, session, source_files(draft.files), draft.main, key, from_draft=True)
    except DeployError as refused:
        return [], refused.problems
    return scenarios.run(engine, model, session), []


def history(session: Session, key: str) -> list[tuple[ProcessVersion, int]]:
    """Every version of the model, newest first, with how many instances run on it."""
    rows = list(session.execute(select(ProcessVersion).where(ProcessVersion.key == key)
                                .order_by(ProcessVersion.version.desc())).scalars())
    if not rows and _stored(session, key) is None:
        raise NotFound(f"process {key}")
    running = dict(session.execute(
        select(ProcessInstance.version_id, func.count()).where(
            ProcessInstance.version_id.in_([row.id for row in rows]), ProcessInstance.status == InstanceStatus.RUNNING)
        .group_by(ProcessInstance.version_id)).all())
    return [(row, running.get(row.id, 0)) for row in rows]


def files_of(session: Session, key: str, which: int | str) -> dict[str, str]:
    """The files of version ``which`` of the model, or of its draft (``"draft"``: stored or made from the latest)."""
    if which == DRAFT:
        return get(session, key).files
    return version_files(versions.get_version(session, key, int(which)))


def compare(session: Session, key: str, before: int | str, after: int | str) -> dict[str, Any]:
    """``engine.model_diff`` of two versions of the model, or of a version and the draft."""
    changes = model_diff.diff(files_of(session, key, before), files_of(session, key, after))
    return {"from": before, "to": after, **changes}


def _stored(session: Session, key: str) -> ProcessDraft | None:
    return session.execute(select(ProcessDraft).where(ProcessDraft.key == key)
                           .execution_options(populate_existing=True)).scalar()


def _base_version(session: Session, key: str) -> int | None:
    try:
        return versions.latest_version(session, key).version
    except NotDeployed:
        return None


def _conflict_or_unknown(session: Session, key: str) -> Exception:
    """A stale revision is a conflict on a model that exists, NotFound on a key with neither draft nor version."""
    current = _stored(session, key)
    if current is None and _base_version(session, key) is None:
        return NotFound(f"draft of {key}")
    return DraftConflict(current)


def _write(engine: Engine, session: Session, actor: Actor, key: str, revision: int, files: dict[str, str],
           main: str | None, base_version: int | None) -> ProcessDraft:
    """Revision 0 inserts (the key's unique index refuses a second one); any other revision updates the row only
    if it still has that revision. Either way a refusal is a ``DraftConflict`` naming the stored revision."""
    values = {"files": files, "main": main, "updated_by": actor.username, "updated_at": engine.now()}
    if revision == 0:
        try:
            with session.begin_nested():  # a refused insert leaves the request's transaction usable for the answer
                session.execute(insert(ProcessDraft).values(key=key, revision=1, base_version=base_version, **values))
        except IntegrityError:
            raise DraftConflict(_stored(session, key)) from None
    else:
        if base_version is not None:
            values["base_version"] = base_version
        moved = session.execute(update(ProcessDraft)
                                .where(ProcessDraft.key == key, ProcessDraft.revision == revision)
                                .values(revision=revision + 1, **values)
                                .execution_options(synchronize_session=False))
        if moved.rowcount == 0:
            raise _conflict_or_unknown(session, key)
    return _stored(session, key)


def _view(row: ProcessDraft) -> Draft:
    return Draft(row.key, row.revision, row.base_version, True, dict(row.files), row.main, row.updated_by,
                 row.updated_at)


def _audit(engine: Engine, session: Session, actor: Actor, kind: str, key: str, **detail: Any) -> None:
    audit.append_global(session, [audit.Event(kind, engine.now(), actor.username,
                                              detail={"key": key, "user": actor.username, **detail})])

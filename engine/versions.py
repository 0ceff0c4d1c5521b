"""Storing checked process models as immutable, content-addressed versions.

Checking a model (compiling it, running its process tests) writes nothing and may take seconds; storing it takes
the global audit chain's head (and, on SQLite, the database's write lock). So every check runs first and the writes
come after it, in a moment: ``prepare`` then ``store``; ``deploy`` is the two together.

A designer's draft (``from_draft``) is checked as the whole model against this site: no form is carried over from
the latest version, and the places its scenarios' tasks name are looked up in this database's place tree, as a
case's step would look them up. A deploy from a shell (``fangpin db upgrade`` on a database with no places yet,
the CLI, the API's upload) carries forms over and checks a place's code only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from engine import audit, scenarios
from engine.assignment import Actor
from engine.deploy import CompiledModel, SourceFile, compile_model
from engine.errors import DeployError, DeployProblem, NotDeployed, NotFound
from engine.models import ProcessVersion
from engine.statements import built_once

if TYPE_CHECKING:  # the engine starts follow-up cases from the latest version, so it imports this module
    from engine.core import Engine


@dataclass(frozen=True)
class Deployment:
    version: ProcessVersion
    created: bool  # False: the same content was already deployed, nothing changed
    warnings: tuple[str, ...] = ()  # what may fail later, e.g. a follow-up process not deployed yet


def check(engine: Engine, session: Session, files: Sequence[SourceFile], main: str | None = None,
          key: str | None = None, from_draft: bool = False) -> list[DeployProblem]:
    """Every problem that would keep ``deploy`` from storing the files (``[]``: they would deploy); with ``key``,
    also a model whose main process is another one. Never raises for the model's own problems."""
    try:
        prepare(engine, session, files, main, key, from_draft)
    except DeployError as refused:
        return refused.problems
    return []


def prepare(engine: Engine, session: Session, files: Sequence[SourceFile], main: str | None = None,
            key: str | None = None, from_draft: bool = False) -> CompiledModel:
    """The model as ``store`` takes it: compiled, its process tests run (a draft's places looked up in ``session``,
    read only). Writes nothing, so it holds no lock while it runs. Raises ``DeployError``."""
    model = compiled(engine, session, files, main, key, from_draft)
    return scenarios.gate(engine, model, session if from_draft else None)


def deploy(engine: Engine, session: Session, files: Sequence[SourceFile], actor: Actor,
           main: str | None = None, key: str | None = None, republish: bool = False) -> Deployment:
    """Check and store the files as the next version of their process; a no-op if some version has this content
    (so deploying the shipped models again never undoes a designer's newer version, and runs no process tests:
    that content passed them when it was stored), or with ``republish`` only if the latest has (a designer
    publishing an old version again makes it the next one).

    ``main`` names the process (or collaboration) to run when the files hold several; with ``key`` the files
    must be that process's. Raises ``DeployError`` with the problems ``check`` lists.
    """
    model = compiled(engine, session, files, main, key)
    existing = _already_stored(session, model, republish)
    if existing is not None:
        return Deployment(existing, created=False, warnings=_warnings(session, scenarios.noted(model)))
    return store(engine, session, scenarios.gate(engine, model), actor, republish)


def store(engine: Engine, session: Session, model: CompiledModel, actor: Actor,
          republish: bool = False) -> Deployment:
    """Store a model ``prepare`` checked as the next version of its process (see ``deploy`` for ``republish``)."""
    warnings = _warnings(session, model)
    existing = _already_stored(session, model, republish)
    if existing is not None:
        return Deployment(existing, created=False, warnings=warnings)
    latest = session.execute(select(func.max(ProcessVersion.version)).where(ProcessVersion.key == model.key)).scalar()
    version = ProcessVersion(
        key=model.key, version=(latest or 0) + 1, name=model.name, sha256=model.sha256,
        files=model.files, forms=model.forms, specs=model.specs, start_role=model.start_role,
        deployed_at=engine.now(), deployed_by=actor.username,
    )
    session.add(version)
    session.flush()
    audit.append_global(session, [audit.Event("process_deployed", engine.now(), actor.username, detail={
        "key": model.key, "version": version.version, "sha256": model.sha256, "files": sorted(model.files),
    })])
    return Deployment(version, created=True, warnings=warnings)


def compiled(engine: Engine, session: Session, files: Sequence[SourceFile], main: str | None = None,
             key: str | None = None, from_draft: bool = False) -> CompiledModel:
    """The model compiled as deploying compiles it, its process tests not run yet: for running them to show each
    one's result. A form not uploaded comes from the latest version of its process (a BPMN-only upload through the
    API or CLI), never for a draft, which is the whole model. Raises ``DeployError``."""
    previous = None if from_draft else (lambda found: _latest_forms(session, found))
    return compile_model(files, engine.roles, main, previous_forms=previous, key=key)


def _already_stored(session: Session, model: CompiledModel, republish: bool) -> ProcessVersion | None:
    """The version that already has this content, when storing it again would change nothing."""
    same = select(ProcessVersion).where(ProcessVersion.sha256 == model.sha256)
    if republish:
        same = same.where(ProcessVersion.key == model.key)
    existing = session.execute(same.order_by(ProcessVersion.version.desc()).limit(1)).scalar()
    if existing is None:
        return None
    latest = session.execute(select(func.max(ProcessVersion.version)).where(ProcessVersion.key == model.key)).scalar()
    return None if republish and existing.version != latest else existing


def _warnings(session: Session, model: CompiledModel) -> tuple[str, ...]:
    return model.warnings + _follow_up_warnings(session, model.key, model.follow_ups)


def _latest_forms(session: Session, key: str) -> dict[str, Any]:
    forms = session.execute(select(ProcessVersion.forms).where(ProcessVersion.key == key)
                            .order_by(ProcessVersion.version.desc()).limit(1)).scalar()
    return forms or {}


def _follow_up_warnings(session: Session, key: str, follow_ups: frozenset[str]) -> tuple[str, ...]:
    """A follow-up process may be deployed after the model that starts it; until then its step would fail."""
    deployed = set(session.execute(select(ProcessVersion.key).where(ProcessVersion.key.in_(follow_ups))).scalars())
    return tuple(f"后续流程“{name}”尚未部署: 发起它的步骤将失败, 请先部署该流程"
                 for name in sorted(follow_ups - deployed - {key}))


def latest_version(session: Session, key: str) -> ProcessVersion:
    row = session.execute(
        select(ProcessVersion).where(ProcessVersion.key == key).order_by(ProcessVersion.version.desc()).limit(1)
    ).scalar()
    if row is None:
        raise NotDeployed(key)
    return row


def get_version(session: Session, key: str, version: int | None = None) -> ProcessVersion:
    if version is None:
        return latest_version(session, key)
    row = session.execute(
        select(ProcessVersion).where(ProcessVersion.key == key, ProcessVersion.version == version)
    ).scalar()
    if row is None:
        raise NotFound(f"process {key} version {version}")
    return row


def _latest(*columns: Any) -> Select[Any]:
    """``columns`` of the newest version of every process key, by key."""
    newest = (select(ProcessVersion.key, func.max(ProcessVersion.version).label("version"))
              .group_by(ProcessVersion.key).subquery())
    return (select(*columns).join(newest, (ProcessVersion.key == newest.c.key)
                                  & (ProcessVersion.version == newest.c.version))
            .order_by(ProcessVersion.key))


def latest_versions(session: Session) -> list[ProcessVersion]:
    """The newest version of every process key."""
    return list(session.execute(_latest(ProcessVersion)).scalars())


def latest_names(session: Session) -> dict[str, str]:
    """Each process key's name in its newest version, without reading its files and forms: pages name processes on
    every row, and a version's BPMN and forms are the bulk of its row."""
    return {key: name for key, name in session.execute(_latest_names())}


@built_once
def _latest_names() -> Select[Any]:
    return _latest(ProcessVersion.key, ProcessVersion.name)


def all_versions(session: Session) -> list[ProcessVersion]:
    return list(session.execute(
        select(ProcessVersion).order_by(ProcessVersion.key, ProcessVersion.version)
    ).scalars())

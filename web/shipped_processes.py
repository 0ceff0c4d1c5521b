"""The process models shipped in ``processes/`` (``FANGPIN_PROCESSES_DIR``), deployed by ``fangpin db upgrade``
and by the demo, so that a fresh installation can start cases at once.

Each BPMN file is a model of its own, deployed with the files it needs: the BPMN files defining the
processes its call activities call and the DMN files defining the decisions its business rule tasks
use, and what those need in turn, the forms its tasks name (``FANGPIN_FORMS_DIR``) and its process tests
(``{stem}.tests.json`` beside it). A DMN file that no BPMN file uses is not a model and is left out.
Deploying is content-addressed, so an unchanged model is a no-op.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from lxml import etree
from sqlalchemy.orm import Session

from engine import versions
from engine.assignment import SYSTEM
from engine.deploy import DMN_NAMESPACES, NS, SourceFile, with_forms
from web.boundary import engine
from web.config import ConfigError


@dataclass
class _ModelFile:
    path: Path
    is_bpmn: bool
    defines: set[str] = field(default_factory=set)  # process and decision ids
    uses: set[str] = field(default_factory=set)  # called process and decision ids


def deploy_shipped(session: Session) -> list[versions.Deployment]:
    """Deploy every shipped model as the system user; each result says whether a new version was stored."""
    folder = Path(current_app.config["PROCESSES_DIR"])
    if not folder.is_dir():
        raise ConfigError(f"FANGPIN_PROCESSES_DIR: 流程文件夹不存在: {folder}")
    forms = Path(current_app.config["FORMS_DIR"])
    return [versions.deploy(engine(), session,
                            with_forms([SourceFile(p.name, p.read_bytes()) for p in model], forms, folder), SYSTEM)
            for model in models(folder)]


def models(folder: Path) -> list[list[Path]]:
    """The files of each model in ``folder``: a BPMN file first, then the files it needs, by name."""
    files = _model_files(folder)
    return [_with_needed(main, files) for main in files if main.is_bpmn]


def with_needed(paths: Sequence[Path]) -> list[Path]:
    """``paths`` and the files beside the first that they need (the DMN tables their business rule tasks call, the
    processes their call activities call, and what those need), as ``models`` gathers them for a shipped model."""
    files = _model_files(paths[0].resolve().parent)
    given = {path.resolve() for path in paths}
    needed = [path for f in files if f.path.resolve() in given for path in _with_needed(f, files)[1:]]
    return [*paths, *dict.fromkeys(p for p in needed if p.resolve() not in given)]


def _model_files(folder: Path) -> list[_ModelFile]:
    return [_read(path) for path in sorted(folder.iterdir()) if path.suffix in (".bpmn", ".dmn")]


def _with_needed(main: _ModelFile, files: list[_ModelFile]) -> list[Path]:
    defined_in = {name: f for f in files for name in f.defines}
    needed, pending = {main.path: main}, [main]
    while pending:
        for name in pending.pop().uses:
            other = defined_in.get(name)
            if other is not None and other.path not in needed:
                needed[other.path] = other
                pending.append(other)
    return [main.path, *sorted(set(needed) - {main.path})]


def _read(path: Path) -> _ModelFile:
    """What a file defines and uses; a file that does not parse stands alone, and deploying it says why."""
    try:
        root = etree.fromstring(path.read_bytes(), etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:
        return _ModelFile(path, is_bpmn=path.suffix == ".bpmn")
    if etree.QName(root).namespace in DMN_NAMESPACES:
        return _ModelFile(path, is_bpmn=False, defines=set(root.xpath("//*[local-name()='decision']/@id")),
                          uses={href.lstrip("#") for href in root.xpath("//*[local-name()='requiredDecision']/@href")})
    return _ModelFile(path, is_bpmn=True, defines=set(root.xpath("//bpmn:process/@id", namespaces=NS)),
                      uses=set(root.xpath("//bpmn:callActivity/@calledElement", namespaces=NS))
                      | {text.strip() for text in root.xpath("//spiffworkflow:calledDecisionId/text()", namespaces=NS)})

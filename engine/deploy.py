"""Checking a set of BPMN/DMN files before it may become a process version.

Everything a running instance would trip over later is refused now, with the file and line:
ill-formed XML, XSD violations, Spiff's structural errors, lanes that name no role, forms that
are missing or not JSON Schema, expressions that do not compile in the sandbox and timer
literals that are not ISO 8601. Nothing is stored here; ``engine.versions`` does that.
"""

from __future__ import annotations

import ast
import hashlib
import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from engine.errors import DeployError, DeployProblem, ScriptError
from engine.sandbox import compile_expression, compile_script
from engine.serialization import dump_specs

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
    "dmn": "https://www.omg.org/spec/DMN/20191111/MODEL/",
}
DMN_NAMESPACES = (
    "https://www.omg.org/spec/DMN/20191111/MODEL/",
    "http://www.omg.org/spec/DMN/20151101/dmn.xsd",
    "https://www.omg.org/spec/DMN/20151101/dmn.xsd",
)
FORM_PROPERTY = "formJsonSchemaFilename"
DUE_DATE_PROPERTY = "dueDate"

# (xpath, how to compile) for every place a BPMN file can hold code
_CODE_PATHS = [
    (".//bpmn:scriptTask/bpmn:script", "exec"),
    (".//spiffworkflow:preScript", "exec"),
    (".//spiffworkflow:postScript", "exec"),
    (".//bpmn:conditionExpression", "eval"),
    (".//bpmn:loopCardinality", "eval"),
    (".//bpmn:completionCondition", "eval"),
    (".//spiffworkflow:messagePayload", "eval"),
    (f".//spiffworkflow:property[@name='{DUE_DATE_PROPERTY}']/@value", "eval"),
]
_TIMER_PARSERS = {
    "timeDuration": TimerEventDefinition.parse_iso_duration,
    "timeDate": TimerEventDefinition.get_datetime,
    "timeCycle": TimerEventDefinition.parse_iso_recurring_interval,
}


@dataclass(frozen=True)
class SourceFile:
    name: str
    content: bytes


@dataclass
class CompiledModel:
    """A checked process model, ready to be stored as a version."""

    key: str
    name: str
    sha256: str
    files: dict[str, str]
    forms: dict[str, Any]
    specs: str
    start_role: str | None


@dataclass
class _Document:
    name: str
    root: Any  # lxml element
    is_dmn: bool


@dataclass
class _Checker:
    forms_dir: Path
    roles: Collection[str]
    problems: list[DeployProblem] = field(default_factory=list)

    def add(self, file: str, node: Any, message: str) -> None:
        line = getattr(node, "sourceline", None) if node is not None else None
        self.problems.append(DeployProblem(file, line, message))


def compile_model(files: Sequence[SourceFile], forms_dir: Path, roles: Collection[str]) -> CompiledModel:
    """Check the files and build the model, or raise ``DeployError`` listing every problem found."""
    if not files:
        raise DeployError([DeployProblem("", None, "没有上传任何BPMN文件")])
    checker = _Checker(forms_dir, roles)
    documents = [doc for doc in (_parse_xml(f, checker) for f in files) if doc is not None]
    _raise_if(checker)

    parser = SpiffBpmnParser(validator=BpmnValidator())
    for doc in documents:
        try:
            if doc.is_dmn:
                parser.add_dmn_xml(doc.root, filename=doc.name)
            else:
                parser.add_bpmn_xml(doc.root, filename=doc.name)
        except ValidationException as exc:
            checker.problems.append(_problem_from_spiff(exc, doc.name, documents))
    _raise_if(checker)

    bpmn_docs = [d for d in documents if not d.is_dmn]
    for doc in bpmn_docs:
        _check_flows(doc, checker)
        _check_lanes(doc, checker)
        _check_code(doc, checker)
        _check_timers(doc, checker)
    for doc in documents:
        if doc.is_dmn:
            _check_dmn_code(doc, checker)
    forms = _load_forms(bpmn_docs, checker)
    key = _main_process_id(parser, bpmn_docs, checker)
    _raise_if(checker)

    try:
        spec = parser.get_spec(key)
        subprocess_specs = parser.get_subprocess_specs(key)
    except ValidationException as exc:
        raise DeployError([_problem_from_spiff(exc, exc.file_name or "", documents)]) from None
    except SpiffWorkflowException as exc:
        raise DeployError([DeployProblem("", None, f"流程结构错误: {exc}")]) from None

    sources = {f.name: f.content.decode("utf-8") for f in files}
    return CompiledModel(
        key=key,
        name=spec.description or key,
        sha256=_content_hash(sources, forms),
        files=sources,
        forms=forms,
        specs=dump_specs(spec, subprocess_specs),
        start_role=spec.start.outputs[0].lane if spec.start.outputs else None,
    )


def _raise_if(checker: _Checker) -> None:
    if checker.problems:
        raise DeployError(checker.problems)


def _parse_xml(source: SourceFile, checker: _Checker) -> _Document | None:
    try:
        root = etree.fromstring(source.content, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        checker.problems.append(DeployProblem(source.name, exc.lineno, f"XML格式错误: {exc.msg}"))
        return None
    namespace = etree.QName(root).namespace
    if namespace in DMN_NAMESPACES:
        return _Document(source.name, root, is_dmn=True)
    if namespace != NS["bpmn"]:
        checker.add(source.name, root, "不是BPMN或DMN文件")
        return None
    return _Document(source.name, root, is_dmn=False)


def _problem_from_spiff(exc: ValidationException, file: str, documents: list[_Document]) -> DeployProblem:
    line = exc.line_number or None
    if not line and getattr(exc, "id", ""):
        line = next((node.sourceline for doc in documents if doc.name == (exc.file_name or file)
                     for node in doc.root.xpath(".//*[@id=$id]", id=exc.id)), None)
    message = str(exc.args[0]) if exc.args else str(exc)
    return DeployProblem(exc.file_name or file, int(line) if line else None, f"流程定义无效: {message}")


def _check_flows(doc: _Document, checker: _Checker) -> None:
    ids = set(doc.root.xpath("//@id"))
    for flow in doc.root.xpath(".//bpmn:sequenceFlow", namespaces=NS):
        for attribute, word in (("sourceRef", "起点"), ("targetRef", "终点")):
            ref = flow.get(attribute) or ""
            if ref not in ids:
                checker.add(doc.name, flow, f"顺序流“{flow.get('id')}”的{word}“{ref}”不存在")


def _check_lanes(doc: _Document, checker: _Checker) -> None:
    for lane in doc.root.xpath(".//bpmn:lane", namespaces=NS):
        name = (lane.get("name") or "").strip()
        if name not in checker.roles:
            shown = name or "(空)"
            checker.add(doc.name, lane, f"泳道“{shown}”不是角色名称; 可用角色: {', '.join(sorted(checker.roles))}")


def _check_code(doc: _Document, checker: _Checker) -> None:
    for path, mode in _CODE_PATHS:
        for node in doc.root.xpath(path, namespaces=NS):
            element = node.getparent() if isinstance(node, etree._ElementUnicodeResult) else node
            source = str(node) if element is not node else (node.text or "")
            if not source.strip():
                continue
            try:
                (compile_script if mode == "exec" else compile_expression)(source)
            except ScriptError as exc:
                checker.add(doc.name, element, f"表达式/脚本无法编译: {exc}")


def _check_timers(doc: _Document, checker: _Checker) -> None:
    for kind, parse in _TIMER_PARSERS.items():
        for node in doc.root.xpath(f".//bpmn:timerEventDefinition/bpmn:{kind}", namespaces=NS):
            source = (node.text or "").strip()
            try:
                compile_expression(source)
            except ScriptError as exc:
                checker.add(doc.name, node, f"定时器表达式无法编译: {exc}")
                continue
            try:
                literal = ast.literal_eval(source)
            except (ValueError, SyntaxError):
                continue  # computed at run time, e.g. working_deadline(...)
            try:
                parse(str(literal))
            except Exception:  # Spiff raises bare Exception for a bad duration
                checker.add(doc.name, node, f"定时器值“{literal}”不是有效的ISO 8601{_TIMER_WORDS[kind]}")


_TIMER_WORDS = {"timeDuration": "时长", "timeDate": "日期时间", "timeCycle": "循环周期"}


def _check_dmn_code(doc: _Document, checker: _Checker) -> None:
    for path in (".//{*}inputExpression/{*}text", ".//{*}outputEntry/{*}text"):
        for node in doc.root.iterfind(path):
            source = (node.text or "").strip()
            if source and source != "-":
                try:
                    compile_expression(source)
                except ScriptError as exc:
                    checker.add(doc.name, node, f"决策表表达式无法编译: {exc}")


def _load_forms(bpmn_docs: list[_Document], checker: _Checker) -> dict[str, Any]:
    forms: dict[str, Any] = {}
    for doc in bpmn_docs:
        xpath = f".//spiffworkflow:property[@name='{FORM_PROPERTY}']"
        for node in doc.root.xpath(xpath, namespaces=NS):
            name = (node.get("value") or "").strip()
            if name in forms:
                continue
            path = checker.forms_dir / name
            if not name or Path(name).name != name or not path.is_file():
                checker.add(doc.name, node, f"表单文件“{name}”不存在 (forms/ 目录)")
                continue
            try:
                schema = json.loads(path.read_text(encoding="utf-8"))
                Draft202012Validator.check_schema(schema)
            except (ValueError, SchemaError) as exc:
                checker.add(doc.name, node, f"表单文件“{name}”不是有效的JSON Schema: {exc}")
                continue
            forms[name] = schema
    return forms


def _main_process_id(parser: SpiffBpmnParser, bpmn_docs: list[_Document], checker: _Checker) -> str:
    called = {node.get("calledElement") for doc in bpmn_docs
              for node in doc.root.xpath(".//bpmn:callActivity", namespaces=NS)}
    candidates = [pid for pid in parser.get_process_ids() if pid not in called]
    if len(candidates) != 1:
        file = bpmn_docs[0].name if bpmn_docs else ""
        found = "、".join(candidates) or "无"
        checker.problems.append(DeployProblem(file, None, f"需要恰好一个可执行的主流程 (isExecutable), 找到: {found}"))
        return ""
    return candidates[0]


def _content_hash(sources: dict[str, str], forms: dict[str, Any]) -> str:
    """Content address of a version: the set of file contents and the forms they use, not file names."""
    digest = {
        "files": sorted(hashlib.sha256(text.encode("utf-8")).hexdigest() for text in sources.values()),
        "forms": forms,
    }
    return hashlib.sha256(json.dumps(digest, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()

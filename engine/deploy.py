"""Checking a set of BPMN/DMN files before it may become a process version.

Everything a running instance would trip over later is refused now, with the file and line:
ill-formed XML, service tasks (nothing here can run them), XSD violations, Spiff's structural
errors, lanes that name no role, forms that are missing or not JSON Schema, expressions that do
not compile in the sandbox, timer literals that are not ISO 8601, and a model whose main process
cannot be told (the designer names it, or a collaboration to run all its pools), and a follow-up case
(``start_process``) whose process is not named by a string literal. Nothing is stored here;
``engine.versions`` does that, and warns of follow-ups whose process is not deployed (yet).
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
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from engine.batch import BATCH_PROPERTY, BATCH_SCOPES
from engine.errors import DeployError, DeployProblem, ScriptError
from engine.placement import PLACE_PROPERTY
from engine.routing import DEPARTMENT_PROPERTY
from engine.sandbox import compile_expression, compile_script
from engine.scripting import START_PROCESS
from engine.serialization import dump_specs
from engine.subjects import SUBJECT_PROPERTY

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
    (f".//spiffworkflow:property[@name='{DEPARTMENT_PROPERTY}']/@value", "eval"),
    (f".//spiffworkflow:property[@name='{SUBJECT_PROPERTY}']/@value", "eval"),
    (f".//spiffworkflow:property[@name='{PLACE_PROPERTY}']/@value", "eval"),
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
    follow_ups: frozenset[str] = frozenset()  # the process keys its scripts start as follow-up cases


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
    follow_ups: set[str] = field(default_factory=set)

    def add(self, file: str, node: Any, message: str) -> None:
        line = getattr(node, "sourceline", None) if node is not None else None
        self.problems.append(DeployProblem(file, line, message))


def compile_model(files: Sequence[SourceFile], forms_dir: Path, roles: Collection[str],
                  main: str | None = None) -> CompiledModel:
    """Check the files and build the model, or raise ``DeployError`` listing every problem found.

    ``main`` names the process (or collaboration) an instance runs, when the files hold several.
    """
    if not files:
        raise DeployError([DeployProblem("", None, "没有上传任何BPMN文件")])
    checker = _Checker(forms_dir, roles)
    documents = [doc for doc in (_parse_xml(f, checker) for f in files) if doc is not None]
    for doc in documents:
        if not doc.is_dmn:
            _check_service_tasks(doc, checker)
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
        _check_batch_scopes(doc, checker)
        _check_blank_expressions(doc, checker)
    for doc in documents:
        if doc.is_dmn:
            _check_dmn_code(doc, checker)
    forms = _load_forms(bpmn_docs, checker)
    key, named = _main_process_id(parser, bpmn_docs, checker, main)
    _raise_if(checker)

    try:
        if key in parser.collaborations:
            spec, subprocess_specs = parser.get_collaboration(key)
        else:
            spec, subprocess_specs = parser.get_spec(key), parser.get_subprocess_specs(key)
    except ValidationException as exc:
        raise DeployError([_problem_from_spiff(exc, exc.file_name or "", documents)]) from None
    except SpiffWorkflowException as exc:
        raise DeployError([DeployProblem("", None, f"流程结构错误: {exc}")]) from None
    _check_instantiable(spec, subprocess_specs, bpmn_docs, checker)
    _raise_if(checker)

    sources = {f.name: f.content.decode("utf-8") for f in files}
    return CompiledModel(
        key=key,
        name=spec.description or _element_name(bpmn_docs, key) or key,
        sha256=_content_hash(sources, forms, key if named else None),
        files=sources,
        forms=forms,
        specs=dump_specs(spec, subprocess_specs),
        start_role=spec.start.outputs[0].lane if spec.start.outputs else None,
        follow_ups=frozenset(checker.follow_ups),
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


def _check_service_tasks(doc: _Document, checker: _Checker) -> None:
    for task in doc.root.xpath(".//bpmn:serviceTask", namespaces=NS):
        shown = task.get("name") or task.get("id")
        checker.add(doc.name, task, f"服务任务“{shown}”无法执行: 本引擎不能运行服务任务 (serviceTask),"
                                    " 请改用脚本任务调用已登记的函数")


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
                continue
            _check_follow_ups(doc, element, source, mode, checker)


def _check_follow_ups(doc: _Document, element: Any, source: str, mode: str, checker: _Checker) -> None:
    """The process a follow-up starts must be named literally, so that deploying can tell whether it exists."""
    for node in ast.walk(ast.parse(source.strip() if mode == "eval" else source, mode=mode)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == START_PROCESS):
            continue
        named = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "key"), None)
        if isinstance(named, ast.Constant) and isinstance(named.value, str) and named.value:
            checker.follow_ups.add(named.value)
        else:
            checker.add(doc.name, element, f"{START_PROCESS} 的第一个参数应为流程标识的字符串常量,"
                                           f" 例如 {START_PROCESS}(\"assistance\", {{…}})")


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


def _check_batch_scopes(doc: _Document, checker: _Checker) -> None:
    """A batch reach the engine does not know would leave the step silently one case at a time."""
    for node in doc.root.xpath(f".//spiffworkflow:property[@name='{BATCH_PROPERTY}']", namespaces=NS):
        value = node.get("value") or ""
        if value not in BATCH_SCOPES:
            checker.add(doc.name, node, f"批量办理范围“{value}”无效; 可用: {'、'.join(BATCH_SCOPES)}"
                                        " (true: 同一地点, parent: 同一上级地区下的各地点)")


_BLANK_EXPRESSIONS = {  # task properties whose value is an expression, and what a blank one says
    DEPARTMENT_PROPERTY: "部门表达式为空: 应为求得部门代码的表达式, 例如 item[\"department\"]",
    SUBJECT_PROPERTY: "事项表达式为空: 应为求得任务事项文字的表达式, 例如 item[\"title\"]",
    PLACE_PROPERTY: "地点表达式为空: 应为求得地点代码的表达式, 例如 item (多实例逐个地点) 或 league",
}


def _check_blank_expressions(doc: _Document, checker: _Checker) -> None:
    """A blank department expression would leave the task routed by lane and place, not where the designer meant; a
    blank subject would leave the rows unnamed that the designer meant to name."""
    for name, message in _BLANK_EXPRESSIONS.items():
        for node in doc.root.xpath(f".//spiffworkflow:property[@name='{name}']", namespaces=NS):
            if not (node.get("value") or "").strip():
                checker.add(doc.name, node, message)


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


def _main_process_id(parser: SpiffBpmnParser, bpmn_docs: list[_Document], checker: _Checker,
                     main: str | None) -> tuple[str, bool]:
    """The process an instance runs, and whether only the designer's ``main`` could tell it.

    Without ``main`` it is the one executable process that no other process calls.
    """
    executable = parser.get_process_ids()
    collaborations = [cid for cid, pools in parser.collaborations.items() if any(p in executable for p in pools)]
    called_by_others = {node.get("calledElement") for doc in bpmn_docs
                        for process in doc.root.xpath(".//bpmn:process", namespaces=NS)
                        for node in process.xpath(".//bpmn:callActivity", namespaces=NS)
                        if node.get("calledElement") != process.get("id")}
    candidates = [pid for pid in executable if pid not in called_by_others]
    automatic = candidates[0] if len(candidates) == 1 else None
    if main is not None:
        if main in executable or main in collaborations:
            return main, main != automatic
        choices = "、".join(executable + collaborations) or "无"
        _add_at_element(checker, bpmn_docs, None, f"指定的主流程“{main}”不存在或不可执行; 可选: {choices}")
        return "", False
    if automatic is not None:
        return automatic, False
    if candidates:
        message = f"有多个可执行的流程 ({'、'.join(candidates)}), 无法确定主流程"
    else:
        message = "没有可作为主流程的可执行流程 (isExecutable=\"true\" 且不被其他流程调用); 可执行的流程: " \
                  f"{'、'.join(executable) or '无'}"
    how = "请指定主流程的ID (接口: ?main=流程ID 或表单字段 main; 命令行: --main 流程ID)"
    pooled = [cid for cid in collaborations if sum(p in executable for p in parser.collaborations[cid]) > 1]
    if pooled:
        how += f", 或指定协作“{'、'.join(pooled)}”以同时运行其中各个泳池"
    _add_at_element(checker, bpmn_docs, pooled[0] if pooled else None, f"{message}; {how}")
    return "", False


def _check_instantiable(spec: BpmnProcessSpec, subprocess_specs: dict[str, BpmnProcessSpec],
                        bpmn_docs: list[_Document], checker: _Checker) -> None:
    """Spiff lays out every path of a process when it starts it (or a call to it); a loop that no
    gateway or event can leave makes that recurse without end, so such a model could never run."""
    for name, each in {spec.name: spec, **subprocess_specs}.items():
        if each is None:
            continue
        try:
            BpmnWorkflow(each, subprocess_specs)
        except RecursionError:
            _add_at_element(checker, bpmn_docs, name, f"流程“{name}”无法启动: 其中有没有出口的循环"
                                                      " (循环中没有可以离开的网关或事件)")


def _add_at_element(checker: _Checker, bpmn_docs: list[_Document], element_id: str | None, message: str) -> None:
    """A problem about the model as a whole, shown at the element it concerns or the first process."""
    xpath = ".//*[@id=$id]" if element_id else ".//bpmn:process"
    for doc in bpmn_docs:
        nodes = doc.root.xpath(xpath, id=element_id or "", namespaces=NS)
        if nodes:
            checker.add(doc.name, nodes[0], message)
            return
    checker.add(bpmn_docs[0].name if bpmn_docs else "", None, message)


def _element_name(bpmn_docs: list[_Document], element_id: str) -> str | None:
    for doc in bpmn_docs:
        for node in doc.root.xpath(".//*[@id=$id]", id=element_id):
            return node.get("name")
    return None


def _content_hash(sources: dict[str, str], forms: dict[str, Any], named_main: str | None) -> str:
    """Content address of a version: the set of file contents and the forms they use, not file names,
    and the main process when the designer had to name it (the same files may run as another process)."""
    digest: dict[str, Any] = {
        "files": sorted(hashlib.sha256(text.encode("utf-8")).hexdigest() for text in sources.values()),
        "forms": forms,
    }
    if named_main is not None:
        digest["main"] = named_main
    return hashlib.sha256(json.dumps(digest, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()

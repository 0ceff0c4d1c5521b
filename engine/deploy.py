"""Checking the files of a process model before they may become a process version.

An upload is BPMN and DMN files, the JSON Schema forms its user tasks name (``visit.json``) and at most one
scenario file (``identification.tests.json``). Forms belong to the version: one named but not uploaded is
taken from the previous version of the same process (``previous_forms``), never from the server's disk.

Everything a running instance would trip over later is refused now, with the file, line and element:
ill-formed XML, service tasks (nothing here can run them), XSD violations, Spiff's structural
errors, what the editor's lint calls an error (unnamed user tasks, dangling nodes, nodes outside lanes),
lanes that name no role, forms that are missing or not JSON Schema, expressions that do
not compile in the sandbox, timer literals that are not ISO 8601, and a model whose main process
cannot be told (the designer names it, or a collaboration to run all its pools), a follow-up case
(``start_process``) whose process is not named by a string literal, and a scenario file of the wrong shape.
Nothing is stored here; ``engine.versions`` does that, and warns of follow-ups whose process is not deployed (yet).
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from engine import scenarios as scenario_files
from engine.batch import BATCH_PROPERTY, BATCH_SCOPES
from engine.business_rules import RecordingEngine
from engine.errors import DeployError, DeployProblem, ScriptError
from engine.form_schema import form_problems as form_problems  # the one form rule, shared with the preview
from engine.form_schema import parse_form
from engine.model_lint import lint_problems
from engine.placement import PLACE_PROPERTY
from engine.routing import DEPARTMENT_PROPERTY
from engine.sandbox import compile_expression, compile_script
from engine.scripting import START_PROCESS
from engine.serialization import dump_specs
from engine.subjects import SUBJECT_PROPERTY
from engine.timer_bounds import timer_value_problem

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
SCENARIO_SUFFIX = ".tests.json"
DUE_DATE_PROPERTY = "dueDate"
MAX_FILE_NAME = 100
TOO_DEEP = "流程太深或太长，无法处理（一条路径上连续的元素过多，或嵌套过深）: 请把其中一段拆分为子流程"
_FILE_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]*")  # no leading dot: never a hidden or relative name

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


class _Parser(SpiffBpmnParser):
    """Spiff's parser, whose business rule tasks record which row decided (``engine.business_rules``)."""

    def get_engine(self, decision_ref: str, node: Any) -> RecordingEngine:
        if decision_ref not in self.dmn_parsers:
            known = "、".join(sorted(self.dmn_parsers)) or "无"
            raise ValidationException(f"业务规则任务调用的决策“{decision_ref}”不在上传的DMN文件中（已有：{known}）："
                                      "请把定义它的DMN文件一并上传", node=node)
        return RecordingEngine(super().get_engine(decision_ref, node).decision_table)


@dataclass(frozen=True)
class SourceFile:
    name: str
    content: bytes


def is_scenario_file(name: str) -> bool:
    return name.endswith(SCENARIO_SUFFIX)


def is_form_file(name: str) -> bool:
    return name.endswith(".json") and not is_scenario_file(name)


def is_model_file(name: str) -> bool:
    """A BPMN or DMN file (told apart by their XML root), as opposed to a form or a scenario file."""
    return not name.endswith(".json")


PreviousForms = Callable[[str], Mapping[str, Any]]  # process key → the forms of its latest version


@dataclass
class CompiledModel:
    """A checked process model, ready to be stored as a version."""

    key: str
    name: str
    sha256: str
    files: dict[str, str]  # BPMN, DMN and the scenario file, name → text
    forms: dict[str, Any]  # the forms its tasks name, name → JSON Schema
    specs: str
    start_role: str | None
    follow_ups: frozenset[str] = frozenset()  # the process keys its scripts start as follow-up cases
    scenarios: list[dict[str, Any]] = field(default_factory=list)  # parsed from the scenario file
    scenario_file: str | None = None
    warnings: tuple[str, ...] = ()  # what is not wrong but likely not meant, e.g. an uploaded form no task names


@dataclass
class _Document:
    name: str
    root: Any  # lxml element
    is_dmn: bool


@dataclass
class _Checker:
    roles: Collection[str]
    problems: list[DeployProblem] = field(default_factory=list)
    follow_ups: set[str] = field(default_factory=set)

    def add(self, file: str, node: Any, message: str) -> None:
        line = getattr(node, "sourceline", None) if node is not None else None
        self.problems.append(DeployProblem(file, line, message, element_of(node)))


# elements with an id that no diagram shows: a problem inside one is shown at the element holding it
_UNSHOWN_SUFFIXES = ("EventDefinition", "Expression", "Entry")


def element_of(node: Any) -> str | None:
    """The id of the element a problem at ``node`` is about: the nearest ancestor-or-self with an ``id`` that an
    editor shows (a property belongs to its task, a timer's duration to its event)."""
    while node is not None and isinstance(node.tag, str):
        if node.get("id") and not etree.QName(node).localname.endswith(_UNSHOWN_SUFFIXES):
            return node.get("id")
        node = node.getparent()
    return None


def compile_model(files: Sequence[SourceFile], roles: Collection[str], main: str | None = None,
                  previous_forms: PreviousForms | None = None, key: str | None = None) -> CompiledModel:
    """Check the files and build the model, or raise ``DeployError`` listing every problem found.

    ``main`` names the process (or collaboration) an instance runs, when the files hold several.
    ``previous_forms(key)`` gives the forms of the latest version of the model's process, for forms its tasks
    name that were not uploaded. With ``key``, a model whose main process is another one is refused.
    """
    misnamed = [DeployProblem(f.name, None, why) for f in files if (why := file_name_problem(f.name)) is not None]
    if misnamed:
        raise DeployError(misnamed)
    models = [f for f in files if is_model_file(f.name)]
    if not models:
        raise DeployError([DeployProblem("", None, "没有上传任何BPMN文件")])
    try:
        return _compiled(files, models, roles, main, previous_forms, key)
    except RecursionError:  # Spiff walks a process recursively, one level per element on a path
        raise DeployError([DeployProblem(models[0].name, None, TOO_DEEP)]) from None


def _compiled(files: Sequence[SourceFile], models: list[SourceFile], roles: Collection[str], main: str | None,
              previous_forms: PreviousForms | None, key: str | None) -> CompiledModel:
    checker = _Checker(roles)
    uploaded_forms = _parse_forms([f for f in files if is_form_file(f.name)], checker)
    scenarios, scenario_file = _parse_scenarios([f for f in files if is_scenario_file(f.name)], checker)
    documents = [doc for doc in (_parse_xml(f, checker) for f in models) if doc is not None]
    for doc in documents:
        if not doc.is_dmn:
            _check_service_tasks(doc, checker)
    _raise_if(checker)

    parser = _Parser(validator=BpmnValidator())
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
        _check_lint(doc, checker)
        _check_lanes(doc, checker)
        _check_code(doc, checker)
        _check_timers(doc, checker)
        _check_batch_scopes(doc, checker)
        _check_blank_expressions(doc, checker)
    for doc in documents:
        if doc.is_dmn:
            _check_dmn_code(doc, checker)
    main_id, named = _main_process_id(parser, bpmn_docs, checker, main)
    if key is not None and main_id and main_id != key:
        _add_at_element(checker, bpmn_docs, main_id, f"流程标识应为“{key}”，实际为“{main_id}”")
    forms: dict[str, Any] = {}
    if main_id:  # which process's previous forms may fill in is known only now
        previous = previous_forms(main_id) if previous_forms is not None else {}
        forms = _task_forms(bpmn_docs, uploaded_forms, previous, checker)
    _raise_if(checker)

    try:
        if main_id in parser.collaborations:
            spec, subprocess_specs = parser.get_collaboration(main_id)
        else:
            spec, subprocess_specs = parser.get_spec(main_id), parser.get_subprocess_specs(main_id)
    except ValidationException as exc:
        raise DeployError([_problem_from_spiff(exc, exc.file_name or "", documents)]) from None
    except SpiffWorkflowException as exc:
        raise DeployError([DeployProblem("", None, f"流程结构错误: {exc}")]) from None
    _check_instantiable(spec, subprocess_specs, bpmn_docs, checker)
    _raise_if(checker)

    sources = {f.name: f.content.decode("utf-8") for f in files if not is_form_file(f.name)}
    return CompiledModel(
        key=main_id,
        name=spec.description or _element_name(bpmn_docs, main_id) or main_id,
        sha256=_content_hash(sources, forms, main_id if named else None),
        files=sources,
        forms=forms,
        specs=dump_specs(spec, subprocess_specs),
        start_role=spec.start.outputs[0].lane if spec.start.outputs else None,
        follow_ups=frozenset(checker.follow_ups),
        scenarios=scenarios,
        scenario_file=scenario_file,
        warnings=tuple(f"表单“{name}”未被任何任务使用, 未保存" for name in sorted(set(uploaded_forms) - set(forms))),
    )


def with_forms(files: Sequence[SourceFile], folder: Path, tests_folder: Path | None = None) -> list[SourceFile]:
    """``files`` and what a model deployed from a shell carries beside them: the forms its BPMN files name, found in
    ``folder``, and the scenario file ``{stem}.tests.json`` of its first BPMN file, found in ``tests_folder``
    (default ``folder``). What is already uploaded or not found is left alone; deploying says what is missing."""
    given = {f.name for f in files}
    added: dict[str, SourceFile] = {}
    bpmn = [(f, root) for f in files if is_model_file(f.name)
            if (root := _xml_root(f.content)) is not None and etree.QName(root).namespace == NS["bpmn"]]
    for _, root in bpmn:
        for value in root.xpath(f".//spiffworkflow:property[@name='{FORM_PROPERTY}']/@value", namespaces=NS):
            name = value.strip()
            if name and name not in given and file_name_problem(name) is None and (folder / name).is_file():
                added[name] = SourceFile(name, (folder / name).read_bytes())
    if bpmn and not any(is_scenario_file(name) for name in given):
        tests = (tests_folder or folder) / (Path(bpmn[0][0].name).stem + SCENARIO_SUFFIX)
        if tests.is_file():
            added[tests.name] = SourceFile(tests.name, tests.read_bytes())
    return [*files, *added.values()]


def main_bpmn(files: Mapping[str, str], key: str) -> str | None:
    """The name of the BPMN file that defines process (or collaboration) ``key`` among a version's files (which
    also hold DMN files and a scenario file), else of its first BPMN file; ``None`` when it has none."""
    bpmn = [(name, root) for name, text in sorted(files.items()) if is_model_file(name)
            if (root := _xml_root(text.encode("utf-8"))) is not None and etree.QName(root).namespace == NS["bpmn"]]
    defining = (name for name, root in bpmn
                if root.xpath("./bpmn:process[@id=$key] | ./bpmn:collaboration[@id=$key]", key=key, namespaces=NS))
    return next(defining, bpmn[0][0] if bpmn else None)


def _xml_root(content: bytes) -> Any:
    try:
        return etree.fromstring(content, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:
        return None


def file_name_problem(name: str) -> str | None:
    """Why ``name`` cannot name a model's file (``None``: it can): the one rule for deploy, validate, drafts and the
    CLI. A bare name of plain characters: no folder, nothing hidden or relative, nothing a page or a download must
    escape, the same in every upload so that what is deployed can be saved as a draft again."""
    if _FILE_NAME.fullmatch(name) and len(name) <= MAX_FILE_NAME:
        return None
    return f"文件名只能含字母、数字、_ . -，不以 . 开头，不超过{MAX_FILE_NAME}个字符"


def _raise_if(checker: _Checker) -> None:
    if checker.problems:
        raise DeployError(checker.problems)


def _parse_forms(sources: list[SourceFile], checker: _Checker) -> dict[str, Any]:
    """The uploaded forms that pass ``form_problems``, name → schema; a broken one is a problem at its file."""
    forms: dict[str, Any] = {}
    for source in sources:
        try:
            schema, problems = parse_form(source.name, source.content.decode("utf-8"))
        except UnicodeDecodeError:
            schema, problems = None, [DeployProblem(source.name, None, "表单应为UTF-8编码的JSON")]
        checker.problems.extend(problems)
        if schema is not None:
            forms[source.name] = schema
    return forms


def _parse_scenarios(sources: list[SourceFile], checker: _Checker) -> tuple[list[dict[str, Any]], str | None]:
    """The scenarios of the one scenario file an upload may carry, checked for shape (``engine.scenarios``)."""
    if len(sources) > 1:
        checker.problems.extend(DeployProblem(s.name, None, f"一个模型只能有一个流程测试文件 (*{SCENARIO_SUFFIX})")
                                for s in sources)
        return [], None
    if not sources:
        return [], None
    source = sources[0]
    try:
        return scenario_files.parse(source.content.decode("utf-8")), source.name
    except UnicodeDecodeError:
        checker.problems.append(DeployProblem(source.name, None, "流程测试文件应为UTF-8编码的JSON"))
    except DeployError as exc:
        checker.problems.extend(replace(p, file=source.name) for p in exc.problems)
    return [], source.name


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
    """Spiff names the element (``id``) or only the line (XSD errors): the problem gets both, and the file that
    holds the element when Spiff does not say."""
    element = getattr(exc, "id", "") or None
    file = exc.file_name or file or next((doc.name for doc in documents if element and doc.root.xpath(
        ".//*[@id=$id]", id=element)), "")
    roots = [doc.root for doc in documents if doc.name == file]
    line = int(exc.line_number) if exc.line_number else None
    if element and not line:
        line = next((node.sourceline for root in roots for node in root.xpath(".//*[@id=$id]", id=element)), None)
    if line and not element:
        element = next((element_of(node) for root in roots for node in root.iter() if node.sourceline == line), None)
    if isinstance(exc.__cause__ or exc.__context__, RecursionError):
        return DeployProblem(file, line, TOO_DEEP, element)
    message = str(exc.args[0]) if exc.args else str(exc)
    return DeployProblem(file, line, f"流程定义无效: {message}", element)


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


def _check_lint(doc: _Document, checker: _Checker) -> None:
    """The editor's lint errors (engine.model_lint); a flow to nowhere, reported already, would leave its target
    unreached too: one problem for one mistake."""
    if not any(p.file == doc.name for p in checker.problems):
        for node, message in lint_problems(doc.root):
            checker.add(doc.name, node, message)


def _check_lanes(doc: _Document, checker: _Checker) -> None:
    for lane in doc.root.xpath(".//bpmn:lane", namespaces=NS):
        name = (lane.get("name") or "").strip()
        if name not in checker.roles:
            shown = name or "(空)"
            checker.add(doc.name, lane, f"泳道“{shown}”不是角色标识: 泳道名称应为角色标识之一: "
                                        f"{', '.join(sorted(checker.roles))}")


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
            too_long = timer_value_problem(str(literal))
            if too_long is not None:  # before Spiff parses it: its count of a huge duration would take days
                checker.add(doc.name, node, f"定时器值“{_shortened(str(literal))}”{too_long}")
                continue
            try:
                parse(str(literal))
            except Exception:  # Spiff raises bare Exception for a bad duration
                checker.add(doc.name, node, f"定时器值“{literal}”不是有效的ISO 8601{_TIMER_WORDS[kind]}")


def _shortened(text: str) -> str:
    return text if len(text) <= 40 else text[:39] + "…"


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


# A row condition's ``?`` (the input), outside quotes, as Spiff's DMN engine reads it (DMNEngine.evaluate)
DMN_INPUT = re.compile(r'(\?)(?=(?:[^\'"]|[\'"][^\'"]*[\'"])*$)')
DMN_INPUT_NAME = "dmninputexpr"
_TIMER_WORDS = {"timeDuration": "时长", "timeDate": "日期时间", "timeCycle": "循环周期"}


def _check_dmn_code(doc: _Document, checker: _Checker) -> None:
    for path in (".//{*}inputExpression/{*}text", ".//{*}outputEntry/{*}text", ".//{*}inputEntry/{*}text"):
        for node in doc.root.iterfind(path):
            source = (node.text or "").strip()
            if source and source != "-":
                problem = _entry_problem(source) if node.getparent().tag.endswith("inputEntry") \
                    else _expression_problem(source)
                if problem:
                    checker.add(doc.name, node, f"决策表表达式无法编译: {problem}")


def _expression_problem(source: str) -> str | None:
    try:
        compile_expression(source)
    except ScriptError as exc:
        return str(exc)
    return None


def _entry_problem(source: str) -> str | None:
    """A row's condition as Spiff's DMN engine runs it: a value compared for equality, a comparison with the input on
    its left (``< 8300``), or an expression where ``?`` stands for the input."""
    if DMN_INPUT.search(source):
        problem = _expression_problem(DMN_INPUT.sub(DMN_INPUT_NAME, source))
        return problem.replace(DMN_INPUT_NAME, "?") if problem else None
    try:
        ast.parse(source, mode="eval")
    except SyntaxError:
        problem = _expression_problem(f"{DMN_INPUT_NAME} {source}")
        return problem.replace(f"{DMN_INPUT_NAME} ", "") if problem else None
    return _expression_problem(source)


def _task_forms(bpmn_docs: list[_Document], uploaded: Mapping[str, Any], previous: Mapping[str, Any],
                checker: _Checker) -> dict[str, Any]:
    """The forms the tasks name: uploaded, else the previous version's; a task naming neither is a problem at
    the task. A form uploaded but broken was reported at its own file already."""
    forms: dict[str, Any] = {}
    for doc in bpmn_docs:
        xpath = f".//spiffworkflow:property[@name='{FORM_PROPERTY}']"
        for node in doc.root.xpath(xpath, namespaces=NS):
            name = (node.get("value") or "").strip()
            if name in forms:
                continue
            if file_name_problem(name) is not None or not is_form_file(name):
                checker.add(doc.name, node, f"表单文件名“{name}”无效: 应为不含目录的 .json 文件名")
            elif name in uploaded:
                forms[name] = uploaded[name]
            elif name in previous:
                forms[name] = previous[name]
            elif not any(problem.file == name for problem in checker.problems):
                checker.add(doc.name, node, f"表单“{name}”未随模型上传")
    return forms


def _main_process_id(parser: _Parser, bpmn_docs: list[_Document], checker: _Checker,
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

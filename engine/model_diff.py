"""What changed between two sets of a model's files (two versions, or a version and the draft), element by element.

A designer reads a diff as "this task was added, that flow's condition changed", and the editor draws it on the
diagram, so BPMN/DMN elements are matched by id and compared by what the engine runs: names, conditions,
scripts, forms, lanes, properties, timers. The diagram (``bpmndi``) is left out: moving a shape changes nothing a
case does. An element that holds others (a process, a sub-process, a lane set) is compared without them, and the
``incoming``/``outgoing``/``flowNodeRef`` lists are left out, since the flows and the tasks' lanes say the same.
A file that does not parse (a draft may hold one) contributes no elements. Elements are shown by name where they
have one: a flow's ends by their names (compared by id), an unnamed flow as "起点 → 终点".
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from engine.deploy import FORM_PROPERTY, is_form_file, is_model_file, is_scenario_file
from engine.json_text import JsonTextError, load_json_limited

DIAGRAM_NAMESPACES = frozenset({
    "http://www.omg.org/spec/BPMN/20100524/DI",
    "http://www.omg.org/spec/DD/20100524/DC",
    "http://www.omg.org/spec/DD/20100524/DI",
    "https://www.omg.org/spec/DMN/20191111/DMNDI/",
})
# elements whose children with an id are elements of their own (compared, added and removed separately)
CONTAINERS = frozenset({"definitions", "process", "subProcess", "transaction", "adHocSubProcess", "collaboration",
                        "laneSet", "childLaneSet"})
# references that repeat what other elements say (a flow's ends, a lane's members): left out of the comparison
ECHOES = frozenset({"incoming", "outgoing", "flowNodeRef", "childLaneSet"})

ATTRIBUTE_WORDS = {"name": "名称", "sourceRef": "起点", "targetRef": "终点", "default": "默认流",
                   "calledElement": "调用流程", "processRef": "参与流程", "isExecutable": "可执行",
                   "attachedToRef": "附着于", "cancelActivity": "中断", "messageRef": "消息"}
REFERENCE_WORDS = frozenset({"起点", "终点", "默认流", "附着于"})  # their value is another element's id
LANE_WORD = "泳道"  # a flow node's lane, said by the lane's flowNodeRef rather than the node
ELEMENT_WORDS = {"conditionExpression": "条件", "script": "脚本", "preScript": "前置脚本", "postScript": "后置脚本",
                 "documentation": "说明", "timeDuration": "定时器", "timeDate": "定时器", "timeCycle": "定时器",
                 "multiInstanceLoopCharacteristics": "多实例", "standardLoopCharacteristics": "循环",
                 "messagePayload": "消息内容", "messageVariable": "消息变量", "decisionTable": "决策表",
                 "calledDecisionId": "决策", "instructionsForEndUser": "操作说明"}


@dataclass(frozen=True)
class _Fact:
    """One thing an element says: compared by ``key``, shown as ``shown`` (a lane by id, shown by name)."""

    key: str
    shown: str


@dataclass
class _Element:
    id: str
    type: str
    name: str | None
    file: str
    facts: dict[str, _Fact] = field(default_factory=dict)


def diff(before: Mapping[str, str], after: Mapping[str, str]) -> dict[str, Any]:
    """``added``, ``removed``, ``changed`` elements, ``forms`` added/removed/changed by name, and whether the
    scenarios changed; ``before`` and ``after`` map file names to text (forms as JSON text)."""
    old, new = _elements(before), _elements(after)
    changed = []
    for element_id, element in new.items():
        if element_id in old:
            changes = _changes(old[element_id], element)
            if changes:
                changed.append({**_summary(element), "changes": changes})
    return {
        "added": [_summary(e) for i, e in new.items() if i not in old],
        "removed": [_summary(e) for i, e in old.items() if i not in new],
        "changed": changed,
        "forms": _forms_diff(_forms(before), _forms(after)),
        "scenarios_changed": _scenarios(before) != _scenarios(after),
    }


def _summary(element: _Element) -> dict[str, Any]:
    return {"id": element.id, "type": element.type, "name": element.name, "file": element.file}


def _changes(old: _Element, new: _Element) -> list[dict[str, Any]]:
    changes = []
    for what in [*old.facts, *(w for w in new.facts if w not in old.facts)]:
        before, after = old.facts.get(what), new.facts.get(what)
        if (before and before.key) != (after and after.key):
            changes.append({"what": what, "before": before.shown if before else None,
                            "after": after.shown if after else None})
    return changes


def _elements(files: Mapping[str, str]) -> dict[str, _Element]:
    """Every element of every BPMN/DMN file by id, in document order."""
    found: dict[str, _Element] = {}
    for name, text in files.items():
        if not is_model_file(name):
            continue
        root = _parse(text)
        if root is None:
            continue
        lanes = _lanes_of_nodes(root)
        for node in _own_elements(root):
            element = _Element(node.get("id"), etree.QName(node).localname, node.get("name"), name, _facts(node))
            if element.id in lanes:
                element.facts[LANE_WORD] = lanes[element.id]
            found.setdefault(element.id, element)
    _named(found)
    return found


def _named(elements: dict[str, _Element]) -> None:
    """Show references by the name of the element they name, and an unnamed flow by its ends."""
    names = {element.id: element.name or element.id for element in elements.values()}
    for element in elements.values():
        for what in REFERENCE_WORDS & element.facts.keys():
            fact = element.facts[what]
            element.facts[what] = _Fact(fact.key, names.get(fact.key, fact.shown))
    for element in elements.values():
        if element.type == "sequenceFlow" and not element.name and {"起点", "终点"} <= element.facts.keys():
            element.name = f"{element.facts['起点'].shown} → {element.facts['终点'].shown}"


def _parse(text: str) -> Any:
    try:
        return etree.fromstring(text.encode("utf-8"), etree.XMLParser(resolve_entities=False, no_network=True))
    except (etree.XMLSyntaxError, ValueError):
        return None


def _local(node: Any) -> str | None:
    """The local name of an element, None for comments, processing instructions and diagram elements."""
    if not isinstance(node.tag, str):
        return None
    qname = etree.QName(node)
    return None if qname.namespace in DIAGRAM_NAMESPACES else qname.localname


def _own_elements(root: Any) -> Iterator[Any]:
    return (node for node in root.iter() if _local(node) is not None and _is_own_element(node))


def _is_own_element(node: Any) -> bool:
    """Compared on its own: an element with an id whose parent is a container."""
    parent = node.getparent()
    return bool(node.get("id")) and parent is not None and _local(parent) in CONTAINERS


def _lanes_of_nodes(root: Any) -> dict[str, _Fact]:
    """Each flow node's lane, compared by the lane's id (renaming a lane changes the lane, not its tasks)."""
    lanes: dict[str, _Fact] = {}
    for lane in root.iter("{*}lane"):
        for ref in lane.iterfind("{*}flowNodeRef"):
            lanes[(ref.text or "").strip()] = _Fact(lane.get("id") or "", lane.get("name") or lane.get("id") or "")
    return lanes


def _facts(element: Any) -> dict[str, _Fact]:
    """What an element says, by the Chinese word for it: its attributes, then what its own children hold."""
    facts: dict[str, _Fact] = {}
    for attribute, value in element.attrib.items():
        name = etree.QName(attribute).localname
        if name != "id":
            _add(facts, ATTRIBUTE_WORDS.get(name, f"属性 {name}"), value)
    for child in element:
        _child_facts(child, facts)
    return facts


def _child_facts(node: Any, facts: dict[str, _Fact]) -> None:
    local = _local(node)
    if local is None or local in ECHOES or _is_own_element(node):
        return
    if local == "property":
        name = node.get("name") or ""
        _add(facts, "表单" if name == FORM_PROPERTY else f"属性 {name}", node.get("value") or "")
        return
    if local in ELEMENT_WORDS:
        _add(facts, ELEMENT_WORDS[local], _canonical(node))
        return
    for attribute, value in node.attrib.items():
        name = etree.QName(attribute).localname
        if name not in ("id", "type"):
            _add(facts, ATTRIBUTE_WORDS.get(name, f"属性 {name}"), value)
    text = (node.text or "").strip()
    if text:
        _add(facts, f"属性 {local}", text)
    for child in node:
        _child_facts(child, facts)


def _canonical(node: Any) -> str:
    """A leaf's text; a subtree (a decision table, a loop) as its tags, attributes and texts without ids."""
    if len(node) == 0:
        return (node.text or "").strip()
    parts = []
    for each in node.iter():
        local = _local(each)
        if local is None:
            continue
        attributes = " ".join(f"{etree.QName(k).localname}={v}" for k, v in sorted(each.attrib.items())
                              if etree.QName(k).localname != "id")
        parts.append(" ".join(p for p in (local, attributes, (each.text or "").strip()) if p))
    return "\n".join(parts)


def _add(facts: dict[str, _Fact], what: str, value: str) -> None:
    """Several facts of one word (two properties of a name, a timer's parts) read as one, in order."""
    if what in facts:
        value = f"{facts[what].shown}\n{value}"
    facts[what] = _Fact(value, value)


def _forms(files: Mapping[str, str]) -> dict[str, Any]:
    return {name: _json_or_text(text) for name, text in files.items() if is_form_file(name)}


def _scenarios(files: Mapping[str, str]) -> dict[str, Any]:
    return {name: _json_or_text(text) for name, text in files.items() if is_scenario_file(name)}


def _json_or_text(text: str) -> Any:
    """Forms compare by content (a re-indented form is unchanged); one that is not JSON, by its text."""
    try:
        return load_json_limited(text)
    except JsonTextError:
        return text


def _forms_diff(old: dict[str, Any], new: dict[str, Any]) -> dict[str, list[str]]:
    return {"added": sorted(new.keys() - old.keys()), "removed": sorted(old.keys() - new.keys()),
            "changed": sorted(name for name in old.keys() & new.keys() if old[name] != new[name])}

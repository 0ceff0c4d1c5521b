"""The designer's lint errors the server can see, so that "nothing with an error can be published" holds for every
client, not just the editor (web/designer_src/editor/lint/config.js: its errors are problems here, its warnings are
not): a user task without a name (the inbox would show its id), a flow node no flow reaches or leaves, a split
without a gateway or a condition, duplicate flows, several blank start events, and a user task (or start event)
outside every lane of a process that has lanes (its task would go to a role nobody chose). The editor also wants a
name on every other shape; the server does not: only a user task's name reaches a user."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lxml import etree

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
_NS = {"bpmn": BPMN}
_TASKS = ("task", "userTask", "scriptTask", "manualTask", "serviceTask", "sendTask", "receiveTask",
          "businessRuleTask", "callActivity", "subProcess", "transaction", "adHocSubProcess")
_EVENTS = ("startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent")
_GATEWAYS = ("exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway", "complexGateway")
_FLOW_NODES = frozenset(_TASKS + _EVENTS + _GATEWAYS)
_CONTAINERS = frozenset({"subProcess", "transaction", "adHocSubProcess"})
_WORDS = {
    "userTask": "用户任务", "scriptTask": "脚本任务", "manualTask": "人工任务", "businessRuleTask": "业务规则任务",
    "callActivity": "调用活动", "subProcess": "子流程", "startEvent": "开始事件", "endEvent": "结束事件",
    "intermediateCatchEvent": "中间事件", "intermediateThrowEvent": "中间事件", "boundaryEvent": "边界事件",
    "exclusiveGateway": "排他网关", "parallelGateway": "并行网关", "inclusiveGateway": "包容网关",
    "eventBasedGateway": "事件网关",
}


def lint_problems(root: Any) -> list[tuple[Any, str]]:
    """(node, message in Chinese) for each lint error in a BPMN document's processes."""
    problems: list[tuple[Any, str]] = []
    for process in root.iter(f"{{{BPMN}}}process"):
        problems.extend(_unnamed_user_tasks(process))
        problems.extend(_dangling(process))
        problems.extend(_splits(process))
        problems.extend(_outside_lanes(process))
    return problems


def shown(node: Any) -> str:
    """How a problem names a flow node: its kind and its name, else its id."""
    kind = _WORDS.get(etree.QName(node).localname, "元素")
    return f"{kind}“{(node.get('name') or '').strip() or node.get('id')}”"


def _flow_nodes(container: Any) -> Iterator[Any]:
    return (node for node in container if isinstance(node.tag, str) and _local(node) in _FLOW_NODES)


def _local(node: Any) -> str:
    return etree.QName(node).localname


def _unnamed_user_tasks(process: Any) -> Iterator[tuple[Any, str]]:
    for task in process.iter(f"{{{BPMN}}}userTask"):
        if not (task.get("name") or "").strip():
            yield task, f"用户任务“{task.get('id')}”缺少名称: 待办列表中将只显示其标识"


def _dangling(process: Any) -> Iterator[tuple[Any, str]]:
    """Per container (the process, each sub-process): a node no flow enters is never reached, one no flow leaves
    leaves its case stuck there — unless it starts or ends by its kind."""
    for container in [process, *process.iter(*(f"{{{BPMN}}}{kind}" for kind in _CONTAINERS))]:
        flows = container.findall(f"{{{BPMN}}}sequenceFlow")
        sources = {flow.get("sourceRef") for flow in flows}
        targets = {flow.get("targetRef") for flow in flows}
        for node in _flow_nodes(container):
            if _exempt(node, container):
                continue
            entered, left = node.get("id") in targets, node.get("id") in sources
            if not entered and not left and not (_local(node) == "startEvent" and not _ends_by_kind(node)):
                yield node, f"{shown(node)}没有连线连接"
            elif not entered and not _starts_by_kind(node):
                yield node, f"{shown(node)}没有进入的连线（悬空）"
            elif not left and not _ends_by_kind(node):
                yield node, f"{shown(node)}没有离开的连线（悬空）"


def _splits(process: Any) -> Iterator[tuple[Any, str]]:
    """Per container: an activity or event leaving by several unconditional flows (bpmnlint's no-implicit-split),
    a flow without condition beside conditional or default ones (conditional-flows), two flows alike
    (no-duplicate-sequence-flows), several blank start events (single-blank-start-event)."""
    for container in [process, *process.iter(*(f"{{{BPMN}}}{kind}" for kind in _CONTAINERS))]:
        flows = container.findall(f"{{{BPMN}}}sequenceFlow")
        seen: set[tuple[str | None, str | None, str]] = set()
        for flow in flows:
            condition = flow.find(f"{{{BPMN}}}conditionExpression")
            text = (condition.text or "") if condition is not None else ""
            alike = (flow.get("sourceRef"), flow.get("targetRef"), text)
            if alike in seen:
                yield flow, f"连线“{flow.get('id')}”与另一条连线重复（起点、终点和条件都相同）"
            seen.add(alike)
        for node in _flow_nodes(container):
            leaving = [f for f in flows if f.get("sourceRef") == node.get("id")]
            plain = [f for f in leaving
                     if f.find(f"{{{BPMN}}}conditionExpression") is None and f.get("id") != node.get("default")]
            if _local(node) not in _GATEWAYS and len(plain) > 1:
                yield node, f"{shown(node)}有多条离开的连线但不经过网关，请使用网关分支"
            if node.get("default") or len(plain) < len(leaving):
                for flow in plain:
                    yield flow, f"连线“{flow.get('name') or flow.get('id')}”缺少条件（或设为默认路径）"
        blank = [node for node in container.findall(f"{{{BPMN}}}startEvent") if not _definitions(node)]
        if len(blank) > 1:
            yield blank[1], "流程有多个空白开始事件"


def _exempt(node: Any, container: Any) -> bool:
    """Event sub-processes, compensation handlers and ad-hoc sub-processes' parts are not joined by flows."""
    return (node.get("triggeredByEvent") == "true" or node.get("isForCompensation") == "true"
            or _local(container) == "adHocSubProcess")


def _definitions(node: Any) -> list[str]:
    return [_local(d) for d in node if isinstance(d.tag, str) and _local(d).endswith("EventDefinition")]


def _starts_by_kind(node: Any) -> bool:
    kinds = _definitions(node)
    return _local(node) in ("startEvent", "boundaryEvent") or (
        _local(node) == "intermediateCatchEvent" and bool(kinds) and set(kinds) == {"linkEventDefinition"})


def _ends_by_kind(node: Any) -> bool:
    kinds = _definitions(node)
    return _local(node) == "endEvent" or (
        _local(node) == "intermediateThrowEvent" and bool(kinds) and set(kinds) == {"linkEventDefinition"})


def _outside_lanes(process: Any) -> Iterator[tuple[Any, str]]:
    """The lane of a user task (inside sub-processes too) says which role does it, and the start event's which role
    starts the case; outside every lane the engine would guess. Other nodes' lanes change nothing at run time."""
    lanes = process.findall(f".//{{{BPMN}}}lane")
    if not lanes:
        return
    placed = {(ref.text or "").strip() for lane in lanes for ref in lane.findall(f"{{{BPMN}}}flowNodeRef")}
    starts = [node for node in process.findall(f"{{{BPMN}}}startEvent")]
    for node in [*starts, *process.iter(f"{{{BPMN}}}userTask", f"{{{BPMN}}}manualTask")]:
        if node.get("id") not in placed:
            yield node, f"{shown(node)}不在任何泳道中: 请把它放进一个泳道，以确定由哪个角色办理"

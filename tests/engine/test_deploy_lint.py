"""What the editor's lint calls an error (web/designer_src/editor/lint/config.js) the server refuses too, at the
element, so no API client, old tab or hand-made request publishes it: an unnamed user task, a node no flow enters or
leaves, a split without gateway or condition, duplicate flows, several blank starts, a user task or start event
outside every lane. The shipped models and the test fixtures pass."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from engine.model_lint import lint_problems
from tests.conftest import FIXTURES
from tests.engine.test_deploy import FILE, counts, files, line_of, refuse, replaced

ROOT = Path(__file__).resolve().parents[2]
VISIT = '    <bpmn:userTask id="visit" name="入户核查">'


def problems_for(engine, session, text: str) -> list[tuple[int | None, str | None, str]]:
    return [(p.line, p.element, p.message) for p in refuse(engine, session, files(text)) if p.file == FILE]


def test_an_orphan_unnamed_user_task_is_refused_for_each_mistake_at_the_task(engine, session):
    text = replaced(VISIT, '    <bpmn:userTask id="orphan" />\n' + VISIT)
    line = line_of(text, 'id="orphan"')
    assert problems_for(engine, session, text) == [
        (line, "orphan", "用户任务“orphan”缺少名称: 待办列表中将只显示其标识"),
        (line, "orphan", "用户任务“orphan”没有连线连接"),
        (line, "orphan", "用户任务“orphan”不在任何泳道中: 请把它放进一个泳道，以确定由哪个角色办理"),
    ]
    assert counts(session) == (0, 0)


def test_a_node_no_flow_enters_or_leaves_is_refused(engine, session):
    text = replaced('<bpmn:flowNodeRef>visit</bpmn:flowNodeRef>',
                    '<bpmn:flowNodeRef>visit</bpmn:flowNodeRef><bpmn:flowNodeRef>extra</bpmn:flowNodeRef>'
                    '<bpmn:flowNodeRef>dead_end</bpmn:flowNodeRef>')
    text = replaced(VISIT, '    <bpmn:userTask id="extra" name="补充" />\n'
                           '    <bpmn:userTask id="dead_end" name="死路" />\n'
                           '    <bpmn:sequenceFlow id="f_x" sourceRef="extra" targetRef="dead_end" />\n' + VISIT, text)
    assert problems_for(engine, session, text) == [
        (line_of(text, 'id="extra"'), "extra", "用户任务“补充”没有进入的连线（悬空）"),
        (line_of(text, 'id="dead_end"'), "dead_end", "用户任务“死路”没有离开的连线（悬空）"),
    ]


def test_the_shipped_models_and_the_fixtures_have_no_lint_error():
    models = [*(ROOT / "processes").glob("*.bpmn"), *(FIXTURES / "processes").glob("*.bpmn")]
    assert len(models) > 30
    found = {path.name: [message for _, message in lint_problems(etree.fromstring(path.read_bytes()))]
             for path in models}
    assert {name: messages for name, messages in found.items() if messages} == {}


@pytest.mark.parametrize("kind", ["startEvent", "boundaryEvent"])
def test_events_that_start_by_their_kind_need_no_incoming_flow(kind):
    xml = f"""<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">
      <bpmn:process id="p"><bpmn:{kind} id="e" name="e" attachedToRef="t" />
        <bpmn:userTask id="t" name="t" /><bpmn:endEvent id="end" />
        <bpmn:sequenceFlow id="f1" sourceRef="e" targetRef="t" />
        <bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="end" />
      </bpmn:process></bpmn:definitions>"""
    assert lint_problems(etree.fromstring(xml)) == []


def test_splits_without_gateway_or_condition_and_duplicate_flows_are_refused():
    xml = """<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">
      <bpmn:process id="p"><bpmn:startEvent id="s" /><bpmn:startEvent id="s2" />
        <bpmn:userTask id="t" name="办理" /><bpmn:exclusiveGateway id="g" default="f_default" />
        <bpmn:endEvent id="e1" /><bpmn:endEvent id="e2" />
        <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t" />
        <bpmn:sequenceFlow id="f1b" sourceRef="s2" targetRef="t" />
        <bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="g" />
        <bpmn:sequenceFlow id="f3" sourceRef="t" targetRef="e2" />
        <bpmn:sequenceFlow id="f3b" sourceRef="t" targetRef="e2" />
        <bpmn:sequenceFlow id="f_default" sourceRef="g" targetRef="e1" />
        <bpmn:sequenceFlow id="f_plain" name="其他" sourceRef="g" targetRef="e2" />
      </bpmn:process></bpmn:definitions>"""
    assert [(node.get("id"), message) for node, message in lint_problems(etree.fromstring(xml))] == [
        ("f3b", "连线“f3b”与另一条连线重复（起点、终点和条件都相同）"),
        ("t", "用户任务“办理”有多条离开的连线但不经过网关，请使用网关分支"),
        ("f_plain", "连线“其他”缺少条件（或设为默认路径）"),
        ("s2", "流程有多个空白开始事件"),
    ]

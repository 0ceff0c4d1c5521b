"""processes/monitoring_type.dmn (§二(一)): which type a visit's figures point to, row by row, run by SpiffWorkflow's
DMN engine in our sandbox as identification.bpmn runs it; the row that decided is what the case keeps."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow

from engine.business_rules import MADE_HERE
from engine.deploy import SourceFile, compile_model
from engine.sandbox import sandboxed_script_engine
from engine.serialization import load_specs

TABLE = Path(__file__).resolve().parents[2] / "processes" / "monitoring_type.dmn"
PROBE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="t">
  <bpmn:process id="probe" name="测算" isExecutable="true">
    <bpmn:startEvent id="start" name="开始"><bpmn:outgoing>a</bpmn:outgoing></bpmn:startEvent>
    <bpmn:businessRuleTask id="suggest_type" name="测算建议监测类型">
      <bpmn:extensionElements>
        <spiffworkflow:calledDecisionId>suggest_monitoring_type</spiffworkflow:calledDecisionId>
      </bpmn:extensionElements>
      <bpmn:incoming>a</bpmn:incoming><bpmn:outgoing>b</bpmn:outgoing>
    </bpmn:businessRuleTask>
    <bpmn:endEvent id="end" name="结束"><bpmn:incoming>b</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="a" sourceRef="start" targetRef="suggest_type"/>
    <bpmn:sequenceFlow id="b" sourceRef="suggest_type" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>"""
BELOW = {"year": 2026, "household_type": "ordinary", "per_capita_income": 5820.0, "income_line": 8300.0,
         "rigid_expenses": 1200.0, "expense_warning": 20000.0, "guarantee_problems": []}


@pytest.fixture(scope="module")
def specs():
    model = compile_model([SourceFile("probe.bpmn", PROBE.encode()), SourceFile(TABLE.name, TABLE.read_bytes())],
                          roles=["village"])
    return load_specs(model.specs)


def decide(specs, **changes: Any) -> tuple[str | None, dict[str, Any]]:
    """The type the table gives these figures, and what it kept: the row, the inputs."""
    spec, subprocess_specs = specs
    workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=sandboxed_script_engine())
    workflow.get_tasks()[0].data["visit_result"] = {**BELOW, **changes}
    kept = []
    workflow.do_engine_steps(did_complete_task=lambda task: kept.append(task.internal_data.get(MADE_HERE)))
    [decision] = [k for k in kept if k]
    return workflow.data["visit_result"].get("suggested_type"), decision


@pytest.mark.parametrize(("changes", "suggested", "row"), [
    ({}, "marginal", 2),
    ({"household_type": "poverty_alleviated"}, "unstable", 1),
    ({"per_capita_income": 8300.0, "rigid_expenses": 20000.01}, "sudden", 3),
    ({"per_capita_income": 9000.0, "guarantee_problems": ["unsafe_house"]}, "sudden", 4),
    ({"per_capita_income": 9000.0, "rigid_expenses": 20000.0}, None, 5),
    ({"per_capita_income": 9000.0, "rigid_expenses": 50000.0, "expense_warning": None}, None, 5),
    ({"per_capita_income": 9000.0, "expense_warning": None, "guarantee_problems": ["dropout"]}, "sudden", 4),
    ({"per_capita_income": 5000.0, "rigid_expenses": 50000.0, "guarantee_problems": ["dropout"]}, "marginal", 2),
])
def test_each_row_decides_the_figures_it_states(specs, changes, suggested, row):
    found, decision = decide(specs, **changes)
    assert found == suggested
    assert [r["row"] for r in decision["rows"]] == [row]


def test_the_decision_keeps_its_figures_by_column_and_the_row_s_own_words(specs):
    _type, decision = decide(specs)
    assert decision["decision"] == "monitoring_type" and decision["title"] == "测算建议监测类型"
    assert {i["name"]: i["value"] for i in decision["inputs"]} == BELOW
    assert decision["rows"][0]["text"] == "人均纯收入低于监测收入标准的一般农户：建议认定为边缘易致贫户"
    assert decision["outputs"] == {"visit_result.suggested_type": "marginal"}

"""What a designer's script costs: one gateway condition, one small script, one process run with both.

Prints medians over many runs, so the cost of running scripts in the sandbox's worker processes
(a round trip over a pipe per evaluation) can be compared with other versions of the sandbox.

Usage: python bench/sandbox_scripts.py [--runs 2000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATA = {
    "visit": {"approved": True, "income": 4200, "note": "入户核查完毕" * 10},
    "household": {"id": 17, "members": [{"name": f"成员{n}", "born": date(1980 + n, 1, 1), "income": 1000 + n}
                                        for n in range(5)]},
    "channel": "self_declared",
}
CONDITION = 'visit["approved"] and visit["income"] < 5000 and channel == "self_declared"'
SCRIPT = ("incomes = [m['income'] for m in household['members']]\n"
          "per_head = sum(incomes) / len(incomes)\n"
          "low = per_head < 1500\n"
          "summary = f'{len(incomes)} 人, 人均 {per_head:.0f} 元'")

PROCESS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
  <bpmn:process id="scripted" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="compute"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:script>{script}</bpmn:script></bpmn:scriptTask>
    <bpmn:exclusiveGateway id="gw" default="f4"><bpmn:incoming>f2</bpmn:incoming>
      <bpmn:outgoing>f3</bpmn:outgoing><bpmn:outgoing>f4</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:endEvent id="low_end"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="other_end"><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="compute" />
    <bpmn:sequenceFlow id="f2" sourceRef="compute" targetRef="gw" />
    <bpmn:sequenceFlow id="f3" sourceRef="gw" targetRef="low_end">
      <bpmn:conditionExpression>low and {condition}</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f4" sourceRef="gw" targetRef="other_end" />
  </bpmn:process>
</bpmn:definitions>
"""


def median_microseconds(action, runs: int) -> float:
    action()  # a first run starts what needs starting (compile caches, worker processes)
    timings = []
    for _ in range(runs):
        began = time.perf_counter()
        action()
        timings.append(time.perf_counter() - began)
    return statistics.median(timings) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2000)
    args = parser.parse_args()

    from xml.sax.saxutils import escape

    from SpiffWorkflow.bpmn import BpmnWorkflow
    from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

    from engine.sandbox import SandboxEnvironment, sandboxed_script_engine

    env = SandboxEnvironment()
    condition_us = median_microseconds(lambda: env.evaluate(CONDITION, DATA), args.runs)
    script_us = median_microseconds(lambda: env.execute(SCRIPT, dict(DATA), {}), args.runs)

    spiff = SpiffBpmnParser()
    spiff.add_bpmn_str(PROCESS.format(script=escape(SCRIPT), condition=escape(CONDITION)).encode())
    spec = spiff.get_spec("scripted")
    engine = sandboxed_script_engine()

    def run_process() -> None:
        workflow = BpmnWorkflow(spec, script_engine=engine)
        for task in workflow.get_tasks():  # the root and start tasks, which later tasks copy their data from
            task.data.update(DATA)
        workflow.do_engine_steps()
        assert workflow.is_completed()

    process_us = median_microseconds(run_process, max(args.runs // 10, 50))
    print(f"gateway condition: median {condition_us:.0f} µs per evaluation")
    print(f"4-line script:     median {script_us:.0f} µs per execution")
    print(f"process start → script task → gateway → end: median {process_us / 1000:.2f} ms")


if __name__ == "__main__":
    main()

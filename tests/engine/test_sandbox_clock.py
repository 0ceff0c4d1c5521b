"""Every clock a script can reach is the engine's: the one timers and ``now()`` read."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from engine.calendar import CHINA_TZ
from engine.clock import FrozenClock, using_clock
from engine.sandbox import SandboxEnvironment, sandboxed_script_engine
from engine.scripting import ENGINE_FUNCTIONS
from engine.serialization import dump_state, load_state

# 20:00 UTC on Friday 13 February 2026 is already 04:00 on Saturday 14 February in China
FROZEN = datetime(2026, 2, 13, 20, 0, tzinfo=UTC)


@pytest.fixture
def env() -> SandboxEnvironment:
    return SandboxEnvironment(ENGINE_FUNCTIONS, cpu_seconds=0.5)


@pytest.mark.parametrize(("expression", "expected"), [
    ("date.today()", date(2026, 2, 14)),
    ("datetime.now()", datetime(2026, 2, 14, 4, 0)),
    ("datetime.today()", datetime(2026, 2, 14, 4, 0)),
    ("datetime.utcnow()", datetime(2026, 2, 13, 20, 0)),
    ("datetime.now(now().tzinfo)", FROZEN),
    ("date(2020, 1, 1).today()", date(2026, 2, 14)),
    ("datetime(2020, 1, 1).now()", datetime(2026, 2, 14, 4, 0)),
    ("stored.today()", date(2026, 2, 14)),
    ("date.today() == today()", True),
    ("datetime.now(now().tzinfo) == now()", True),
])
def test_date_and_datetime_read_the_engine_clock(env, expression, expected):
    with using_clock(FrozenClock(FROZEN)):
        assert env.evaluate(expression, {"stored": date(2001, 1, 1)}) == expected


def test_values_scripts_make_are_plain_dates_and_datetimes(env):
    data = {"stored": datetime(2026, 1, 1, 9, 0, tzinfo=CHINA_TZ)}
    with using_clock(FrozenClock(FROZEN)):
        env.execute("made = datetime(2026, 3, 2, 9, 0)\nday = date.today()\nnow_here = datetime.now()\n"
                    "parsed = datetime.fromisoformat('2026-03-02T09:00:00+08:00')\n"
                    "checks = [isinstance(stored, datetime), isinstance(day, date), isinstance(day, datetime),\n"
                    "          isinstance(made, (date, datetime)), isinstance(5, datetime)]", data, {})
    assert [type(data[name]) for name in ("made", "day", "now_here", "parsed")] == [datetime, date, datetime, datetime]
    assert data["checks"] == [True, True, False, True, False]


def test_the_clock_is_the_one_of_the_thread_that_runs_the_step(env):
    answers: dict[str, date] = {}

    def step(name: str, at: datetime) -> None:
        with using_clock(FrozenClock(at)):
            for _ in range(5):
                answers[name] = env.evaluate("date.today()", {})

    threads = [threading.Thread(target=step, args=(name, at)) for name, at in
               (("early", FROZEN), ("late", FROZEN + timedelta(days=30)))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert answers == {"early": date(2026, 2, 14), "late": date(2026, 3, 16)}


_SCRIPT_PROCESS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="defs" targetNamespace="urn:test">
  <bpmn:process id="stamped" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="stamp">
      <bpmn:incoming>f1</bpmn:incoming>
      <bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:script>stamped_at = datetime.now()
stamped_on = date.today()
later = datetime.now(now().tzinfo) + timedelta(days=5)</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="stamp" />
    <bpmn:sequenceFlow id="f2" sourceRef="stamp" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""


def test_clock_values_from_scripts_are_stored_and_restored_with_the_instance():
    parser = SpiffBpmnParser()
    parser.add_bpmn_str(_SCRIPT_PROCESS.encode("utf-8"))
    spec = parser.get_spec("stamped")
    script_engine = sandboxed_script_engine(ENGINE_FUNCTIONS)
    workflow = BpmnWorkflow(spec, script_engine=script_engine)
    with using_clock(FrozenClock(FROZEN)):
        workflow.do_engine_steps()
    restored = load_state(dump_state(workflow), spec, {}, script_engine)
    assert restored.data == {"stamped_at": datetime(2026, 2, 14, 4, 0), "stamped_on": date(2026, 2, 14),
                             "later": FROZEN + timedelta(days=5)}

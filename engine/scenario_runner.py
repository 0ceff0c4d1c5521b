"""Running a model's process tests in memory, as production would run the same steps, with nothing stored.

Each scenario gets a workflow of the model's own specs, a clock of its own that only its ``wait`` steps move
(timers fire as the clock passes them, as the timer sweep would fire them), the real sandbox with the engine's
functions for real and every domain function answering what the scenario declares, and the forms checked as a
submission is. ``start_process`` is recorded, not started. Every step is bounded by the engine's step limits,
and the whole file by ``MAX_RUN_SECONDS`` of CPU time.
"""

from __future__ import annotations

import contextvars
import copy
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from SpiffWorkflow.bpmn import BpmnEvent, BpmnWorkflow
from SpiffWorkflow.bpmn.specs.mixins.none_task import NoneTask
from SpiffWorkflow.bpmn.specs.mixins.script_task import ScriptEngineTask
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask
from SpiffWorkflow.dmn.specs.business_rule_task_mixin import BusinessRuleTaskMixin
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.task import Task as SpiffTask
from SpiffWorkflow.util.task import TaskState as SpiffState

from engine import placement, routing, runtime, subjects
from engine.calendar import CHINA_TZ, WorkingCalendar
from engine.clock import FrozenClock, now, using_clock
from engine.core import describe_failure
from engine.errors import EngineError, InvalidData
from engine.forms import FormValidator
from engine.sandbox import sandboxed_script_engine, take_output
from engine.scenarios import ScenarioResult, start_time, wait_duration
from engine.scripting import ENGINE_FUNCTIONS, calendar_source, current_step, step_context
from engine.serialization import check_data_keys, load_specs, to_plain_json

if TYPE_CHECKING:
    from engine.core import Engine
    from engine.deploy import CompiledModel

MAX_RUN_SECONDS = 60.0  # CPU seconds for all the scenarios of one file together
SCENARIO_USER = "scenario"
# what a path lists: the activities, not the events and gateways between them; each instance of a multi-instance
# activity is listed, its wrapper is not
_ACTIVITIES = (UserTask, NoneTask, ScriptEngineTask, SubWorkflowTask, BusinessRuleTaskMixin)

# what production evaluates of a task as it becomes READY, and fails the step on: its department, subject and place
_TASK_PROPERTIES: tuple[tuple[Callable[[SpiffTask], str | None], str, Callable[[Any, str], Any]], ...] = (
    (runtime.department_expression, "部门", routing.department_value),
    (runtime.subject_expression, "事项", subjects.subject_value),
    (runtime.place_expression, "地点", lambda value, name: placement.place_code_value(value, f"任务“{name}”")),
)


class DeclaredFailure(EngineError):
    """What a domain function declared with ``raises`` raises: the step fails as a failing function fails it."""

    code = "scenario_function_failed"


class _Diverged(Exception):
    """The scenario went where it should not: at which step (0: as it started, None: at the expectations)."""

    def __init__(self, step: int | None, element: str | None, message: str) -> None:
        super().__init__(message)
        self.step, self.element, self.message = step, element, message


def run_scenarios(engine: Engine, model: CompiledModel) -> list[ScenarioResult]:
    """Every scenario of ``model``, in order; those left when the file's CPU time runs out fail unrun."""
    if not model.scenarios:
        return []
    spec, subprocess_specs = load_specs(model.specs)
    domain = sorted(set(engine.script_engine.environment.globals) - set(ENGINE_FUNCTIONS))
    forms = engine.forms.with_today(_scenario_today)
    validators = {name: forms.compile(schema) for name, schema in model.forms.items()}
    timer = engine.step_limits.timer  # the CPU time the step limits measure (tests inject one)
    began = timer()
    results = []
    for scenario in model.scenarios:
        run = _Run(engine, model, scenario, (spec, subprocess_specs), domain, validators, forms)
        if timer() - began > MAX_RUN_SECONDS:
            results.append(run.result(_Diverged(0, None, f"流程测试总用时超过 {MAX_RUN_SECONDS:g} 秒, 未运行")))
        else:
            results.append(contextvars.copy_context().run(run.outcome))
    return results


def _scenario_today() -> date:
    """Today by the clock active in this context: the scenario's own, while a scenario runs."""
    return now().astimezone(CHINA_TZ).date()


class _Run:
    """One scenario on a workflow of its own."""

    def __init__(self, engine: Engine, model: CompiledModel, scenario: dict[str, Any], specs: tuple[Any, Any],
                 domain: list[str], validators: dict[str, Any], forms: FormValidator) -> None:
        self.engine, self.model, self.scenario = engine, model, scenario
        self.specs, self.domain, self.validators, self.forms = specs, domain, validators, forms
        self.declared: dict[str, Any] = scenario.get("functions", {})
        self.clock = FrozenClock(start_time(scenario["start"]["at"]))
        self.workflow: BpmnWorkflow | None = None
        self.current: SpiffTask | None = None  # the task running: where a failure or a domain call is shown
        self.path: list[str] = []
        self.seen: set[Any] = set()
        self.follow_ups: list[str] = []
        self.calls: dict[str, list[tuple[list[Any], str | None]]] = {}  # name → (arguments, element) of each call

    def outcome(self) -> ScenarioResult:
        """Run in a context of its own (``run_scenarios``): the clock, step and output set here end with it."""
        take_output()  # a log of its own: what scenario scripts print must not join the caller's
        try:
            with self._context():
                self._check_declared()
                self._start()
                for number, step in enumerate(self.scenario["steps"], start=1):
                    self._step(number, step)
                self._expect()
        except _Diverged as diverged:
            return self.result(diverged)
        return self.result(None)

    def result(self, diverged: _Diverged | None) -> ScenarioResult:
        name = self.scenario["name"]
        end = self._end()
        common = {"file": self.model.scenario_file or "", "name": name, "path": self.path, "end": end,
                  "follow_ups": self.follow_ups}
        if diverged is None:
            return ScenarioResult(passed=True, **common)
        when = {0: "启动时", None: "结束时"}.get(diverged.step, f"第{diverged.step}步")
        if diverged.step:
            when += f" ({_describe_step(self.scenario['steps'][diverged.step - 1])})"
        return ScenarioResult(passed=False, message=f"场景“{name}”{when}: {diverged.message}",
                              element=diverged.element, step=diverged.step, **common)

    @contextmanager
    def _context(self) -> Iterator[None]:
        """The scenario's clock, the official working-day calendar, and a step context that records follow-ups."""
        with using_clock(self.clock), calendar_source(WorkingCalendar), step_context(None, SCENARIO_USER):
            yield

    # --- the run

    def _check_declared(self) -> None:
        for name in [*self.declared, *self.scenario.get("expect", {}).get("calls", {})]:
            if name in ENGINE_FUNCTIONS:
                raise _Diverged(0, None, f"函数“{name}”是引擎函数, 在场景的时钟上真实运行, 不能在 functions 中声明")
            if name not in self.domain:
                raise _Diverged(0, None, f"函数“{name}”不是流程可调用的函数; 可声明: {'、'.join(self.domain) or '无'}")

    def _start(self) -> None:
        data = self.scenario["start"].get("data", {})
        self._checked_data(0, None, data)
        script_engine = sandboxed_script_engine({**ENGINE_FUNCTIONS, **{n: self._stub(n) for n in self.domain}},
                                                self.engine.script_engine.environment.cpu_seconds,
                                                self.engine.script_engine.environment.memory_mb)
        spec, subprocess_specs = self.specs
        try:
            self.workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=script_engine)
        except Exception as exc:
            raise _Diverged(0, None, f"流程无法启动: {describe_failure(exc)}") from None
        for task in self.workflow.get_tasks(state=SpiffState.READY):
            task.data.update(copy.deepcopy(data))
        self._advance(0)

    def _stub(self, name: str) -> Callable[..., Any]:
        def answer(*args: Any, **kwargs: Any) -> Any:
            where = runtime.bpmn_id(self.current) if self.current is not None else None
            self.calls.setdefault(name, []).append((to_plain_json([*args, *kwargs.values()]), where))
            declared = self.declared.get(name, {})
            if "raises" in declared:
                raise DeclaredFailure(declared["raises"])
            return copy.deepcopy(declared.get("returns"))

        return answer

    def _step(self, number: int, step: dict[str, Any]) -> None:
        if "task" in step:
            self._complete(number, step["task"], step.get("data", {}))
        elif "wait" in step:
            self._wait(number, step["wait"])
        else:
            self._message(number, step["message"], step.get("payload", {}))

    def _complete(self, number: int, bpmn_id: str, data: dict[str, Any]) -> None:
        ready = [t for t in runtime.ready_human_tasks(self.workflow).values() if runtime.bpmn_id(t) == bpmn_id]
        if not ready:
            raise _Diverged(number, self._where(), f"任务“{bpmn_id}”当前不可办理; {self._state()}")
        task = ready[0]
        self._checked_data(number, bpmn_id, data)
        try:
            self.forms.validate(self.validators.get(runtime.form_name(task)), data)
        except InvalidData as exc:
            fields = "; ".join(f"{name}: {why}" for name, why in exc.fields.items())
            raise _Diverged(number, bpmn_id, f"表单数据无效 ({fields})") from None
        task.data.update(copy.deepcopy(data))
        self._advance(number, task.run, task)

    def _wait(self, number: int, duration: str) -> None:
        """Let the time pass, firing each timer as it falls due on the way, as the timer sweep would."""
        until = self.clock.now() + wait_duration(duration, self.clock.now())
        for _ in range(self.engine.step_limits.max_tasks):
            due = runtime.waiting_for(self.workflow).wake_at
            if due is None or due >= until or due < self.clock.now():
                break
            self.clock.set(due + timedelta(seconds=1))  # Spiff fires a timer strictly after its time
            self._advance(number)
        self.clock.set(until)
        self._advance(number)

    def _message(self, number: int, name: str, payload: dict[str, Any]) -> None:
        self._checked_data(number, None, payload)
        event = BpmnEvent(MessageEventDefinition(name), copy.deepcopy(payload))
        caught = self._advance(number, lambda: self.workflow.event_manager.catch(event, internal=False))
        if caught == 0:
            raise _Diverged(number, self._where(), f"流程当前不在等待消息“{name}”; {self._state()}")

    def _advance(self, number: int, action: Callable[[], Any] | None = None, task: SpiffTask | None = None) -> Any:
        """Run ``action`` (a person's task, a message), then the engine until only people, timers or messages
        remain, within the engine's step limits; whatever fails stops the scenario at this step."""
        budget = self.engine.step_limits.budget(self.workflow)
        ready_before = runtime.ready_human_tasks(self.workflow).keys()
        self.current = task

        def running(each: SpiffTask) -> None:
            self.current = each

        try:
            done = action() if action is not None else None
            self.workflow.refresh_timers()
            self.workflow.do_engine_steps(will_complete_task=running,
                                          did_complete_task=lambda each: budget.spend(each.workflow))
            budget.check_all_growth(self.workflow)
            for each in runtime.ready_human_tasks(self.workflow).values():
                if str(each.id) not in ready_before:
                    self._evaluate_properties(number, each)
        except _Diverged:
            raise
        except Exception as exc:
            raise _Diverged(number, self._failed_at(exc), describe_failure(exc)) from None
        finally:
            self._note_path()
        self.follow_ups.extend(request.key for request in current_step().follow_ups)
        current_step().follow_ups.clear()
        return done

    def _evaluate_properties(self, number: int, task: SpiffTask) -> None:
        """A new task's department, subject and place, evaluated as production evaluates them when it stores the
        task: whatever fails there fails here, at the task."""
        name = runtime.task_name(task)
        for expression_of, what, value_of in _TASK_PROPERTIES:
            expression = expression_of(task)
            if not expression:
                continue
            try:
                value = self.workflow.script_engine.evaluate(task, expression)
            except Exception as exc:
                message = f"任务“{name}”的{what}表达式 {expression} 无法求值: {describe_failure(exc)}"
                raise _Diverged(number, runtime.bpmn_id(task), message) from None
            try:
                value_of(value, name)
            except EngineError as exc:
                raise _Diverged(number, runtime.bpmn_id(task), str(exc)) from None

    def _expect(self) -> None:
        expect = self.scenario.get("expect", {})
        end = self._end()
        if "end" in expect and end != expect["end"]:
            if end is None:
                raise _Diverged(None, self._where(), f"应到达结束事件“{expect['end']}”, 但流程未结束; {self._state()}")
            raise _Diverged(None, end, f"应到达结束事件“{expect['end']}”, 实际到达“{end}”")
        remaining = iter(self.path)
        for index, expected in enumerate(expect.get("path", [])):
            if expected not in remaining:  # consumes the path up to it: the ids must come in this order
                after = f"在“{expect['path'][index - 1]}”之后" if index else ""
                raise _Diverged(None, expected, f"应{after}经过“{expected}”; 实际经过: {' → '.join(self.path) or '无'}")
        if "follow_ups" in expect and expect["follow_ups"] != self.follow_ups:
            raise _Diverged(None, None, f"应发起后续流程 [{'、'.join(expect['follow_ups'])}], "
                                        f"实际发起 [{'、'.join(self.follow_ups)}]")
        for name, expected in expect.get("calls", {}).items():
            self._expect_calls(name, expected)

    def _expect_calls(self, name: str, expected: list[list[Any]]) -> None:
        """The domain function was called exactly so, in this order; a difference is shown at the element that
        made the first call that differs."""
        made = self.calls.get(name, [])
        for index, wanted in enumerate(expected):
            if index >= len(made):
                raise _Diverged(None, None, f"函数“{name}”应被调用 {len(expected)} 次, 实际 {len(made)} 次; "
                                            f"缺少第{index + 1}次调用 {_shown(wanted)}")
            args, element = made[index]
            if args != wanted:
                raise _Diverged(None, element, f"函数“{name}”第{index + 1}次调用的参数应为 {_shown(wanted)}, "
                                               f"实际为 {_shown(args)}")
        if len(made) > len(expected):
            args, element = made[len(expected)]
            raise _Diverged(None, element, f"函数“{name}”应被调用 {len(expected)} 次, 实际 {len(made)} 次; "
                                           f"多出第{len(expected) + 1}次调用 {_shown(args)}")

    # --- what the workflow is doing

    def _checked_data(self, number: int, element: str | None, data: dict[str, Any]) -> None:
        try:
            check_data_keys(data)
        except InvalidData as exc:
            raise _Diverged(number, element, "; ".join(f"{k}: {v}" for k, v in exc.fields.items())) from None

    def _note_path(self) -> None:
        """Append the activities completed since the last look, in the order they completed."""
        if self.workflow is None:
            return
        done = {t.id: t for wf in (self.workflow, *self.workflow.subprocesses.values())
                for t in wf.get_tasks(state=SpiffState.COMPLETED)
                if t.id not in self.seen and t.task_spec.bpmn_id and isinstance(t.task_spec, _ACTIVITIES)}
        for task in sorted(done.values(), key=lambda t: t.last_state_change):
            self.seen.add(task.id)
            self.path.append(task.task_spec.bpmn_id)

    def _end(self) -> str | None:
        if self.workflow is None or not self.workflow.is_completed():
            return None
        return runtime.end_reached(self.workflow).get("end")

    def _failed_at(self, exc: Exception) -> str | None:
        task = getattr(exc, "task", None)
        if isinstance(task, SpiffTask):
            return runtime.bpmn_id(task)
        spec = getattr(exc, "task_spec", None)
        if getattr(spec, "bpmn_id", None):
            return spec.bpmn_id
        return runtime.bpmn_id(self.current) if self.current is not None else None

    def _where(self) -> str | None:
        """The element the case is at: its first task waiting for a person, else what it waits for, else its end."""
        if self.workflow is None:
            return None
        ready = list(runtime.ready_human_tasks(self.workflow).values())
        if ready:
            return runtime.bpmn_id(ready[0])
        waiting = runtime.waiting_for(self.workflow).items
        return waiting[0]["task"] if waiting else self._end()

    def _state(self) -> str:
        """What the case waits for, in words, for a message saying it was not where the scenario expected."""
        if self.workflow is None:
            return "流程未启动"
        if self.workflow.is_completed():
            return f"流程已结束于“{self._end()}”"
        ready = [f"{runtime.bpmn_id(t)}（{runtime.task_name(t)}）"
                 for t in runtime.ready_human_tasks(self.workflow).values()]
        waiting = [f"定时器 {item['task']}" + (f" (至 {_china_time(item['until'])})" if item.get("until") else "")
                   if item["type"] == "timer" else f"消息“{item['name']}”"
                   for item in runtime.waiting_for(self.workflow).items]
        parts = [f"可办理的任务: {'、'.join(ready)}" if ready else "没有可办理的任务"]
        if waiting:
            parts.append(f"等待: {'、'.join(waiting)}")
        return "; ".join(parts)


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 300 else text[:299] + "…"


def _china_time(iso: str) -> str:
    return datetime.fromisoformat(iso).astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")


def _describe_step(step: dict[str, Any]) -> str:
    if "task" in step:
        return f"办理 {step['task']}"
    if "wait" in step:
        return f"等待 {step['wait']}"
    return f"消息 {step['message']}"

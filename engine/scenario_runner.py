"""Running a model's process tests in memory, as production would run the same steps, with nothing stored.

Each scenario gets a workflow of the model's own specs, a clock of its own that only its ``wait`` steps move
(timers fire as the clock passes them, as the timer sweep would fire them), the real sandbox with the engine's
functions for real and every domain function answering what the scenario declares, and the forms checked as a
submission is. ``start_process`` is recorded, not started. The places tasks name are looked up as production
looks them up (read only, in the caller's session), on the line of the scenario's ``start.place`` when it names one.

Every step is bounded by the engine's step limits, and the whole file by ``RunLimits``: engine tasks executed and
wall-clock time, which counts what scripts spend in the sandbox's worker processes (the step limits' CPU clock is
this thread's and does not see it). Saving a draft runs the file, so it can never hold a web worker for long; a
scenario that exceeds them fails at its step, and those after it fail unrun.
"""

from __future__ import annotations

import contextvars
import copy
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
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

from engine import placement, runtime
from engine.calendar import CHINA_TZ, WorkingCalendar
from engine.clock import FrozenClock, now, using_clock
from engine.core import describe_failure, task_department, task_place_code, task_subject
from engine.errors import EngineError, InvalidData, ScriptError
from engine.forms import FormValidator
from engine.sandbox import ScriptTimeout, sandboxed_script_engine, take_output
from engine.scenarios import ScenarioResult, line_of, start_time, wait_duration
from engine.scripting import ENGINE_FUNCTIONS, calendar_source, current_step, step_context
from engine.serialization import check_data_keys, load_specs, to_plain_json

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from engine.core import Engine
    from engine.deploy import CompiledModel

MAX_RUN_SECONDS = 10.0  # wall-clock seconds for all the scenarios of one file together, scripts' sandbox time included
MAX_RUN_TASKS = 5_000  # engine tasks executed by all the scenarios of one file together
SCENARIO_USER = "scenario"
# what a path lists: the activities, not the events and gateways between them; each instance of a multi-instance
# activity is listed, its wrapper is not
_ACTIVITIES = (UserTask, NoneTask, ScriptEngineTask, SubWorkflowTask, BusinessRuleTaskMixin)


@dataclass(frozen=True)
class RunLimits:
    """What running one tests file may cost; ``clock`` reads wall-clock seconds (tests inject one)."""

    max_tasks: int = MAX_RUN_TASKS
    max_seconds: float = MAX_RUN_SECONDS
    clock: Callable[[], float] = time.monotonic


class RunLimitExceeded(EngineError):
    """The tests file used up its budget: the scenario running stops at its step, the rest are not run."""

    code = "scenario_run_limit_exceeded"


@dataclass
class _RunBudget:
    limits: RunLimits
    tasks: int = 0
    exceeded: bool = False
    started: float = field(init=False)

    def __post_init__(self) -> None:
        self.started = self.limits.clock()

    def spend(self) -> None:
        """Count one engine task executed, then check both limits."""
        self.tasks += 1
        if self.tasks > self.limits.max_tasks:
            self.exceeded = True
            raise RunLimitExceeded(f"流程测试共自动执行的任务超过 {self.limits.max_tasks} 个,"
                                   " 流程可能在循环, 已停止")
        self.check()

    def check(self) -> None:
        if self.limits.clock() - self.started > self.limits.max_seconds:
            self.exceeded = True
            raise RunLimitExceeded(f"流程测试总用时超过 {self.limits.max_seconds:g} 秒 (含脚本运行时间), 已停止")


class DeclaredFailure(EngineError):
    """What a domain function declared with ``raises`` raises: the step fails as a failing function fails it."""

    code = "scenario_function_failed"


class _Diverged(Exception):
    """The scenario went where it should not: at which step (0: as it started, None: at the expectations);
    ``suggest``: the case waits for a task the scenario does not do, so a step for it is suggested."""

    def __init__(self, step: int | None, element: str | None, message: str, suggest: bool = False) -> None:
        super().__init__(message)
        self.step, self.element, self.message, self.suggest = step, element, message, suggest


@dataclass(frozen=True)
class _Shared:
    """What every scenario of one file runs with."""

    specs: tuple[Any, Any]
    domain: list[str]
    validators: dict[str, Any]
    forms: FormValidator
    budget: _RunBudget
    text: str  # the tests file, to tell the line of a step
    names: dict[str, str]  # bpmn id → name of the model's named elements, to say a step's task by name too
    # the places of a case at (code, path), looked up in the caller's session; None: places are not looked up
    places: Callable[[str, str], placement.StepPlaces] | None


def run_scenarios(engine: Engine, model: CompiledModel, session: Session | None = None,
                  limits: RunLimits | None = None) -> list[ScenarioResult]:
    """Every scenario of ``model``, in order; those left when the file's budget runs out fail unrun."""
    if not model.scenarios:
        return []
    forms = engine.forms.with_today(_scenario_today)
    lookup = engine.place_paths if session is not None else None
    specs = load_specs(model.specs)
    shared = _Shared(
        specs=specs, names=_names(specs),
        domain=sorted(set(engine.script_engine.environment.globals) - set(ENGINE_FUNCTIONS)),
        validators={name: forms.compile(schema) for name, schema in model.forms.items()}, forms=forms,
        budget=_RunBudget(limits or RunLimits()), text=model.files.get(model.scenario_file or "", ""),
        places=(lambda code, path: placement.StepPlaces(lookup, session, code, path)) if lookup is not None else None)
    results = []
    for index, scenario in enumerate(model.scenarios):
        run = _Run(engine, model, index, scenario, shared)
        if shared.budget.exceeded:
            results.append(run.result(_Diverged(0, None, "流程测试的时间或任务数已用完, 未运行")))
        else:
            results.append(contextvars.copy_context().run(run.outcome))
    return results


def _scenario_today() -> date:
    """Today by the clock active in this context: the scenario's own, while a scenario runs."""
    return now().astimezone(CHINA_TZ).date()


class _Run:
    """One scenario on a workflow of its own."""

    def __init__(self, engine: Engine, model: CompiledModel, index: int, scenario: dict[str, Any],
                 shared: _Shared) -> None:
        self.engine, self.model, self.index, self.scenario, self.shared = engine, model, index, scenario, shared
        self.specs, self.domain, self.validators, self.forms = shared.specs, shared.domain, shared.validators, \
            shared.forms
        self.places = shared.places("", "/") if shared.places else None  # no start.place: on the root's line
        self.declared: dict[str, Any] = scenario.get("functions", {})
        self.clock = FrozenClock(start_time(scenario["start"]["at"]))
        self.workflow: BpmnWorkflow | None = None
        self.current: SpiffTask | None = None  # the task running: where a failure or a domain call is shown
        self.path: list[str] = []
        self.path_names: list[str] = []
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
                  "follow_ups": self.follow_ups, "path_names": self.path_names}
        if diverged is None:
            return ScenarioResult(passed=True, **common)
        when = {0: "启动时", None: "结束时"}.get(diverged.step, f"第{diverged.step}步")
        if diverged.step:
            when += f" ({_describe_step(self.scenario['steps'][diverged.step - 1], self.shared.names)})"
        ready = self._ready()
        suggestion = self._suggestion(diverged, ready) if diverged.suggest else None
        message = f"场景“{name}”{when}: {diverged.message}"
        if suggestion is not None:
            message += f"。{suggestion['message']}"
        return ScenarioResult(passed=False, message=message, element=diverged.element, step=diverged.step,
                              line=self._line(diverged.step), ready=ready, suggestion=suggestion, **common)

    def _line(self, step: int | None) -> int | None:
        """Where the failed step is in the tests file: the step itself, else the scenario's start or expectations."""
        where: list[str | int] = ["scenarios", self.index]
        found = None
        if step:
            found = line_of(self.shared.text, [*where, "steps", step - 1])
        elif step == 0:
            found = line_of(self.shared.text, [*where, "start"])
        else:
            found = line_of(self.shared.text, [*where, "expect"])
        return found or line_of(self.shared.text, where)

    def _ready(self) -> list[dict[str, str]]:
        if self.workflow is None:
            return []
        return [{"id": runtime.bpmn_id(t), "name": runtime.task_name(t)}
                for t in runtime.ready_human_tasks(self.workflow).values()]

    def _suggestion(self, diverged: _Diverged, ready: list[dict[str, str]]) -> dict[str, Any] | None:
        """The step to add where the scenario diverged: completing the first task the case waits for, with
        example values for its form's required fields."""
        steps = self.scenario["steps"]
        waiting = [each for each in ready if not diverged.step or each["id"] != steps[diverged.step - 1].get("task")]
        if not waiting:
            return None
        task = next(t for t in runtime.ready_human_tasks(self.workflow).values()
                    if runtime.bpmn_id(t) == waiting[0]["id"])
        after = diverged.step - 1 if diverged.step else len(steps)
        step = {"task": waiting[0]["id"], "data": example_data(self.model.forms.get(runtime.form_name(task) or ""),
                                                               self.clock.now())}
        where = f"在第 {after} 步后" if after else "在第 1 步前"
        return {"message": f"流程在此处等待任务“{waiting[0]['name']}”（{waiting[0]['id']}），请{where}加一步 "
                           f"{json.dumps(step, ensure_ascii=False)}",
                "after_step": after, "step": step}

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
        self._place_case(self.scenario["start"].get("place"))
        script_engine = sandboxed_script_engine({**ENGINE_FUNCTIONS, **{n: self._stub(n) for n in self.domain}},
                                                self.engine.script_engine.environment.cpu_seconds,
                                                self.engine.script_engine.environment.memory_mb)
        spec, subprocess_specs = self.specs
        try:
            self.workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=script_engine)
        except Exception as exc:
            raise _Diverged(0, None, f"流程无法启动: {explain(exc)}") from None
        for task in self.workflow.get_tasks(state=SpiffState.READY):
            task.data.update(copy.deepcopy(data))
        self._advance(0)

    def _place_case(self, code: str | None) -> None:
        """The case's place (``start.place``): it must exist, and the places its tasks name must lie on its line."""
        if code is None or self.shared.places is None:
            return
        try:
            self.places.look_up([code])
            path = self.places.path_on_line(code, "start.place")  # the root "/" holds every place
        except EngineError as exc:
            raise _Diverged(0, None, str(exc)) from None
        self.places = self.shared.places(code, path)

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
            raise _Diverged(number, self._where(), f"任务“{bpmn_id}”当前不可办理; {self._state()}", suggest=True)
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
        until = self.clock.now() + wait_duration(duration, self.clock.now())  # start.at and MAX_WAIT keep it < 9999
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
        run_budget = self.shared.budget

        def spent(each: SpiffTask) -> None:
            budget.spend(each.workflow)
            run_budget.spend()

        ready_before = runtime.ready_human_tasks(self.workflow).keys()
        self.current = task

        def running(each: SpiffTask) -> None:
            self.current = each

        try:
            run_budget.check()
            done = action() if action is not None else None
            self.workflow.refresh_timers()
            self.workflow.do_engine_steps(will_complete_task=running, did_complete_task=spent)
            budget.check_all_growth(self.workflow)
            for each in runtime.ready_human_tasks(self.workflow).values():
                if str(each.id) not in ready_before:
                    self._evaluate_properties(number, each)
        except _Diverged:
            raise
        except Exception as exc:
            raise _Diverged(number, self._failed_at(exc), explain(exc)) from None
        finally:
            self._note_path()
        self.follow_ups.extend(request.key for request in current_step().follow_ups)
        current_step().follow_ups.clear()
        return done

    def _evaluate_properties(self, number: int, task: SpiffTask) -> None:
        """A new task's department, subject and place, evaluated by the functions production stores the task with:
        whatever fails there fails here, at the task."""
        script_engine = self.workflow.script_engine
        try:
            task_department(script_engine, task)
            task_subject(script_engine, task)
            code = task_place_code(script_engine, task)
            if code is not None and self.places is not None:
                self.places.path_on_line(code, f"任务“{runtime.task_name(task)}”")  # as production stores the task
        except EngineError as exc:
            raise _Diverged(number, runtime.bpmn_id(task), str(exc)) from None

    def _expect(self) -> None:
        expect = self.scenario.get("expect", {})
        end = self._end()
        if "end" in expect and end != expect["end"]:
            if end is None:
                raise _Diverged(None, self._where(), f"应到达结束事件“{expect['end']}”, 但流程未结束; {self._state()}",
                                suggest=True)
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
            self.path_names.append(runtime.task_name(task))

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


def example_data(schema: Any, today: datetime) -> dict[str, Any]:
    """Form data a suggested step can start from: an example value for each required field of ``schema``."""
    value = _example(schema, today, 0)
    return value if isinstance(value, dict) else {}


def _example(schema: Any, today: datetime, depth: int) -> Any:
    if not isinstance(schema, dict) or depth > 8:
        return None
    for key in ("const", "default"):
        if key in schema:
            return schema[key]
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return schema["enum"][0]
    for key in ("oneOf", "anyOf"):
        if isinstance(schema.get(key), list) and schema[key]:
            return _example(schema[key][0], today, depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
        required = schema.get("required") if isinstance(schema.get("required"), list) else []
        return {name: _example(properties.get(name), today, depth + 1) for name in required if isinstance(name, str)}
    if kind in ("integer", "number"):
        low = schema.get("minimum", schema.get("exclusiveMinimum", 0))
        return low if isinstance(low, int | float) and not isinstance(low, bool) else 0
    if kind == "boolean":
        return True
    if kind == "array":
        return []
    if kind == "string":
        day = today.astimezone(CHINA_TZ)
        return {"date": day.date().isoformat(), "date-time": day.isoformat()}.get(schema.get("format"), "示例")
    return None


# what a failure's Python exception is called for a designer reading the message
_PYTHON_ERRORS = {"NameError": "名称未定义", "KeyError": "数据中没有此项", "TypeError": "类型不符",
                  "ValueError": "取值无效", "ZeroDivisionError": "除数为零", "AttributeError": "没有此属性",
                  "IndexError": "下标超出范围", "SyntaxError": "语法错误", "RecursionError": "递归过深"}


def explain(exc: BaseException) -> str:
    """A failure in a designer's words: the engine's own errors say it in Chinese already; a script's Python error
    is named in Chinese with its detail (``NameError: name 'open' is not defined`` → 名称“open”未定义)."""
    inner = _innermost(exc)
    if isinstance(inner, ScriptTimeout):
        return f"脚本运行超时 ({inner})"
    if isinstance(inner, EngineError) and not isinstance(inner, ScriptError):
        return str(inner)
    text = str(inner)
    kind, _, detail = text.partition(": ")
    if kind not in _PYTHON_ERRORS:
        kind, detail = type(inner).__name__, text
    if kind == "NameError" and "'" in detail:
        return f"脚本或表达式出错: 名称“{detail.split(chr(39))[1]}”未定义"
    label = _PYTHON_ERRORS.get(kind)
    if label is None:
        return f"脚本或表达式出错: {describe_failure(inner)}"
    return f"脚本或表达式出错: {label} ({detail.strip()})"


def _innermost(exc: BaseException) -> BaseException:
    """The error under Spiff's wrappers (``WorkflowTaskException.exception``, causes)."""
    for _ in range(10):
        inner = getattr(exc, "exception", None) or exc.__cause__ or \
            (None if exc.__suppress_context__ else exc.__context__)
        if not isinstance(inner, BaseException):
            break
        exc = inner
    return exc


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 300 else text[:299] + "…"


def _china_time(iso: str) -> str:
    return datetime.fromisoformat(iso).astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")


def _names(specs: tuple[Any, Any]) -> dict[str, str]:
    spec, subprocess_specs = specs
    every = [*spec.task_specs.values(), *(t for each in subprocess_specs.values() for t in each.task_specs.values())]
    return {t.bpmn_id: t.bpmn_name for t in every if getattr(t, "bpmn_id", None) and getattr(t, "bpmn_name", None)}


def _describe_step(step: dict[str, Any], names: dict[str, str]) -> str:
    if "task" in step:
        name = names.get(step["task"])
        return f"办理 {step['task']}" + (f"（{name}）" if name else "")
    if "wait" in step:
        return f"等待 {step['wait']}"
    return f"消息 {step['message']}"

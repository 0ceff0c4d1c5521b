"""Process tests that travel with a model (``{stem}.tests.json``): the file's shape, and what a run reports.

A scenario starts the model at a moment of its own, completes tasks with form data, lets time pass and
delivers messages, then says which end the case must reach, which activities it must pass, which follow-up cases
it starts and with what a domain function was called (the household told why it was rejected). Deploying
refuses a file of the wrong shape (``parse``) and a model whose scenarios fail (``run`` → ``problems``).
The runner itself lives in ``engine.scenario_runner``: it drives SpiffWorkflow and the sandbox, which
``engine.deploy`` (that calls ``parse``) must not import.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from json.decoder import scanstring
from typing import TYPE_CHECKING, Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from engine.errors import DeployError, DeployProblem
from engine.json_text import JsonTextError, load_json_limited

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from engine.core import Engine
    from engine.deploy import CompiledModel
    from engine.scenario_runner import RunLimits

NO_TESTS = "没有流程测试"
MAX_SCENARIOS = 50
MAX_STEPS = 200
MAX_WAIT = timedelta(days=3660)  # one step may let ten years pass, no more
_SCENARIO_KEYS = {"name", "start", "functions", "steps", "expect"}
_START_KEYS = {"data", "at", "place"}
_EXPECT_KEYS = {"end", "path", "follow_ups", "calls"}
_SPACE = re.compile(r"[ \t\n\r]*")
_STEP_KEYS = {"task": {"task", "data"}, "wait": {"wait"}, "message": {"message", "payload"}}
# each count at most 9 digits: the text is bounded before anything is computed from it (Spiff adds years and months
# one at a time, so "P999999Y" alone costs seconds)
_DURATION = re.compile(r"P(?!$)(?:(\d{1,9})Y)?(?:(\d{1,9})M)?(?:(\d{1,9})W)?(?:(\d{1,9})D)?"
                       r"(?:T(?=\d)(?:(\d{1,9})H)?(?:(\d{1,9})M)?(?:(\d{1,9})S)?)?")
# the most days each field of a duration can stand for, to refuse one longer than MAX_WAIT by arithmetic alone
_MOST_DAYS = (366, 31, 7, 1, 1 / 24, 1 / 1440, 1 / 86400)
FIRST_YEAR, LAST_YEAR = 1970, 2200  # a scenario's clock starts within these years: 200 waits of MAX_WAIT stay < 9999


@dataclass(frozen=True)
class ScenarioResult:
    """How one scenario ran: ``element`` and ``step`` say where it diverged (``step`` 0: as the case started,
    ``None``: at the expectations) and ``line`` where that is in the tests file; ``ready`` the tasks waiting for a
    person there (``{"id", "name"}``); ``suggestion`` a step that would take the scenario on (``{"message",
    "after_step", "step"}``) when the case waits for a task the scenario does not do; ``path`` the activities
    completed in order (``path_names`` their names), ``end`` the end event reached."""

    file: str
    name: str
    passed: bool
    message: str = ""
    element: str | None = None
    step: int | None = None
    path: list[str] = field(default_factory=list)
    end: str | None = None
    follow_ups: list[str] = field(default_factory=list)
    line: int | None = None
    ready: list[dict[str, str]] = field(default_factory=list)
    suggestion: dict[str, Any] | None = None
    path_names: list[str] = field(default_factory=list)


def parse(text: str) -> list[dict[str, Any]]:
    """The scenarios of a tests file, or ``DeployError`` naming each scenario and field that is wrong. The
    problems' ``file`` is left blank: the caller knows the file's name and fills it in."""
    try:
        document = load_json_limited(text)  # bounded depth: nothing after it recurses past the interpreter's limit
    except JsonTextError as exc:
        raise DeployError([DeployProblem("", exc.line, f"不是有效的JSON: {exc.message}")]) from None
    problems: list[str] = []
    scenarios = document.get("scenarios") if isinstance(document, dict) else None
    if not isinstance(scenarios, list):
        problems.append("应为对象 {\"scenarios\": [...]}")
    else:
        problems.extend(f"未知字段“{key}”" for key in sorted(set(document) - {"scenarios"}))
        if len(scenarios) > MAX_SCENARIOS:
            problems.append(f"场景最多 {MAX_SCENARIOS} 个, 实际 {len(scenarios)} 个")
        names: set[str] = set()
        for number, scenario in enumerate(scenarios, start=1):
            problems.extend(_scenario_problems(number, scenario, names))
    if problems:
        raise DeployError([DeployProblem("", None, message) for message in problems])
    return scenarios


def _scenario_problems(number: int, scenario: Any, names: set[str]) -> list[str]:
    if not isinstance(scenario, dict):
        return [f"第{number}个场景应为对象"]
    name = scenario.get("name")
    title = f"场景“{name}”" if isinstance(name, str) and name.strip() else f"第{number}个场景"
    found: list[str] = [f"未知字段“{key}”" for key in sorted(set(scenario) - _SCENARIO_KEYS)]
    if not isinstance(name, str) or not name.strip():
        found.append("name: 必填, 应为场景名称")
    elif name in names:
        found.append("name: 与前面的场景重名")
    else:
        names.add(name)
    start = _start_problems(scenario.get("start"), found)
    functions = scenario.get("functions", {})
    if not isinstance(functions, dict):
        found.append("functions: 应为对象 {函数名: {\"returns\": 值} 或 {\"raises\": \"错误信息\"}}")
    else:
        found.extend(_function_problems(name, declared) for name, declared in functions.items())
    steps = scenario.get("steps")
    if not isinstance(steps, list):
        found.append("steps: 必填, 应为步骤列表")
    elif len(steps) > MAX_STEPS:
        found.append(f"steps: 最多 {MAX_STEPS} 步, 实际 {len(steps)} 步")
    else:
        found.extend(_step_problems(k, step, start) for k, step in enumerate(steps, start=1))
    found.extend(_expect_problems(scenario.get("expect", {})))
    return [f"{title}: {problem}" for problem in found if problem]


def _start_problems(start: Any, found: list[str]) -> datetime | None:
    """Checks ``start`` into ``found``; the moment the scenario's clock starts at, when it can be read."""
    if not isinstance(start, dict):
        found.append("start: 必填, 应为对象 {\"at\": 开始时间, \"data\": 启动数据}")
        return None
    found.extend(f"start: 未知字段“{key}”" for key in sorted(set(start) - _START_KEYS))
    if not isinstance(start.get("data", {}), dict):
        found.append("start.data: 应为对象")
    if "place" in start and (not isinstance(start["place"], str) or not start["place"].strip()):
        found.append("start.place: 应为案件所在地点的代码")
    at = start_time(start.get("at"))
    if at is None:
        found.append("start.at: 必填, 应为带时区的ISO 8601时间, 例如 2026-03-02T09:00:00+08:00")
    elif not FIRST_YEAR <= at.year <= LAST_YEAR:
        found.append(f"start.at: 年份应在 {FIRST_YEAR} 到 {LAST_YEAR} 之间")
        return None
    return at


def start_time(value: Any) -> datetime | None:
    """The timezone-aware moment ``start.at`` names, or None."""
    if not isinstance(value, str):
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        return None
    return at if at.tzinfo is not None else None


def _function_problems(name: str, declared: Any) -> str | None:
    if not isinstance(declared, dict) or len(declared) != 1 or not set(declared) <= {"returns", "raises"}:
        return f"functions.{name}: 应为 {{\"returns\": 值}} 或 {{\"raises\": \"错误信息\"}} 之一"
    raised = declared.get("raises", "")
    if not isinstance(raised, str) or ("raises" in declared and not raised.strip()):
        return f"functions.{name}.raises: 应为非空的错误信息"
    return None


def _step_problems(number: int, step: Any, start: datetime | None) -> str | None:
    where = f"steps[{number}]"
    kinds = [kind for kind in _STEP_KEYS if isinstance(step, dict) and kind in step]
    if len(kinds) != 1:
        return f"{where}: 应为 task (办理任务)、wait (等待时长) 或 message (收到消息) 之一"
    kind = kinds[0]
    unknown = sorted(set(step) - _STEP_KEYS[kind])
    if unknown:
        return f"{where}: 未知字段“{'、'.join(unknown)}”"
    value = step[kind]
    if kind == "wait":
        return _wait_problem(where, value, start)
    if not isinstance(value, str) or not value.strip():
        return f"{where}.{kind}: 应为{'任务ID' if kind == 'task' else '消息名称'}"
    extra = "data" if kind == "task" else "payload"
    if not isinstance(step.get(extra, {}), dict):
        return f"{where}.{extra}: 应为对象"
    return None


def _wait_problem(where: str, value: Any, start: datetime | None) -> str | None:
    delta = wait_duration(value, start or datetime.now(UTC))
    if delta is None:
        return f"{where}.wait: 应为ISO 8601时长, 例如 P6D、PT2H、P1DT12H"
    if not timedelta(0) < delta <= MAX_WAIT:
        return f"{where}.wait: 时长应大于零且不超过 {MAX_WAIT.days} 天"
    return None


def wait_duration(value: Any, since: datetime) -> timedelta | None:
    """How long ``value`` (ISO 8601) lasts from ``since``, counted as Spiff counts a timer's duration (months by
    the calendar); None when it is not a duration. One that may last longer than ``MAX_WAIT`` is answered as
    ``MAX_WAIT`` and a day, without asking Spiff: it is refused all the same, and Spiff's count costs its length."""
    matched = _DURATION.fullmatch(value) if isinstance(value, str) else None
    if matched is None:
        return None
    most = sum(int(count) * days for count, days in zip(matched.groups(), _MOST_DAYS, strict=True) if count)
    if most > MAX_WAIT.days:
        return MAX_WAIT + timedelta(days=1)
    try:
        return TimerEventDefinition.get_timedelta_from_start(TimerEventDefinition.parse_iso_duration(value), since)
    except Exception:  # Spiff raises a bare Exception for weeks beside days; a huge count overflows
        return None


def _expect_problems(expect: Any) -> list[str]:
    if not isinstance(expect, dict):
        return ["expect: 应为对象 {\"end\": 结束事件ID, \"path\": [活动ID…], \"follow_ups\": [流程标识…]}"]
    found = [f"expect: 未知字段“{key}”" for key in sorted(set(expect) - _EXPECT_KEYS)]
    if "end" in expect and (not isinstance(expect["end"], str) or not expect["end"].strip()):
        found.append("expect.end: 应为结束事件的ID")
    for key in ("path", "follow_ups"):
        value = expect.get(key, [])
        if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
            found.append(f"expect.{key}: 应为ID (字符串) 的列表")
    calls = expect.get("calls", {})
    if not isinstance(calls, dict) or not all(isinstance(made, list) and all(isinstance(args, list) for args in made)
                                              for made in calls.values()):
        found.append("expect.calls: 应为对象 {函数名: [[第1次调用的参数…], [第2次调用的参数…]]}")
    return found


def run(engine: Engine, model: CompiledModel, session: Session | None = None,
        limits: RunLimits | None = None) -> list[ScenarioResult]:
    """Run every scenario of ``model`` in memory: nothing is stored and the engine's clock does not move. With
    ``session`` the places tasks name are looked up in it (read only) as production looks them up."""
    from engine.scenario_runner import run_scenarios  # the runner imports engine.deploy, which imports this module

    return run_scenarios(engine, model, session, limits)


def problems(results: list[ScenarioResult]) -> list[DeployProblem]:
    """Each failed scenario as a deploy problem at the element where it diverged and the tests file's line."""
    return [DeployProblem(result.file, result.line, result.message, result.element) for result in results
            if not result.passed]


def line_of(text: str, path: list[str | int]) -> int | None:
    """The line (1-based) where the value at ``path`` (keys and indexes, e.g. ``["scenarios", 0, "steps", 2]``)
    begins in the JSON ``text``; None when there is none. Read without building the document again: only the
    values before it on the way are decoded, to be skipped."""
    decoder = json.JSONDecoder()
    try:
        at = _blank(text, 0)
        for key in path:
            at = _item(text, at, key, decoder) if isinstance(key, int) else _member(text, at, key, decoder)
            if at is None:
                return None
    except (ValueError, IndexError, RecursionError):
        return None
    return text.count("\n", 0, at) + 1


def _blank(text: str, at: int) -> int:
    return _SPACE.match(text, at).end()


def _item(text: str, at: int, index: int, decoder: json.JSONDecoder) -> int | None:
    if text[at] != "[":
        return None
    at = _blank(text, at + 1)
    for _ in range(index):
        if text[at] == "]":
            return None
        at = _blank(text, decoder.raw_decode(text, at)[1])
        if text[at] != ",":
            return None
        at = _blank(text, at + 1)
    return None if text[at] == "]" else at


def _member(text: str, at: int, key: str, decoder: json.JSONDecoder) -> int | None:
    if text[at] != "{":
        return None
    at = _blank(text, at + 1)
    while text[at] == '"':
        name, at = scanstring(text, at + 1)
        at = _blank(text, _blank(text, at) + 1)  # past the colon
        if name == key:
            return at
        at = _blank(text, decoder.raw_decode(text, at)[1])
        if text[at] == ",":
            at = _blank(text, at + 1)
    return None


def gate(engine: Engine, model: CompiledModel, session: Session | None = None) -> CompiledModel:
    """The model as publishing takes it: refused (``DeployError``, each failed scenario a problem) while a scenario
    fails; allowed without scenarios, with a warning that nothing tested it."""
    if not model.scenarios:
        return noted(model)
    failed = problems(run(engine, model, session))
    if failed:
        raise DeployError(failed)
    return model


def noted(model: CompiledModel) -> CompiledModel:
    """The model with the warning that nothing tests it, when it has no scenarios."""
    return model if model.scenarios else replace(model, warnings=(*model.warnings, NO_TESTS))

"""Process tests that travel with a model (``{stem}.tests.json``): the shape of the file.

A minimal shape check so that deploying can refuse a scenario file it could never run; the runner and the
full rules belong here too (engineer B owns this module from now on).
"""

from __future__ import annotations

import json
from typing import Any

from engine.errors import DeployError, DeployProblem


def parse(text: str) -> list[dict[str, Any]]:
    """The scenarios of a tests file, or ``DeployError`` naming what is wrong. The problems' ``file`` is left
    blank: the caller knows the file's name and fills it in."""
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise DeployError([DeployProblem("", getattr(exc, "lineno", None), f"不是有效的JSON: {exc}")]) from None
    scenarios = document.get("scenarios") if isinstance(document, dict) else None
    if not isinstance(scenarios, list):
        raise DeployError([DeployProblem("", None, "应为对象 {\"scenarios\": [...]}")])
    problems = [DeployProblem("", None, f"第{number}个场景应为含 name 与 steps 列表的对象")
                for number, scenario in enumerate(scenarios, start=1)
                if not (isinstance(scenario, dict) and isinstance(scenario.get("name"), str)
                        and isinstance(scenario.get("steps", []), list))]
    if problems:
        raise DeployError(problems)
    return scenarios

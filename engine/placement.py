"""Work at another place than its case's: a task placed at a village of a county's case, a follow-up case started at
the league above.

A user task may carry ``spiffworkflow:property name="place"`` whose value is an expression, evaluated in the task's
data when the task becomes READY (a multi-instance child sees its own item) like ``department`` and ``subject``. It
names a place code; the task row is stored at that place and marked placed (``tasks.placed``), so it lands in that
place's inboxes and is the work of that place's users alone (``Actor.may_work_on``): a user above in the same lane, who
would see an unplaced task there, could otherwise take it and lock the place out. ``start_process(key,
data, place=CODE)`` starts a follow-up case at another place the same way. The place must lie on the case's line: the
case's place, one below it or one above it. A sibling branch would hand a county's work to another county, an
unknown code would hand it to nobody: either is a designer's mistake and fails the step at once.

The engine knows no place table: the code → path lookup is injected (``Engine(place_paths=...)``). A step looks up
every code its new tasks name in one call, so a county's case making a task for each of its hundred villages costs
one query, not one per task.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any

from sqlalchemy.orm import Session

from engine.errors import EngineError

PLACE_PROPERTY = "place"
# the paths of those of ``codes`` that name an existing place (code → materialized path, e.g. ``/15/1502/``)
PlaceLookup = Callable[[Session, Collection[str]], Mapping[str, str]]
MAX_CODE_SHOWN = 40  # a designer's runaway value is cut in the message that names it


class PlacementError(EngineError):
    """A task or follow-up names no place on its case's line; the step fails like any other."""

    code = "placement_failed"


def on_line(path: str, case_path: str) -> bool:
    """The place is the case's, lies below it or above it (paths are materialized and end with ``/``)."""
    return path.startswith(case_path) or case_path.startswith(path)


def place_code_value(value: Any, what: str) -> str:
    """The code an expression of ``what`` (e.g. 任务“村级填报”) gave: a non-empty string, else ``PlacementError``."""
    if not isinstance(value, str):
        raise PlacementError(f"{what}的地点应为地点代码 (字符串), 实际为 {type(value).__name__}: {_shown(value)}")
    if not value.strip():
        raise PlacementError(f"{what}的地点为空: 应为地点代码")
    return value


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= MAX_CODE_SHOWN else text[:MAX_CODE_SHOWN - 1] + "…"


class StepPlaces:
    """The places one step names, each looked up once, and the rule that they lie on the case's line."""

    def __init__(self, lookup: PlaceLookup | None, session: Session, case_code: str, case_path: str) -> None:
        self._lookup = lookup
        self._session = session
        self.case_code = case_code
        self.case_path = case_path
        self._paths: dict[str, str | None] = {case_code: case_path}

    def look_up(self, codes: Iterable[str]) -> None:
        """Learn the paths of every code not yet known, in one call of the lookup."""
        missing = {code for code in codes if code not in self._paths}
        if not missing:
            return
        if self._lookup is None:
            raise PlacementError("此引擎未配置地点查询, 不能把任务或后续流程放到其他地点")
        found = self._lookup(self._session, missing)
        self._paths.update({code: found.get(code) for code in missing})

    def path_on_line(self, code: str, what: str) -> str:
        """The path of ``code`` (looked up if needed), which must lie on the case's line; else ``PlacementError``
        naming ``what`` and the code."""
        if code not in self._paths:
            self.look_up([code])
        path = self._paths[code]
        if path is None:
            raise PlacementError(f"{what}的地点“{code[:MAX_CODE_SHOWN]}”不存在")
        if not on_line(path, self.case_path):
            raise PlacementError(f"{what}的地点“{code}”不在本案件所在地区（{self.case_code}）的上级或下级之内")
        return path

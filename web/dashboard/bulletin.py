"""The quarterly bulletin (季度通报) of a place: what happened in one quarter, per area, type and step.

Counted by ``monitoring.statistics`` in SQL; every number carries the address of the list behind it (the case
or household list with the same condition, ``web.dashboard.filters``). The page and ``/api/v1/reports/bulletin``
are both this one function.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import url_for
from sqlalchemy.orm import Session

from engine import versions
from engine.core import Engine
from monitoring import statistics
from monitoring.codelists import labels
from monitoring.models import LEVEL_NAMES, Place
from monitoring.quarters import Quarter

CHOOSER_QUARTERS = 8  # two years back
AREA_COLUMNS = {  # count -> column title; the case counts link to the case list, the others to households
    "started": "新发起案件", "identified": "新纳入监测", "rejected": "不予纳入", "eliminated": "风险消除",
    "late": "逾期办理案件",
}


@dataclass(frozen=True)
class Figure:
    value: int
    url: str


@dataclass(frozen=True)
class AreaLine:
    code: str
    name: str
    figures: dict[str, Figure]  # keyed as AREA_COLUMNS


@dataclass(frozen=True)
class StepLine:
    step: str
    name: str
    reached: Figure
    late: Figure


@dataclass(frozen=True)
class ProcessSteps:
    key: str
    name: str
    steps: list[StepLine]


@dataclass(frozen=True)
class Bulletin:
    place: Place
    quarter: Quarter
    as_of: datetime
    area_level: str
    areas: list[AreaLine]
    total: AreaLine
    by_type: list[tuple[str, Figure]]
    processes: list[ProcessSteps]

    @property
    def title(self) -> str:
        return f"{self.place.name}{self.quarter.label}防止返贫动态监测和帮扶工作通报"


def quarter_asked(args: Mapping[str, str], today: date) -> Quarter:
    """``?quarter=2026Q4``, by default the quarter the engine's clock is in."""
    return Quarter.parse(args["quarter"]) if args.get("quarter") else Quarter.of(today)


def bulletin(session: Session, engine: Engine, place: Place, quarter: Quarter, now: datetime) -> Bulletin:
    """Every count of ``quarter`` for ``place`` and below; late means not done by its due time as of ``now``."""
    rows = statistics.quarter_by_area(session, place, quarter, now)
    total = statistics.QuarterRow(place.code, "合计", *(sum(getattr(r, key) for r in rows) for key in AREA_COLUMNS))
    types = labels(session, "monitoring_type", include_retired=True)
    counted = statistics.identified_by_type(session, place.path, quarter)
    by_type = [(types.get(code, code) if code else "未填写",
                Figure(n, _households(quarter, "identified", place.code, code or None)))
               for code, n in sorted(counted.items(), key=lambda item: list(types).index(item[0])
                                     if item[0] in types else len(types))]
    children = [_area(quarter, row) for row in rows if row.code != place.code]
    own = [_area(quarter, row, own=bool(children)) for row in rows if row.code == place.code]
    return Bulletin(place, quarter, now, LEVEL_NAMES.get(statistics.area_level(session, place), "下级区划"),
                    children + own, _area(quarter, total), by_type,
                    list(_processes(session, engine, place, quarter, now)))


def as_json(found: Bulletin) -> dict[str, Any]:
    """The bulletin as the API answers it: the same numbers, each with the address of its list."""
    def figures(line: AreaLine) -> dict[str, Any]:
        return {"place": line.code, "name": line.name,
                **{key: {"count": f.value, "list": f.url} for key, f in line.figures.items()}}

    return {
        "place": found.place.code, "title": found.title, "quarter": found.quarter.code,
        "from": found.quarter.first_day.isoformat(), "to": found.quarter.last_day.isoformat(),
        "as_of": found.as_of.isoformat(), "areas": [figures(a) for a in found.areas], "total": figures(found.total),
        "by_type": [{"type": name, "count": f.value, "list": f.url} for name, f in found.by_type],
        "steps": [{"process": p.key, "name": p.name, "steps": [
            {"step": s.step, "name": s.name, "reached": {"count": s.reached.value, "list": s.reached.url},
             "late": {"count": s.late.value, "list": s.late.url}} for s in p.steps]} for p in found.processes],
    }


def _area(quarter: Quarter, row: statistics.QuarterRow, own: bool = False) -> AreaLine:
    """An area's line; a place's own line (cases opened at the township itself) is named as such."""
    name = f"{row.name}（本级）" if own else row.name
    links = {key: (_households if key in statistics.HOUSEHOLD_COUNTS else _cases)(quarter, key, row.code)
             for key in AREA_COLUMNS}
    return AreaLine(row.code, name, {key: Figure(getattr(row, key), links[key]) for key in AREA_COLUMNS})


def _processes(session: Session, engine: Engine, place: Place, quarter: Quarter,
               now: datetime) -> Iterator[ProcessSteps]:
    """Each deployed process with steps reached in the quarter, its steps in the order of its model."""
    for version in versions.latest_versions(session):
        counted = statistics.cases_by_step_in(session, place.path, quarter, now, version.key)
        if not counted:
            continue
        ordered = steps_in_order(engine.versions.get(session, version.id).spec)
        ordered += [(step, step) for step in sorted(counted) if step not in dict(ordered)]  # a step since removed
        yield ProcessSteps(version.key, version.name, [
            StepLine(step, name,
                     Figure(counted.get(step, (0, 0))[0], _cases(quarter, "reached", place.code, version.key, step)),
                     Figure(counted.get(step, (0, 0))[1], _cases(quarter, "late", place.code, version.key, step)))
            for step, name in ordered])


def steps_in_order(spec: Any) -> list[tuple[str, str]]:
    """The human steps of a process model as a reader follows it: breadth first from the start event, so a step
    comes after every step on the shortest way to it, whatever order the file lists them in."""
    seen: set[str] = set()
    found: list[tuple[str, str]] = []
    queue = deque([spec.start])
    while queue:
        task_spec = queue.popleft()
        if task_spec.name in seen:
            continue
        seen.add(task_spec.name)
        if task_spec.manual and task_spec.bpmn_id not in dict(found):
            found.append((task_spec.bpmn_id, task_spec.bpmn_name or task_spec.bpmn_id))
        queue.extend(task_spec.outputs)
    return found


def _cases(quarter: Quarter, count: str, place: str, process: str | None = None, step: str | None = None) -> str:
    return url_for("cases.index", quarter=quarter.code, count=count, place=place, process=process, step=step)


def _households(quarter: Quarter, count: str, place: str, monitoring_type: str | None = None) -> str:
    return url_for("households.index", quarter=quarter.code, count=count, place=place, type=monitoring_type)

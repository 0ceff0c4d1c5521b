"""The quarterly bulletin (季度通报) of a place: what happened in one quarter, per area, type and step.

Counted by ``monitoring.statistics`` in SQL; every number carries the address of the list behind it (the case
or household list with the same condition, ``web.dashboard.filters``). The page and ``/api/v1/reports/bulletin``
are both this one function.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from fractions import Fraction
from typing import Any

from flask import url_for
from sqlalchemy.orm import Session

from engine import versions
from engine.assignment import Actor
from engine.core import Engine
from engine.plans import planned_for_values
from monitoring import bulletin_figures, statistics
from monitoring.bulletin_figures import Headcount
from monitoring.bulletin_ranking import CRITERIA, Ranked, Standing, ranking
from monitoring.bulletin_scope import check_bulletin
from monitoring.change_models import KIND_NAMES, ChangeKind
from monitoring.codelists import labels
from monitoring.models import LEVEL_NAMES, Place
from monitoring.places import place_in_scope
from monitoring.quality import findings
from monitoring.quality.catalogue import Severity, title_of
from monitoring.quarters import Quarter
from web.templating import cn_date, cn_datetime

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
class Heads:
    """Households (each a link to their list) and the persons living in them."""

    households: Figure
    persons: int


@dataclass(frozen=True)
class TypeLine:
    """One monitoring type: the objects at the quarter's end, and the quarter's inclusions, eliminations and
    reversals (keyed as TYPE_COUNTS)."""

    name: str
    figures: dict[str, Heads]


TYPE_COUNTS = {"objects": "季末监测对象", "identified": "本季度新纳入", "eliminated": "本季度风险消除",
               "reversed": "本季度消除回退"}


@dataclass(frozen=True)
class QualityLine:
    """One data-quality check's open findings in the place (errors and warnings apart: a check is one or the other),
    linked to the quality page's list of them."""

    rule: str
    title: str
    errors: int
    warnings: int
    url: str


@dataclass(frozen=True)
class Bulletin:
    place: Place
    quarter: Quarter
    as_of: datetime
    area_level: str
    areas: list[AreaLine]
    total: AreaLine
    types: list[TypeLine]
    types_total: TypeLine
    tasks_as_of: datetime
    tasks: list[statistics.BulletinRow]
    tasks_total: statistics.BulletinRow
    processes: list[ProcessSteps]
    changes: list[tuple[str, int]]
    ranking: list[Ranked]
    quality: list[QualityLine]

    @property
    def title(self) -> str:
        return f"{self.place.name}{self.quarter.label}防止返贫动态监测和帮扶工作通报"

    @property
    def quality_total(self) -> QualityLine:
        return QualityLine("", "合计", sum(line.errors for line in self.quality),
                           sum(line.warnings for line in self.quality), _quality(self.place.code))

    @property
    def tasks_at_quarter_end(self) -> bool:
        return self.tasks_as_of == self.quarter.ends_at


def quarter_asked(args: Mapping[str, str], today: date) -> Quarter:
    """``?quarter=2026Q4``, by default the quarter the engine's clock is in."""
    return Quarter.parse(args["quarter"]) if args.get("quarter") else Quarter.of(today)


def asked(session: Session, actor: Actor, args: Mapping[str, str], own_place: str, today: date
          ) -> tuple[Place, Quarter]:
    """The place (``?place=CODE`` in scope, else 404; by default the user's own) and quarter a page or API call asks
    the bulletin of, refused naming the field unless a league or county and a quarter begun by ``today``."""
    place = place_in_scope(session, actor, (args.get("place") or "").strip() or own_place)
    quarter = quarter_asked(args, today)
    check_bulletin(place, quarter, today)
    return place, quarter


@planned_for_values
def bulletin(session: Session, engine: Engine, place: Place, quarter: Quarter, now: datetime) -> Bulletin:
    """Every figure of ``quarter`` for ``place`` and below; late means not done by its due time as of ``now``."""
    rows = statistics.quarter_by_area(session, place, quarter, now)
    total = statistics.QuarterRow(place.code, "合计", *(sum(getattr(r, key) for r in rows) for key in AREA_COLUMNS))
    children = [_area(quarter, row) for row in rows if row.code != place.code]
    own = [_area(quarter, row, own=bool(children)) for row in rows if row.code == place.code]
    counted = {key: bulletin_figures.headcounts(session, place.path, key, quarter) for key in TYPE_COUNTS}
    types, types_total = _types(session, place, quarter, counted)
    tasks_as_of, _ = statistics.tasks_open_at(quarter, now)
    by_area = statistics.open_tasks_by_area(session, place, quarter, now)
    tasks = [row for row in by_area if row.code != place.code] + [  # the place's own line last, as in the areas
        replace(row, name=f"{row.name}（本级）") if children else row for row in by_area if row.code == place.code]
    kinds = bulletin_figures.natural_changes(session, place.path, quarter)
    start = statistics.households_by_area(session, place, "objects", quarter.previous())
    return Bulletin(place, quarter, now, LEVEL_NAMES.get(statistics.area_level(session, place), "下级区划"),
                    children + own, _area(quarter, total), types, types_total, tasks_as_of, tasks,
                    statistics.bulletin_total(tasks, "合计"), list(_processes(session, engine, place, quarter, now)),
                    [(KIND_NAMES[ChangeKind(kind)], n) for kind, n in kinds.items()],
                    _ranking(place, rows, tasks, start),
                    _quality_lines(session, place, None if tasks_as_of == now else tasks_as_of))


def _quality_lines(session: Session, place: Place, at: datetime | None = None) -> list[QualityLine]:
    """The data-quality findings of the place and below per check open at the moment open tasks are counted: now
    while the quarter lasts (as the last run left them, each linked to its list), else at the quarter's end."""
    return [QualityLine(count.rule, title_of(count.rule),
                        count.open if count.severity == Severity.ERROR else 0,
                        count.open if count.severity == Severity.WARNING else 0, _quality(place.code, count.rule))
            for count in findings.rule_counts(session, place, at)]


def _types(session: Session, place: Place, quarter: Quarter,
           by_type: dict[str, dict[str | None, Headcount]]) -> tuple[list[TypeLine], TypeLine]:
    """Per monitoring type (every type in force, and a retired or missing one some household carries); each household
    figure links to the household list of its count and type."""
    every, in_force = labels(session, "monitoring_type", include_retired=True), labels(session, "monitoring_type")
    carried = {code for found in by_type.values() for code in found}
    codes = [code for code in every if code in in_force or code in carried]
    codes += sorted((code for code in carried if code not in every), key=lambda code: code or "")

    def line(name: str, code: str | None, pick: Callable[[dict[str | None, Headcount]], Headcount]) -> TypeLine:
        return TypeLine(name, {key: Heads(Figure(pick(by_type[key]).households,
                                                 _households(quarter, key, place.code, code)),
                                          pick(by_type[key]).persons) for key in TYPE_COUNTS})

    lines = [line(every.get(code, code) if code else "未填写", code,
                  lambda found, code=code: found.get(code, Headcount())) for code in codes]
    return lines, line("合计", None, lambda found: sum(found.values(), Headcount()))


def _ranking(place: Place, rows: list[statistics.QuarterRow], tasks: list[statistics.BulletinRow],
             at_start: dict[str, int]) -> list[Ranked]:
    """The child areas ranked (a place without children has nothing to rank)."""
    open_tasks = {row.code: row for row in tasks}
    return ranking([Standing(row.code, row.name, open_tasks[row.code].open_tasks, open_tasks[row.code].overdue,
                             row.late, at_start.get(row.code, 0), row.eliminated)
                    for row in rows if row.code != place.code])


def as_json(found: Bulletin) -> dict[str, Any]:
    """The bulletin as the API answers it: the same numbers, each with the address of its list."""
    def figures(line: AreaLine) -> dict[str, Any]:
        return {"place": line.code, "name": line.name,
                **{key: {"count": f.value, "list": f.url} for key, f in line.figures.items()}}

    def heads(line: TypeLine) -> dict[str, Any]:
        return {"type": line.name, **{key: {"households": h.households.value, "persons": h.persons,
                                            "list": h.households.url} for key, h in line.figures.items()}}

    def tasks(row: statistics.BulletinRow) -> dict[str, Any]:
        return {"place": row.code, "name": row.name, "open": row.open_tasks, "overdue": row.overdue,
                "share": round(row.share, 4)}

    def quality(line: QualityLine) -> dict[str, Any]:
        return {**({"rule": line.rule} if line.rule else {}), "title": line.title, "errors": line.errors,
                "warnings": line.warnings, "list": line.url}

    return {
        "place": found.place.code, "title": found.title, "quarter": found.quarter.code,
        "from": found.quarter.first_day.isoformat(), "to": found.quarter.last_day.isoformat(),
        "as_of": found.as_of.isoformat(), "areas": [figures(a) for a in found.areas], "total": figures(found.total),
        "by_type": [heads(line) for line in found.types], "by_type_total": heads(found.types_total),
        "tasks": {"as_of": found.tasks_as_of.isoformat(), "areas": [tasks(r) for r in found.tasks],
                  "total": tasks(found.tasks_total)},
        "steps": [{"process": p.key, "name": p.name, "steps": [
            {"step": s.step, "name": s.name, "reached": {"count": s.reached.value, "list": s.reached.url},
             "late": {"count": s.late.value, "list": s.late.url}} for s in p.steps]} for p in found.processes],
        "natural_changes": [{"kind": name, "count": n} for name, n in found.changes],
        "ranking": {"criteria": list(CRITERIA), "areas": [
            {"rank": r.rank, "place": r.standing.code, "name": r.standing.name,
             "overdue_share": _ratio(r.standing.overdue_share), "late_cases": r.standing.late_cases,
             "objects_at_start": r.standing.objects_at_start, "eliminated": r.standing.eliminated,
             "elimination_rate": _ratio(r.standing.elimination_rate)} for r in found.ranking]},
        "quality": {"as_of": found.tasks_as_of.isoformat(), "rules": [quality(line) for line in found.quality],
                    "total": quality(found.quality_total)},
    }


def period(found: Bulletin) -> str:
    """The line under the title on the page, in the PDF and in the XLSX: the quarter's days, the area, the time."""
    return (f"统计期间 {cn_date(found.quarter.first_day)}至{cn_date(found.quarter.last_day)}，"
            f"范围为{found.place.name}及其下级；数据截至 {cn_datetime(found.as_of)}。")


def notes(found: Bulletin) -> dict[str, str]:
    """What each table counts, printed under it on the page, in the PDF and in the XLSX."""
    if found.tasks_at_quarter_end:
        moment = f"本季度末（{cn_date(found.quarter.last_day)}24时）"
    else:
        moment = f"统计时（{cn_datetime(found.tasks_as_of)}，本季度尚未结束）"
    return {
        "types": "按监测状态变更记录统计：季末监测对象为截至本季度最后一日仍为监测对象的农户，此后才纳入的不计，"
                 "此后才消除的仍计；新纳入（含消除后重新纳入）、风险消除、消除回退按变更生效日期计入本季度，"
                 "本季度消除后又回退的农户仍计入本季度风险消除，同时计入消除回退；人数为季末在户的家庭成员。",
        "areas": "新发起案件按发起日期、不予纳入按办结日期、新纳入监测与风险消除按监测状态变更的生效日期计入本季度"
                 "（消除后又回退的仍计入其消除的季度）；逾期办理案件为本季度到达某一步骤、未在办理期限内办结的案件"
                 "（至今仍未办结且已过期限的也计入）。",
        "tasks": f"统计时点为{moment}：该时点尚未办结的任务及其中已过办理期限的，按任务所在区划计"
                 f"（{found.place.name}本级办理的计入本级）；逾期率=逾期任务÷未办结任务。",
        "steps": "到达案件为本季度到达该步骤的案件；其中逾期为未在办理期限内办结的（至今仍未办结且已过期限的也计入）。",
        "changes": f"按变更发生日期计入本季度，范围为{found.place.name}及其下级的农户。",
        "quality": f"统计时点为{moment}：该时点已发现、尚未整改的数据质量问题（按每晚及随时检查的结果），"
                   "每户每条规则计一次（涉及成员的按成员计）；错误须改正，提示须核实。",
    }


def _ratio(value: Fraction | None) -> float | None:
    return None if value is None else round(float(value), 4)


def _area(quarter: Quarter, row: statistics.QuarterRow, own: bool = False) -> AreaLine:
    """An area's line; a place's own line (cases opened at the township itself) is named as such."""
    name = f"{row.name}（本级）" if own else row.name
    links = {key: (_households if key in statistics.HOUSEHOLD_COUNTS else _cases)(quarter, key, row.code, own=own)
             for key in AREA_COLUMNS}
    return AreaLine(row.code, name, {key: Figure(getattr(row, key), links[key]) for key in AREA_COLUMNS})


def _processes(session: Session, engine: Engine, place: Place, quarter: Quarter,
               now: datetime) -> Iterator[ProcessSteps]:
    """Each deployed process with steps reached in the quarter, its steps in the order of its model."""
    by_process = statistics.cases_by_step_in(session, place.path, quarter, now)
    for version in versions.latest_versions(session):
        counted = by_process.get(version.key)
        if not counted:
            continue
        loaded = engine.versions.get(session, version.id)
        ordered = steps_in_order(loaded.spec, loaded.subprocess_specs)
        ordered += [(step, counted[step].name) for step in sorted(counted) if step not in dict(ordered)]  # removed
        yield ProcessSteps(version.key, version.name, [
            StepLine(step, name,
                     Figure(_figure(counted, step).reached, _cases(quarter, "reached", place.code, version.key, step)),
                     Figure(_figure(counted, step).late, _cases(quarter, "late", place.code, version.key, step)))
            for step, name in ordered])


def _figure(counted: dict[str, statistics.StepReached], step: str) -> statistics.StepReached:
    return counted.get(step, statistics.StepReached(step, 0, 0))


def steps_in_order(spec: Any, subprocesses: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The human steps of a process model as a reader follows it, each with its name: a step comes before every step
    that follows it on a way from the start, of two ways the one the model draws first comes first, and the steps of a
    subprocess (a multi-instance's too) stand where the process calls it."""
    found: dict[str, str] = {}
    walked: set[str] = set()

    def walk(process: Any) -> None:
        walked.add(process.name)
        for task_spec in _reading_order(process):
            child = getattr(task_spec, "task_spec", None)  # a multi-instance task: its child is the named one
            for part in (process.task_specs.get(child) if isinstance(child, str) else None, task_spec):
                if part is None:
                    continue
                if part.manual and part.bpmn_id not in found and part.bpmn_name:
                    found[part.bpmn_id] = part.bpmn_name
                called = getattr(part, "spec", None)
                if isinstance(called, str) and called in subprocesses and called not in walked:
                    walk(subprocesses[called])

    walk(spec)
    return list(found.items())


def _reading_order(process: Any) -> list[Any]:
    """The task specs of one process in reverse post-order of a depth-first walk that takes each task's outputs last
    to first: a topological order of the flow (a loop back is ignored) in which the first-drawn way comes first."""
    finished: list[Any] = []
    seen = {process.start.name}
    stack = [(process.start, iter(reversed(process.start.outputs)))]
    while stack:
        outputs = stack[-1][1]
        following = next((output for output in outputs if output.name not in seen), None)
        if following is None:
            finished.append(stack.pop()[0])
            continue
        seen.add(following.name)
        stack.append((following, iter(reversed(following.outputs))))
    return finished[::-1]


def _cases(quarter: Quarter, count: str, place: str, process: str | None = None, step: str | None = None,
           own: bool = False) -> str:
    """The case list of a count; ``own``: of the place itself only (its （本级） line), not of its areas too."""
    return url_for("cases.index", quarter=quarter.code, count=count, place=place, own=1 if own else None,
                   process=process, step=step)


def _quality(place: str, rule: str | None = None) -> str:
    return url_for("quality.index", place=place, rule=rule)


def _households(quarter: Quarter, count: str, place: str, monitoring_type: str | None = None,
                own: bool = False) -> str:
    return url_for("households.index", quarter=quarter.code, count=count, place=place, own=1 if own else None,
                   type=monitoring_type)

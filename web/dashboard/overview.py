"""What the dashboard shows for a place: the statistics labelled in Chinese, each with its chart."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from engine import versions
from engine.plans import planned_for_values
from monitoring import statistics
from monitoring.codelists import labels
from monitoring.models import LEVEL_NAMES, MonitoringStatus, Place
from web.dashboard.charts import BarChart, bar_chart

UNKNOWN = "未填写"


@dataclass(frozen=True)
class Step:
    process: str  # the process's name
    count: statistics.StepCount

    @property
    def label(self) -> str:
        return f"{self.process} · {self.count.name}"


@dataclass(frozen=True)
class Overview:
    place: Place
    area_level: str  # Chinese name of the level the per-area figures break down into
    monitored: int
    eliminated: int
    running_cases: int
    by_type: list[tuple[str, int]]
    by_risk: list[tuple[str, int]]
    by_area: list[statistics.AreaCount]
    steps: list[Step]
    bulletin: list[statistics.BulletinRow]
    total: statistics.BulletinRow

    def charts(self) -> dict[str, BarChart]:
        return {
            "type": bar_chart("chart-type", "监测对象（按监测类型）", self.by_type, "户"),
            "risk": bar_chart("chart-risk", "监测对象（按风险类型）", self.by_risk, "户"),
            "area": bar_chart("chart-area", f"监测对象（按{self.area_level}）",
                              [(a.name, a.count) for a in self.by_area], "户"),
            "steps": bar_chart("chart-steps", "在办案件（按办理步骤）",
                               [(s.label, s.count.cases, s.count.overdue) for s in self.steps], "件", "逾期"),
            "bulletin": bar_chart("chart-bulletin", f"待办任务及逾期（按{self.area_level}）",
                                  [(r.name, r.open_tasks, r.overdue) for r in self.bulletin], "项", "逾期"),
        }


@planned_for_values
def overview(session: Session, place: Place, now: datetime) -> Overview:
    """Every figure of the dashboard for ``place`` and below, as of ``now``."""
    areas = statistics.households_by_status(session, place, (MonitoringStatus.MONITORED, MonitoringStatus.ELIMINATED))
    bulletin = statistics.bulletin(session, place, now)
    return Overview(
        place=place, area_level=LEVEL_NAMES.get(statistics.area_level(session, place), "下级区划"),
        monitored=_total(areas[MonitoringStatus.MONITORED]), eliminated=_total(areas[MonitoringStatus.ELIMINATED]),
        running_cases=statistics.running_cases(session, place.path),
        by_type=_labelled(session, "monitoring_type", statistics.monitored_by_type(session, place.path)),
        by_risk=_labelled(session, "risk_type", statistics.monitored_by_risk(session, place.path)),
        by_area=areas[MonitoringStatus.MONITORED],
        steps=_steps(session, statistics.cases_by_step(session, place.path, now)),
        bulletin=bulletin, total=statistics.bulletin_total(bulletin, "合计"),
    )


def _total(areas: list[statistics.AreaCount]) -> int:
    return sum(area.count for area in areas)


def _labelled(session: Session, list_key: str, counts: dict[str | None, int]) -> list[tuple[str, int]]:
    """Every code in force, in the code list's order, zeros included; a retired or unknown code only when
    some household still carries it."""
    every = labels(session, list_key, include_retired=True)
    in_force = labels(session, list_key)
    codes = [code for code in every if code in in_force or counts.get(code)]
    codes += [code for code in counts if code not in every]
    return [(every.get(code, code) if code else UNKNOWN, counts.get(code, 0)) for code in codes]


def _steps(session: Session, counts: list[statistics.StepCount]) -> list[Step]:
    names = {v.key: v.name for v in versions.latest_versions(session)}
    return [Step(names.get(c.process_key, c.process_key), c) for c in counts]

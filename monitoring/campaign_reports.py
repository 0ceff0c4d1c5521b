"""What a campaign's place sees of it: the progress of the places below, and the 集中排查情况统计表.

Both are SQL aggregates scoped by an index range on ``place_path`` (``engine.scope.below``); no workflow is
loaded. Each query groups by the path of the place's child a row lies under (the path up to the next ``/``), so a
region of Inner Mongolia's size answers a dozen rows, not one per village.

**Progress** of ``place`` (``progress``):

- ``own``: the place's own unit — its status, its due day and whether it is overdue.
- one row per child place (its direct children in the place tree, in code order), where ``done``/``total``/
  ``overdue`` count the *village* units at or under that child (the village work is what the campaign counts:
  a township's own submission is its row's ``status``): ``total`` all of them, ``done`` those submitted or
  approved, ``overdue`` those still open or returned after their due day. The row also carries the child's own
  unit: ``status``, ``due_on`` and ``late`` (the child itself overdue).
- ``late``: every overdue unit strictly below the place above the village level (league, county, township),
  so a late township is visible to its county, its league and the region, not only to its direct parent.

A unit is done when submitted or approved; overdue when open or returned and its due day is before ``today``
(the engine's day in China). A village place has no children: its progress is its own unit.

**Summary** of ``place`` (``summary``), one row per child place and a total; "during the campaign" means from
the day the campaign was opened (China) to the day it was closed, or until now while it is open; "in the campaign
year" from 1 January of its year to the same end:

- 应排查户数: the households of the area (one merged into another, 合户, no longer counts; every household counted
  below is such a resident one); 已核查户数: those checked in this campaign;
- 监测对象 (by monitoring type, households and persons): every household identified as a monitoring object,
  whether its risk is still there (monitored) or eliminated; persons are the members present (a member who left
  through a natural change is not counted);
- 本次新识别: monitoring objects identified during the campaign; 本次风险消除: eliminated during the campaign;
- 风险消除率 = 本次风险消除户数 ÷ (本次风险消除户数 + 风险未消除户数): of the households at risk at some time
  during the campaign (those still at risk and those whose risk it eliminated), the share eliminated;
- 风险未消除: monitoring objects still monitored (not eliminated);
- 人口自然变更: natural changes by kind whose day lies in the campaign year — the campaign reviews the year's
  households, and the changes a village records as they happen fall mostly before the campaign opens.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import and_, case, func, or_, select, text
from sqlalchemy.orm import Session

from engine.assignment import Actor
from engine.calendar import CHINA_TZ
from engine.errors import NotFound
from engine.plans import planned_for_values
from engine.scope import below, code_at
from monitoring.campaign_models import DONE_STATUSES, Campaign, CampaignCheck, CampaignUnit, UnitStatus
from monitoring.change_models import HouseholdChange
from monitoring.codelists import labels
from monitoring.models import Household, Member, MonitoringStatus, Place, PlaceLevel
from monitoring.places import place_in_scope

PENDING_STATUSES = (UnitStatus.OPEN, UnitStatus.RETURNED)
OBJECT_STATUSES = (MonitoringStatus.MONITORED, MonitoringStatus.ELIMINATED)  # a monitoring object, at risk or not
UNIT_STATUS_NAMES = {UnitStatus.OPEN: "进行中", UnitStatus.SUBMITTED: "已上报", UnitStatus.RETURNED: "已退回",
                     UnitStatus.APPROVED: "已审核通过"}
CHANGE_KINDS = {"birth": "出生", "death": "死亡", "marry_in": "婚入", "marry_out": "婚出", "move_in": "迁入",
                "move_out": "迁出", "split": "分户", "merge": "合户"}


@dataclass(frozen=True)
class UnitState:
    """A place's own part in the campaign."""

    place: str
    name: str
    level: str
    status: str
    due_on: date
    overdue: bool


@dataclass(frozen=True)
class ProgressRow:
    """A child place: its villages' work (done / total / overdue) and its own unit (None: it has none)."""

    place: str
    name: str
    level: str
    done: int
    total: int
    overdue: int
    unit: UnitState | None


@dataclass(frozen=True)
class Progress:
    place: Place
    own: UnitState | None
    rows: list[ProgressRow]
    late: list[UnitState]  # overdue units strictly below the place, above the village level

    @property
    def done(self) -> int:
        return sum(row.done for row in self.rows) if self.rows else int(_done_village(self.own))

    @property
    def total(self) -> int:
        return sum(row.total for row in self.rows) if self.rows else int(self.own is not None)

    @property
    def overdue(self) -> int:
        return sum(row.overdue for row in self.rows) if self.rows else int(bool(self.own and self.own.overdue))


def report_place(session: Session, actor: Actor, campaign: Campaign, code: str | None) -> Place:
    """The place whose progress and summary the actor reads: its own by default, or one in both the actor's scope
    and the campaign's; NotFound for any other, exactly like one that does not exist."""
    place = place_in_scope(session, actor, code or actor_place_code(actor))
    if not place.path.startswith(campaign.place_path):
        raise NotFound(f"place {place.code}")
    return place


def actor_place_code(actor: Actor) -> str:
    return code_at(actor.place_path)


def _done_village(unit: UnitState | None) -> bool:
    return unit is not None and unit.status in DONE_STATUSES


def _is_overdue(status: str, due_on: date | None, today: date) -> bool:
    return status in PENDING_STATUSES and due_on is not None and due_on < today


def _child_path(session: Session, column: Any, parent_path: str) -> Any:
    """SQL for the path of ``parent_path``'s child that ``column``'s path lies at or under (``parent_path`` itself
    for a row at the parent): the path up to the first ``/`` after the parent's. Grouping by it counts per child
    in the database, a dozen rows instead of one per village."""
    position = func.strpos if session.get_bind().dialect.name == "postgresql" else func.instr
    rest = func.substr(column, len(parent_path) + 1)
    return func.substr(column, 1, len(parent_path) + position(rest, "/"))


def _children(session: Session, place: Place) -> list[Place]:
    return list(session.execute(select(Place).where(Place.parent_code == place.code).order_by(Place.code))
                .scalars())


def _unit_state(unit: CampaignUnit, name: str, today: date) -> UnitState:
    return UnitState(unit.place_code, name, unit.level, unit.status, unit.due_on,
                     _is_overdue(unit.status, unit.due_on, today))


def progress(session: Session, campaign: Campaign, place: Place, today: date) -> Progress:
    """The campaign as ``place`` follows it on ``today`` (see the module's docstring for each figure)."""
    children = _children(session, place)
    child_of = _child_path(session, CampaignUnit.place_path, place.path)
    counts = {path: (total, int(done or 0), int(late or 0)) for path, total, done, late in session.execute(
        select(child_of, func.count(), func.sum(case((CampaignUnit.status.in_(DONE_STATUSES), 1), else_=0)),
               func.sum(case((and_(CampaignUnit.status.in_(PENDING_STATUSES), CampaignUnit.due_on < today), 1),
                             else_=0)))
        .where(CampaignUnit.campaign_id == campaign.id, below(CampaignUnit.place_path, place.path),
               CampaignUnit.place_path != place.path, CampaignUnit.level == PlaceLevel.VILLAGE)
        .group_by(child_of))}
    units = {unit.place_code: unit for unit in session.execute(
        select(CampaignUnit).where(CampaignUnit.campaign_id == campaign.id,
                                   or_(CampaignUnit.place_code == place.code,
                                       CampaignUnit.parent_code == place.code))).scalars()}
    own = units.get(place.code)
    progress_rows = []
    for child in children:
        total, done, late = counts.get(child.path, (0, 0, 0))
        unit = units.get(child.code)
        progress_rows.append(ProgressRow(child.code, child.name, child.level, done, total, late,
                                         _unit_state(unit, child.name, today) if unit else None))
    return Progress(place, _unit_state(own, place.name, today) if own else None, progress_rows,
                    _late_below(session, campaign, place, today))


def _late_below(session: Session, campaign: Campaign, place: Place, today: date) -> list[UnitState]:
    rows = session.execute(
        select(CampaignUnit, Place.name).join(Place, Place.code == CampaignUnit.place_code)
        .where(CampaignUnit.campaign_id == campaign.id, below(CampaignUnit.place_path, place.path),
               CampaignUnit.place_path != place.path, CampaignUnit.level != PlaceLevel.VILLAGE,
               CampaignUnit.status.in_(PENDING_STATUSES), CampaignUnit.due_on < today)
        .order_by(CampaignUnit.place_path))
    return [_unit_state(unit, name, today) for unit, name in rows]


@dataclass
class SummaryRow:
    """One line of the 集中排查情况统计表 (an area, or the total)."""

    place: str
    name: str
    households: int = 0  # 应排查户数
    checked: int = 0  # 已核查户数
    objects: int = 0  # 监测对象户数
    object_persons: int = 0
    by_type: dict[str, list[int]] = field(default_factory=dict)  # monitoring type -> [households, persons]
    identified: int = 0  # 本次新识别
    identified_persons: int = 0
    eliminated: int = 0  # 本次风险消除
    eliminated_persons: int = 0
    at_risk: int = 0  # 风险未消除
    at_risk_persons: int = 0
    changes: dict[str, int] = field(default_factory=dict)  # natural change kind -> count

    @property
    def elimination_rate(self) -> Decimal | None:
        """本次风险消除 ÷ (本次风险消除 + 风险未消除), as a percentage with one decimal; None when neither."""
        base = self.eliminated + self.at_risk
        if not base:
            return None
        return (Decimal(100 * self.eliminated) / base).quantize(Decimal("0.1"), ROUND_HALF_UP)

    def count_objects(self, status: str, kind: str, number: int, identified: int, eliminated: int,
                      persons: bool) -> None:
        """Add ``number`` monitoring objects of a status and type (households, or their members when ``persons``),
        of which ``identified`` were identified and ``eliminated`` eliminated during the campaign."""
        at_risk = number if status == MonitoringStatus.MONITORED else 0
        if persons:
            self.object_persons += number
            self.identified_persons += identified
            self.eliminated_persons += eliminated
            self.at_risk_persons += at_risk
        else:
            self.objects += number
            self.identified += identified
            self.eliminated += eliminated
            self.at_risk += at_risk
        self.by_type.setdefault(kind, [0, 0])[1 if persons else 0] += number

    def add(self, other: SummaryRow) -> None:
        for f in fields(self):
            value = getattr(other, f.name)
            if isinstance(value, int):
                setattr(self, f.name, getattr(self, f.name) + value)
        for kind, (households, persons) in other.by_type.items():
            mine = self.by_type.setdefault(kind, [0, 0])
            mine[0] += households
            mine[1] += persons
        for kind, number in other.changes.items():
            self.changes[kind] = self.changes.get(kind, 0) + number


@dataclass(frozen=True)
class Summary:
    place: Place
    campaign: Campaign
    area_level: str  # the level of the rows (the children's), or the place's own for a village
    starts_on: date
    ends_on: date | None  # None while the campaign is open
    changes_from: date  # natural changes count from 1 January of the campaign year (to ``ends_on``)
    types: dict[str, str]  # monitoring type code -> its name, in the code list's order
    rows: list[SummaryRow]
    total: SummaryRow


def campaign_period(campaign: Campaign) -> tuple[date, date | None]:
    """The campaign's days in China: from its opening day to its closing day (None while open)."""
    starts_on = campaign.opened_at.astimezone(CHINA_TZ).date()
    return starts_on, campaign.closed_at.astimezone(CHINA_TZ).date() if campaign.closed_at else None


def _during(column: Any, starts_on: date, ends_on: date | None) -> Any:
    return and_(column >= starts_on, column <= ends_on) if ends_on else column >= starts_on


def _resident() -> Any:
    """Households still living as one: a household merged into another (合户) is kept but no longer counted."""
    return Household.merged_into_id.is_(None)


@planned_for_values
def summary(session: Session, campaign: Campaign, place: Place) -> Summary:
    """The 集中排查情况统计表 of ``place``: one row per child place and the total (definitions in the docstring)."""
    starts_on, ends_on = campaign_period(campaign)
    changes_from = date(campaign.year, 1, 1)
    children = _children(session, place)
    rows = {child.path: SummaryRow(child.code, child.name) for child in children} or \
        {place.path: SummaryRow(place.code, place.name)}

    _without_jit(session)
    in_place = and_(below(Household.place_path, place.path), _resident())
    child = _child_path(session, Household.place_path, place.path)
    checked = session.execute(
        select(child, func.count(Household.id), func.count(CampaignCheck.id))
        .select_from(Household)
        .outerjoin(CampaignCheck, and_(CampaignCheck.household_id == Household.id,
                                       CampaignCheck.campaign_id == campaign.id))
        .where(in_place).group_by(child))
    for path, households, done in checked:
        if (row := rows.get(path)) is not None:
            row.households += households
            row.checked += done
    _add_objects(session, in_place, child, starts_on, ends_on, rows)
    changed = _child_path(session, HouseholdChange.place_path, place.path)
    changes = session.execute(
        select(changed, HouseholdChange.kind, func.count())
        .where(below(HouseholdChange.place_path, place.path),
               _during(HouseholdChange.occurred_on, changes_from, ends_on))
        .group_by(changed, HouseholdChange.kind))
    for path, kind, number in changes:
        if (row := rows.get(path)) is not None:
            row.changes[kind] = row.changes.get(kind, 0) + number
    total = SummaryRow(place.code, "合计")
    for row in rows.values():
        total.add(row)
    level = children[0].level if children else place.level
    return Summary(place, campaign, level, starts_on, ends_on, changes_from,
                   labels(session, "monitoring_type", include_retired=True), list(rows.values()), total)


def _without_jit(session: Session) -> None:
    """PostgreSQL compiles a query it estimates costly (a region's aggregates) to machine code first; measured on the
    benchmark's region that took 0.34 s of the summary's 0.9 s, more than it saves, so this transaction does without."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL jit = off"))


def _add_objects(session: Session, in_place: Any, child: Any, starts_on: date, ends_on: date | None,
                 rows: dict[str, SummaryRow]) -> None:
    """Monitoring objects by child place, status and type, counted in households and in their members present,
    with what the campaign did to them. (Counting each household's members by an indexed subquery costs less
    than joining them: measured on the benchmark's region.)"""
    identified = case((_during(Household.monitored_since, starts_on, ends_on), 1), else_=0)
    eliminated = case((and_(Household.monitoring_status == MonitoringStatus.ELIMINATED,
                            _during(Household.eliminated_on, starts_on, ends_on)), 1), else_=0)
    persons = (select(func.count(Member.id)).where(Member.household_id == Household.id, Member.left_on.is_(None))
               .correlate(Household).scalar_subquery())
    keys = (child, Household.monitoring_status, Household.monitoring_type, identified, eliminated)
    found = session.execute(
        select(*keys, func.count(Household.id), func.coalesce(func.sum(persons), 0))
        .where(in_place, Household.monitoring_status.in_(OBJECT_STATUSES)).group_by(*keys))
    for path, status, kind, new, gone, households, people in found:
        if (row := rows.get(path)) is not None:
            row.count_objects(status, kind or "", households, households * new, households * gone, persons=False)
            people = int(people)  # PostgreSQL sums to a numeric
            row.count_objects(status, kind or "", people, people * new, people * gone, persons=True)


def summary_as_dict(found: Summary) -> dict[str, Any]:
    """The summary as the API answers it."""
    def line(row: SummaryRow) -> dict[str, Any]:
        rate = row.elimination_rate
        return {"place": row.place, "name": row.name, "households": row.households, "checked": row.checked,
                "objects": {"households": row.objects, "persons": row.object_persons},
                "by_type": {kind: {"households": n[0], "persons": n[1]} for kind, n in row.by_type.items()},
                "identified": {"households": row.identified, "persons": row.identified_persons},
                "eliminated": {"households": row.eliminated, "persons": row.eliminated_persons},
                "elimination_rate": float(rate) if rate is not None else None,
                "at_risk": {"households": row.at_risk, "persons": row.at_risk_persons},
                "natural_changes": {kind: row.changes.get(kind, 0) for kind in CHANGE_KINDS}}

    return {"place": found.place.code, "name": found.place.name, "area_level": found.area_level,
            "from": found.starts_on.isoformat(), "to": found.ends_on.isoformat() if found.ends_on else None,
            "natural_changes_from": found.changes_from.isoformat(),
            "rows": [line(row) for row in found.rows], "total": line(found.total)}


def unit_as_dict(unit: UnitState | None) -> dict[str, Any] | None:
    if unit is None:
        return None
    return {"place": unit.place, "name": unit.name, "level": unit.level, "status": unit.status,
            "due_on": unit.due_on.isoformat(), "overdue": unit.overdue}


def progress_as_dict(found: Progress) -> dict[str, Any]:
    """The progress as the API answers it: the place's own unit, a row per child, the late units below."""
    return {"own": unit_as_dict(found.own), "done": found.done, "total": found.total, "overdue": found.overdue,
            "rows": [{"place": row.place, "name": row.name, "level": row.level, "done": row.done,
                      "total": row.total, "overdue": row.overdue, "status": row.unit.status if row.unit else None,
                      "due_on": row.unit.due_on.isoformat() if row.unit else None,
                      "late": bool(row.unit and row.unit.overdue)} for row in found.rows],
            "late": [unit_as_dict(unit) for unit in found.late]}


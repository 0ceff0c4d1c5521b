"""A village's part in the annual campaign (村级年度排查): the worklist of every resident household, the year's
measurement against the campaign's income line, checking a household, nominating one for identification and
proposing an elimination. Only the village's own users act, and only while the village's unit is open or returned;
the places above read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, delete, exists, func, literal, select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.assignment import Actor
from engine.core import Engine
from engine.errors import Conflict, Forbidden, InvalidData, NotFound
from engine.limits import string_length
from engine.models import InstanceStatus, ProcessInstance
from engine.paging import Key, Page, count, decode_cursor, encode_cursor
from engine.text import read_text
from monitoring import cases, households
from monitoring.campaign_models import Campaign, CampaignCheck, CampaignStatus, CampaignUnit, UnitStatus
from monitoring.campaigns import unit_of
from monitoring.codelists import labels
from monitoring.id_number import mask_id_number
from monitoring.models import (
    Household,
    Measurement,
    MeasurementHistory,
    Member,
    MonitoringStatus,
    PlaceLevel,
    Role,
)
from monitoring.processes import ProcessDescriptor, risk_elimination
from monitoring.processes.site_visits import site_visit
from monitoring.rules import INCOME_FIELDS, net_income, per_capita_income

FILTERS = ("unchecked", "monitored", "below_line")
WORKING = (UnitStatus.OPEN, UnitStatus.RETURNED)
NOMINATION_CHANNEL = "cadre_screening"  # 干部排查: identification starts at its visit (step 2)


@dataclass(frozen=True)
class WorklistRow:
    household_id: int
    head_name: str
    id_number: str  # masked
    size: int
    monitoring_status: str
    monitoring_type: str | None
    last_measurement: dict[str, Any] | None  # year, per_capita, measured_on: the last before the campaign opened
    this_year: dict[str, Any] | None  # per_capita, below_line
    checked: dict[str, Any] | None  # by, at, note
    open_case: dict[str, Any] | None  # process, instance_id


def _village(session: Session, campaign: Campaign, village_code: str) -> CampaignUnit:
    unit = unit_of(session, campaign, village_code)
    if unit.level != PlaceLevel.VILLAGE:
        raise NotFound(f"campaign village {village_code}")
    return unit


def _resident(village_code: str) -> tuple[Any, ...]:
    """The village's households still living as one (a household merged into another has left the list)."""
    return Household.village_code == village_code, Household.merged_into_id.is_(None)


def _checked_ids(campaign: Campaign) -> Any:
    return select(CampaignCheck.household_id).where(CampaignCheck.campaign_id == campaign.id)


def _size() -> Any:
    """The members present of the outer query's household: correlated to it explicitly, since it sits inside the
    measurement's EXISTS, where automatic correlation would join a second, unrelated ``households``."""
    return (select(func.count(Member.id)).where(Member.household_id == Household.id, Member.left_on.is_(None))
            .correlate(Household).scalar_subquery())


def _below_line(campaign: Campaign) -> Any:
    """The campaign year's net income under the line for each person of the household (per-capita under the line)."""
    net = sum((getattr(Measurement, name) for name in INCOME_FIELDS[1:]), getattr(Measurement, INCOME_FIELDS[0])) \
        - Measurement.business_expenses
    size = _size()
    return exists().where(Measurement.household_id == Household.id, Measurement.year == campaign.year,
                          size > 0, net < campaign.income_line * size)


def is_below_line(campaign: Campaign, measurement: Measurement, size: int) -> bool:
    """The row's reading of the same rule ``_below_line`` asks in SQL."""
    return net_income(measurement) < Decimal(campaign.income_line) * size


def _rank(campaign: Campaign) -> Any:
    """Where a household stands in the list: the monitoring objects first (those not yet checked before the checked
    ones), then the other households not yet checked, then the rest — what the village must do comes first."""
    monitored = Household.monitoring_status == MonitoringStatus.MONITORED
    checked = Household.id.in_(_checked_ids(campaign))
    return case((and_(monitored, ~checked), 0), (monitored, 1), (~checked, 2), else_=3)


RANKS = range(4)
_CURSOR_KEYS = (Key(Household.id), Key(Household.id))  # the cursor holds (rank, household id): both integers


def worklist(session: Session, campaign: Campaign, village_code: str, *, after: str | None = None, limit: int = 50,
             only: str | None = None) -> Page[WorklistRow]:
    """One page of the village's resident households by ``_rank``, then registration order (keyset on both), with
    what each needs."""
    _village(session, campaign, village_code)
    if only is not None and only not in FILTERS:
        raise InvalidData("筛选条件无效", {"only": "应为 " + "/".join(FILTERS)})
    query = select(Household).where(*_resident(village_code))
    if only == "unchecked":
        query = query.where(Household.id.not_in(_checked_ids(campaign)))
    elif only == "monitored":
        query = query.where(Household.monitoring_status == MonitoringStatus.MONITORED)
    elif only == "below_line":
        query = query.where(_below_line(campaign))
    rank = _rank(campaign)
    ranked = query.add_columns(rank).order_by(rank, Household.id)
    if after is not None:
        last_rank, last_id = decode_cursor(after, _CURSOR_KEYS)
        if last_rank not in RANKS:
            raise InvalidData("翻页位置无效", {"after": "翻页位置无效，请从第一页重新查看"})
        ranked = ranked.where(tuple_(rank, Household.id) > tuple_(literal(last_rank), literal(last_id)))
    found = session.execute(ranked.limit(limit + 1)).all()
    more = len(found) > limit
    found = found[:limit]
    cursor = encode_cursor([found[-1][1], found[-1][0].id]) if more else None
    return Page(_rows(session, campaign, [household for household, _ in found]), count(session, query), cursor)


def _rows(session: Session, campaign: Campaign, rows: list[Household]) -> list[WorklistRow]:
    """What each household of the page needs, read for the whole page at once."""
    ids = [h.id for h in rows]
    members: dict[int, list[Member]] = {}
    for member in session.execute(select(Member).where(Member.household_id.in_(ids), Member.left_on.is_(None))
                                  .order_by(Member.household_id, Member.position)).scalars():
        members.setdefault(member.household_id, []).append(member)
    this_year = {m.household_id: m for m in session.execute(select(Measurement).where(
        Measurement.household_id.in_(ids), Measurement.year == campaign.year)).scalars()}
    before: dict[int, MeasurementHistory] = {}  # the last measurement known when the campaign opened
    for entry in session.execute(select(MeasurementHistory).where(
            MeasurementHistory.household_id.in_(ids), MeasurementHistory.recorded_at < campaign.opened_at)
            .order_by(MeasurementHistory.measured_on, MeasurementHistory.recorded_at, MeasurementHistory.id)).scalars():
        before[entry.household_id] = entry
    checks = {c.household_id: c for c in session.execute(select(CampaignCheck).where(
        CampaignCheck.campaign_id == campaign.id, CampaignCheck.household_id.in_(ids))).scalars()}
    open_cases: dict[int, dict[str, Any]] = {}
    keys = {cases.business_key(i): i for i in ids}
    for instance_id, key, process in session.execute(
            select(ProcessInstance.id, ProcessInstance.business_key, ProcessInstance.process_key)
            .where(ProcessInstance.business_key.in_(keys), ProcessInstance.status == InstanceStatus.RUNNING)
            .order_by(ProcessInstance.id)):
        open_cases.setdefault(keys[key], {"process": process, "instance_id": instance_id})
    result = []
    for household in rows:
        present = members.get(household.id, [])
        head = next((m for m in present if m.relation == households.HEAD), present[0] if present else None)
        size = len(present)
        last = before.get(household.id)
        this = this_year.get(household.id)
        check = checks.get(household.id)
        result.append(WorklistRow(
            household.id, head.name if head else "", mask_id_number(head.id_number) if head else "", size,
            household.monitoring_status, household.monitoring_type,
            {"year": last.year, "per_capita": float(last.per_capita_income),
             "measured_on": last.measured_on.isoformat()} if last is not None else None,
            {"per_capita": _per_capita(this, size), "below_line": is_below_line(campaign, this, size)}
            if this is not None and size else None,
            {"by": check.checked_by, "at": check.checked_at, "note": check.note} if check else None,
            open_cases.get(household.id)))
    return result


def _per_capita(m: Measurement, size: int) -> float | None:
    return float(per_capita_income(m, size)) if size else None


def worklist_counts(session: Session, campaign: Campaign, village_code: str) -> dict[str, int]:
    """The village's totals: households, monitoring objects, checked, unchecked monitoring objects, measured this
    year and below the line — one query."""
    _village(session, campaign, village_code)
    checked = Household.id.in_(_checked_ids(campaign))
    monitored = Household.monitoring_status == MonitoringStatus.MONITORED
    measured = exists().where(Measurement.household_id == Household.id, Measurement.year == campaign.year)
    row = session.execute(select(
        func.count(), func.count().filter(monitored), func.count().filter(checked),
        func.count().filter(and_(monitored, ~checked)), func.count().filter(measured),
        func.count().filter(_below_line(campaign)),
    ).select_from(Household).where(*_resident(village_code))).one()
    return dict(zip(("households", "monitored", "checked", "unchecked_monitored", "measured", "below_line"), row,
                    strict=True))


def _acting(session: Session, actor: Actor, campaign: Campaign, household_id: Any) -> Household:
    """The household, acted on by its own village's user while the village's part is open or returned."""
    if isinstance(household_id, bool) or not isinstance(household_id, int):
        raise InvalidData("农户编号无效", {"household_id": "应为农户编号"})
    household = households.visible_household(session, household_id, actor)
    unit = _village(session, campaign, household.village_code)
    if actor.role != Role.VILLAGE or actor.place_path != unit.place_path:
        raise Forbidden("只有本嘎查村的干部可以办理本村的年度排查")
    if campaign.status != CampaignStatus.OPEN or unit.status not in WORKING:
        raise Conflict("本村年度排查已上报，不能再修改")
    if household.merged_into_id is not None:
        raise InvalidData("该农户已并入其他农户", {"household_id": "该农户已并入其他农户，不在排查名单上"})
    return household


def check_household(session: Session, actor: Actor, campaign: Campaign, household_id: Any, note: Any,
                    now: datetime) -> CampaignCheck:
    """Mark a household checked; a monitoring object only once the campaign year's measurement is recorded."""
    household = _acting(session, actor, campaign, household_id)
    fields: dict[str, str] = {}
    text = read_text(note, "note", fields, string_length(CampaignCheck.note), label="核实说明", required=False,
                     multiline=True)
    if household.monitoring_status == MonitoringStatus.MONITORED and not any(
            m.year == campaign.year for m in household.measurements):
        fields["measurement"] = f"监测对象须先录入{campaign.year}年收支测算"
    if fields:
        raise InvalidData("不能标记为已核实", fields)
    row = CampaignCheck(campaign_id=campaign.id, household_id=household.id, checked_at=now,
                        checked_by=actor.username, note=text or None)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        raise Conflict("该农户已标记为已核实") from None
    return row


def uncheck_household(session: Session, actor: Actor, campaign: Campaign, household_id: Any) -> None:
    household = _acting(session, actor, campaign, household_id)
    removed = session.execute(delete(CampaignCheck).where(CampaignCheck.campaign_id == campaign.id,
                                                          CampaignCheck.household_id == household.id)).rowcount
    if not removed:
        raise NotFound(f"campaign check {household.id}")


def prefill_year_measurement(session: Session, campaign: Campaign, household_id: int) -> dict[str, Any]:
    """The campaign year's figures start from the household's last measurement (as a visit's form starts)."""
    household = session.get(Household, household_id)
    if household is None:
        raise NotFound(f"Household {household_id}")
    return site_visit(household, {"campaign": True}, date(campaign.year, 1, 1), "campaign")


def nominate(engine: Engine, session: Session, actor: Actor, campaign: Campaign, household_id: Any) -> int:
    """Nominate a household found at risk: identification starts at its visit (干部排查), marked as the campaign's,
    under identification's own start rules."""
    household = _acting(session, actor, campaign, household_id)
    return cases.start_case(engine, session, actor, "identification", household.id,
                            {"channel": NOMINATION_CHANNEL, "campaign_id": campaign.id})


def record_year_measurement(session: Session, actor: Actor, campaign: Campaign, household_id: Any,
                            figures: Any, now: datetime) -> dict[str, Any]:
    """The campaign year's measurement by the one measurement rule (per-capita computed, never typed), compared with
    the campaign's income line."""
    household = _acting(session, actor, campaign, household_id)
    if not isinstance(figures, dict):
        raise InvalidData("收支信息有误", {"measurement": "应为对象"})
    if "year" in figures and figures["year"] != campaign.year:
        raise InvalidData("收支信息有误", {"year": f"年度排查只录入{campaign.year}年收支"})
    row = households.record_measurement(session, household, {**figures, "year": campaign.year}, actor.username, now)
    size = household.size
    return {"year": row.year, "per_capita": _per_capita(row, size),
            "income_line": float(campaign.income_line),
            "below_line": is_below_line(campaign, row, size) if size else None}


def elimination_offers(session: Session, rows: list[WorklistRow], today: date) -> dict[int, str | None]:
    """For each monitoring object of a page: None when 提出风险消除 may start today — risk elimination's own start
    rules (its descriptor's ``check_start``) allow it by some elimination method and no elimination is open —
    else why not, in the rule's words (the reasons that hold whichever method is chosen)."""
    described = risk_elimination.DESCRIPTOR
    methods = list(labels(session, "elimination_method"))
    monitored = [row.household_id for row in rows if row.monitoring_status == MonitoringStatus.MONITORED]
    running = set(session.execute(select(ProcessInstance.business_key).where(
        ProcessInstance.business_key.in_([cases.business_key(i) for i in monitored]),
        ProcessInstance.process_key == described.key, ProcessInstance.status == InstanceStatus.RUNNING)).scalars())
    offers: dict[int, str | None] = {}
    for household_id in monitored:
        if described.one_open_case and cases.business_key(household_id) in running:
            offers[household_id] = "风险消除办理中"
            continue
        offers[household_id] = _start_refusal(session, described, session.get(Household, household_id), methods,
                                              today)
    return offers


def _start_refusal(session: Session, described: ProcessDescriptor, household: Household, methods: list[str],
                   today: date) -> str | None:
    if described.check_start is None:
        return None
    reasons: dict[str, str] | None = None
    for method in methods:
        try:
            described.check_start(session, household, {"method": method}, today)
        except InvalidData as refused:
            fields = refused.fields or {"_": str(refused)}
            reasons = fields if reasons is None else {key: why for key, why in reasons.items() if key in fields}
        else:
            return None
    return "；".join((reasons or {}).values()) or "现在不能发起风险消除"

"""The annual adjustment campaign (年度动态管理, domain.md §7): a region opens the year's campaign with its income line
and a deadline per level; every place below gets its unit, and every township its case of ``annual_adjustment``, whose
villages' tasks each village works at its own place (a county's, league's and region's cases start only when the
last place below reports). The rules the campaign's BPMN calls live in ``campaign_steps``."""

from __future__ import annotations

from datetime import date, datetime
from itertools import pairwise
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.assignment import Actor
from engine.core import Engine
from engine.errors import Conflict, Forbidden, InvalidData, NotFound
from engine.limits import to_decimal
from engine.paging import Key, Page, Window, page
from engine.scope import below
from engine.versions import latest_version
from monitoring import thresholds
from monitoring.campaign_models import Campaign, CampaignUnit, UnitStatus
from monitoring.cases import CaseNotStarted
from monitoring.models import LEVEL_NAMES, Place, PlaceLevel, Role
from monitoring.places import place_in_scope

PROCESS = "annual_adjustment"
DEADLINE_LEVELS = (PlaceLevel.VILLAGE, PlaceLevel.TOWNSHIP, PlaceLevel.COUNTY, PlaceLevel.LEAGUE, PlaceLevel.REGION)
REQUIRED_DEADLINES = DEADLINE_LEVELS[:4]  # the region's own defaults to the league's
# the level each of whose places runs one case from the opening, holding its villages' tasks: a township's case is
# small (its ~14 villages), so a village's step loads and saves little and the villages of a county do not queue on
# one case's lock
CASE_LEVEL = PlaceLevel.TOWNSHIP


class CampaignExists(Conflict):
    """A place opens one campaign a year."""

    code = "already_open"

    def __init__(self, campaign_id: int | None) -> None:
        super().__init__(f"该地区本年度已开启年度动态管理 (#{campaign_id})")
        self.campaign_id = campaign_id


def business_key(campaign_id: int, place_code: str) -> str:
    return f"campaign:{campaign_id}:{place_code}"


def campaign_id_of(key: str | None) -> int | None:
    """The campaign a case belongs to, from its business key; None for a case of none."""
    prefix, _, rest = (key or "").partition(":")
    value = rest.partition(":")[0]
    return int(value) if prefix == "campaign" and value.isdigit() else None


def open_campaign(session: Session, engine: Engine, actor: Actor, *, year: Any, place_code: Any, income_line: Any,
                  deadlines: Any, now: datetime) -> Campaign:
    """Open the year's campaign of a region: the year's income line set there (as the admin page sets it), one unit
    per place of the region, and one case per township, all in the caller's transaction — or nothing when any part
    is refused. A second campaign of the same place and year is refused (409)."""
    if actor.role != Role.REGION:
        raise Forbidden("只有自治区可以开启年度动态管理")
    if not isinstance(place_code, str) or not place_code:
        raise InvalidData("开启年度动态管理的信息有误", {"place": "必填：开启的自治区代码"})
    place = place_in_scope(session, actor, place_code)
    today = engine.today()
    fields: dict[str, str] = {}
    if place.level != PlaceLevel.REGION:
        fields["place"] = "年度动态管理由自治区开启"
    # the adjustment measures the year's income: a campaign for a year not yet lived would have villages record
    # income that does not exist yet, so only the current year (by the engine's clock) is opened
    if isinstance(year, bool) or not isinstance(year, int) or year != today.year:
        fields["year"] = f"应为本年度（{today.year}）"
    try:
        line = to_decimal(income_line, Campaign.income_line, positive=True)
    except ValueError as exc:
        fields["income_line"] = str(exc)
    due = read_deadlines(deadlines, today, fields)
    if fields:
        raise InvalidData("开启年度动态管理的信息有误", fields)
    existing = session.execute(select(Campaign.id).where(Campaign.place_code == place.code,
                                                         Campaign.year == year)).scalar()
    if existing is not None:
        raise CampaignExists(existing)
    campaign = Campaign(year=year, place_code=place.code, place_path=place.path, income_line=line,
                        deadlines={str(level): day.isoformat() for level, day in due.items()}, status="open",
                        opened_by=actor.username, opened_at=now)
    try:
        with session.begin_nested():  # a concurrent opening that committed first: refused, nothing written
            session.add(campaign)
            session.flush()
    except IntegrityError:
        raise CampaignExists(session.execute(select(Campaign.id).where(
            Campaign.place_code == place.code, Campaign.year == year)).scalar()) from None
    thresholds.set_threshold(session, thresholds.INCOME_LINE, place.code, year, line, actor.username, now,
                             note=f"{year}年度动态管理")
    _add_units(session, campaign, place, due)
    _start_cases(session, engine, actor, campaign)
    return campaign


def read_deadlines(raw: Any, today: date, fields: dict[str, str]) -> dict[str, date]:
    """A real day per level, none before today, each level's no earlier than the level below's; the region's
    defaults to the league's."""
    if not isinstance(raw, dict):
        fields["deadlines"] = "应为各级截止日期：village、township、county、league（region 可选）"
        return {}
    unknown = sorted(set(raw) - set(DEADLINE_LEVELS), key=str)
    for name in unknown:
        fields[f"deadlines.{name}"] = "不是区划级别"
    days: dict[str, date] = {}
    for level in DEADLINE_LEVELS:
        value = raw.get(level)
        if value is None and level == PlaceLevel.REGION and PlaceLevel.LEAGUE in days:
            days[level] = days[PlaceLevel.LEAGUE]
            continue
        where = f"deadlines.{level}"
        if value is None:
            if level in REQUIRED_DEADLINES:
                fields[where] = f"必填：{LEVEL_NAMES[level]}截止日期"
            continue
        try:
            day = date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
        except ValueError:
            day = None
        if day is None or not 2000 <= day.year <= 2100:
            fields[where] = "应为日期，如 2026-12-31"
        elif day < today:
            fields[where] = "截止日期不能早于今天"
        else:
            days[level] = day
    for lower, upper in pairwise(DEADLINE_LEVELS):
        if lower in days and upper in days and days[upper] < days[lower]:
            fields.setdefault(f"deadlines.{upper}",
                              f"{LEVEL_NAMES[upper]}截止日期不能早于{LEVEL_NAMES[lower]}截止日期")
    return days


def _add_units(session: Session, campaign: Campaign, place: Place, due: dict[str, date]) -> None:
    """One unit per place of the subtree, from one read of it and one bulk insert."""
    subtree = session.execute(select(Place.code, Place.path, Place.level, Place.parent_code)
                              .where(below(Place.path, place.path)).order_by(Place.path)).all()
    rows = [{"campaign_id": campaign.id, "place_code": code, "place_path": path, "level": level,
             "parent_code": parent if code != place.code else None, "due_on": due[level],
             "status": UnitStatus.OPEN} for code, path, level, parent in subtree if level in due]
    if rows:
        session.execute(insert(CampaignUnit), rows)


def case_view(campaign: Campaign, code: str, name: str | None, parent: str | None) -> dict[str, Any]:
    """What a case's steps read of its campaign: its place (code and name, what its own tasks are about), the
    parent its 督办 and follow-up go to, and the deadlines per level."""
    return {"campaign_id": campaign.id, "year": campaign.year, "place": code, "name": name, "parent": parent,
            "deadlines": dict(campaign.deadlines)}


def _start_cases(session: Session, engine: Engine, actor: Actor, campaign: Campaign) -> None:
    """One case per township, started by the region's user with what it reads (its campaign and its villages, from
    one read of the units: no script runs to look them up), and recorded on the units whose tasks it holds; a case
    that cannot start refuses the opening."""
    townships = _townships_with_villages(session, campaign)
    if not townships:
        raise InvalidData("开启年度动态管理的信息有误", {"place": "该自治区下没有苏木乡镇"})
    version = engine.versions.get(session, latest_version(session, PROCESS).id)
    held: list[dict[str, Any]] = []
    for township, villages, unit_ids in townships:
        data = {"villages": villages,
                "campaign": case_view(campaign, township.place_code, township.name, township.parent_code)}
        step = engine.create_instance(session, version, township.place_code, township.place_path, actor.username,
                                      data, business_key(campaign.id, township.place_code))
        if step.error is not None:
            raise CaseNotStarted(f"苏木乡镇 {township.place_code} 的年度动态管理流程未能启动: {step.error}")
        held.extend({"id": unit_id, "instance_id": step.instance_id} for unit_id in unit_ids)
    session.execute(update(CampaignUnit), held)


def _townships_with_villages(session: Session, campaign: Campaign) -> list[tuple[Any, list[dict[str, str]], list[int]]]:
    """The campaign's township units, each with its villages (code, where the village's task goes, and name, what
    it is about) and the ids of the units its case holds (its own and its villages'), in tree order."""
    rows = session.execute(
        select(CampaignUnit.id, CampaignUnit.place_code, CampaignUnit.place_path, CampaignUnit.parent_code,
               CampaignUnit.level, Place.name).join(Place, Place.code == CampaignUnit.place_code)
        .where(CampaignUnit.campaign_id == campaign.id,
               CampaignUnit.level.in_((PlaceLevel.TOWNSHIP, PlaceLevel.VILLAGE)))
        .order_by(CampaignUnit.place_path)).all()
    townships: list[tuple[Any, list[dict[str, str]], list[int]]] = []
    for row in rows:
        if row.level == PlaceLevel.TOWNSHIP:
            townships.append((row, [], [row.id]))
        elif townships and row.parent_code == townships[-1][0].place_code:
            townships[-1][1].append({"code": row.place_code, "name": row.name})
            townships[-1][2].append(row.id)
    return townships


def visible_campaign(session: Session, actor: Actor, campaign_id: int) -> Campaign:
    """A campaign of the actor's place or of a place above it; NotFound for any other (and for a line department)."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None or not actor.place_scope or not actor.place_path.startswith(campaign.place_path):
        raise NotFound(f"campaign {campaign_id}")
    return campaign


CAMPAIGN_ORDER = (Key(Campaign.year, descending=True), Key(Campaign.id, descending=True))


def campaigns_page(session: Session, actor: Actor, window: Window) -> Page[Campaign]:
    """One page of the campaigns the actor takes part in (opened at its place or above), newest first."""
    if not actor.place_scope:
        return Page([], 0, None)
    codes = [code for code in actor.place_path.strip("/").split("/") if code]
    paths = ["/" + "/".join(codes[:n]) + "/" for n in range(1, len(codes) + 1)]
    return page(session, select(Campaign).where(Campaign.place_path.in_(paths)), CAMPAIGN_ORDER, window)


def unit_of(session: Session, campaign: Campaign, place_code: str) -> CampaignUnit:
    unit = session.execute(select(CampaignUnit).where(CampaignUnit.campaign_id == campaign.id,
                                                      CampaignUnit.place_code == place_code)).scalar()
    if unit is None:
        raise NotFound(f"campaign unit {place_code}")
    return unit

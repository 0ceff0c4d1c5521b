"""The functions ``processes/annual_adjustment.bpmn`` calls: what a case reads of its campaign, and what each level's
submission, review and receipt do to its unit. The campaign and the case's place come from the case itself (its
business key and place), never from task data, so no form answer can point a step at another campaign or place."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select

from engine import clock
from engine.errors import InvalidData, ScriptError
from engine.limits import string_length
from engine.models import ProcessInstance
from engine.scope import below
from engine.scripting import current_step
from engine.text import read_text
from monitoring.campaign_models import Campaign, CampaignCheck, CampaignStatus, CampaignUnit, UnitStatus
from monitoring.campaigns import business_key, campaign_id_of, case_view
from monitoring.models import LEVEL_NAMES, Household, Member, MonitoringStatus, Place

OPEN_TO_SUBMIT = (UnitStatus.OPEN, UnitStatus.RETURNED)
NAMES_SHOWN = 5  # unchecked households named in a refusal


def _case() -> tuple[Campaign, str, str]:
    """The running case's campaign, place code and place path."""
    step = current_step()
    row = step.session.execute(select(ProcessInstance.business_key, ProcessInstance.place_code,
                                      ProcessInstance.place_path)
                               .where(ProcessInstance.id == step.instance_id)).one()
    campaign_id = campaign_id_of(row.business_key)
    campaign = step.session.get(Campaign, campaign_id) if campaign_id is not None else None
    if campaign is None:
        raise ScriptError("此流程不是年度动态管理案件，不能调用年度动态管理的办理函数")
    return campaign, row.place_code, row.place_path


def _unit(campaign: Campaign, case_path: str, place_code: Any) -> CampaignUnit:
    """A unit of the campaign at the case's place or below it (a case acts on its own line only)."""
    query = select(CampaignUnit).where(CampaignUnit.campaign_id == campaign.id,
                                       CampaignUnit.place_code == str(place_code),
                                       below(CampaignUnit.place_path, case_path))
    unit = current_step().session.execute(query).scalar()
    if unit is None:
        raise ScriptError(f"区划 {place_code} 不在本案件的年度动态管理范围内")
    return unit


def campaign_case() -> dict[str, Any]:
    """What a county's, league's or region's case reads (``campaigns.case_view``); the case is recorded on its own
    unit. A township's case is given the same at the opening, with its villages."""
    step = current_step()
    campaign, code, path = _case()
    unit = _unit(campaign, path, code)
    unit.instance_id = step.instance_id
    name = step.session.execute(select(Place.name).where(Place.code == code)).scalar()
    return case_view(campaign, code, name, unit.parent_code)


def campaign_parent_key() -> str:
    """The business key of the case of the running case's parent place, which the last place below starts."""
    campaign, code, path = _case()
    return business_key(campaign.id, _unit(campaign, path, code).parent_code)


def campaign_level() -> str:
    """The level of the case's place (township, county, league or region): the gateway at the start takes its
    path."""
    campaign, code, path = _case()
    return _unit(campaign, path, code).level


def unchecked_objects(session: Any, campaign: Campaign, village_code: str) -> tuple[int, list[str]]:
    """How many monitoring objects of the village the campaign has not checked, and the first heads' names."""
    checked = select(CampaignCheck.household_id).where(CampaignCheck.campaign_id == campaign.id)
    unchecked = (Household.village_code == village_code, Household.monitoring_status == MonitoringStatus.MONITORED,
                 Household.id.not_in(checked))
    count = session.execute(select(func.count()).select_from(Household).where(*unchecked)).scalar()
    names = session.execute(select(Member.name).join(Household, Household.id == Member.household_id)
                            .where(*unchecked, Member.relation == "head", Member.left_on.is_(None))
                            .order_by(Household.id)
                            .limit(NAMES_SHOWN)).scalars().all() if count else []
    return count, list(names)


def campaign_unit_submitted(place_code: str) -> bool:
    """A place reports its part (a village only once every monitoring object is checked); returns whether every
    place beside it under its parent has now reported, so the model starts the parent's case."""
    step = current_step()
    campaign, _, path = _case()
    unit = _unit(campaign, path, place_code)
    if campaign.status != CampaignStatus.OPEN or unit.status not in OPEN_TO_SUBMIT:
        raise InvalidData("不能上报", {"status": "本级已上报或年度动态管理已结束"})
    if unit.level == "village":
        count, names = unchecked_objects(step.session, campaign, unit.place_code)
        if count:
            more = "等" if count > len(names) else ""
            raise InvalidData("尚有监测对象未核实，不能上报",
                              {"households": f"尚有{count}户监测对象未核实：{'、'.join(names)}{more}"})
    unit.status, unit.submitted_at, unit.submitted_by = UnitStatus.SUBMITTED, clock.now(), step.username
    return _last_of_parent(campaign, unit, OPEN_TO_SUBMIT)


def _last_of_parent(campaign: Campaign, unit: CampaignUnit, waiting: tuple[str, ...]) -> bool:
    """Whether no place beside ``unit`` under its parent is still in a ``waiting`` status. The parent's unit is
    locked first, so that of two places finishing at once (two cases' steps) exactly one sees itself last."""
    session = current_step().session
    session.flush()
    if unit.parent_code is None:
        return False
    session.execute(select(CampaignUnit.id).where(CampaignUnit.campaign_id == campaign.id,
                                                  CampaignUnit.place_code == unit.parent_code).with_for_update())
    left = session.execute(select(func.count()).select_from(CampaignUnit).where(
        CampaignUnit.campaign_id == campaign.id, CampaignUnit.parent_code == unit.parent_code,
        CampaignUnit.status.in_(waiting))).scalar()
    return left == 0


def campaign_unit_reviewed(place_code: str, review: dict[str, Any]) -> bool:
    """The level above approves a place's report, or sends it back with the reason its task page then shows.
    Returns whether every place beside it is now approved: the last township of a county approved starts the
    county's case."""
    campaign, _, path = _case()
    unit = _unit(campaign, path, place_code)
    if unit.status != UnitStatus.SUBMITTED:
        raise InvalidData("不能审核", {"status": f"{LEVEL_NAMES.get(unit.level, '')}尚未上报"})
    if review.get("approved") is not True:
        fields: dict[str, str] = {}
        reason = read_text(review.get("reason"), "reason", fields, string_length(CampaignUnit.returned_reason),
                           label="退回理由", multiline=True)
        if fields:
            raise InvalidData("退回须说明理由", fields)
        unit.status, unit.returned_reason = UnitStatus.RETURNED, reason
        current_step().session.flush()
        return False
    unit.status = UnitStatus.APPROVED
    return _last_of_parent(campaign, unit, (*OPEN_TO_SUBMIT, UnitStatus.SUBMITTED))


def campaign_unit_late(place_code: str) -> bool:
    """Whether a place of the case has not reported (or was sent back and has not reported again): at its level's
    deadline the model then puts a 督办 in the level above's inbox."""
    campaign, _, path = _case()
    return campaign.status == CampaignStatus.OPEN and _unit(campaign, path, place_code).status in OPEN_TO_SUBMIT


def campaign_received() -> None:
    """The region receives the summary: its own unit is done and the campaign closed."""
    step = current_step()
    campaign, code, path = _case()
    unit = _unit(campaign, path, code)
    unit.status, unit.submitted_at, unit.submitted_by = UnitStatus.SUBMITTED, clock.now(), step.username
    campaign.status, campaign.closed_at = CampaignStatus.CLOSED, clock.now()
    step.session.flush()


FUNCTIONS: dict[str, Callable] = {
    "campaign_case": campaign_case,
    "campaign_parent_key": campaign_parent_key,
    "campaign_level": campaign_level,
    "campaign_unit_submitted": campaign_unit_submitted,
    "campaign_unit_reviewed": campaign_unit_reviewed,
    "campaign_unit_late": campaign_unit_late,
    "campaign_received": campaign_received,
}

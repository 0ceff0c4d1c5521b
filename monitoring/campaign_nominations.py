"""Whether a campaign may nominate a household for identification (年度集中排查): what lets identification start
marked as the campaign's. Reads the models alone, so the process descriptors may ask it without importing the use
cases."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.limits import fits_integer
from monitoring.campaign_models import Campaign, CampaignStatus, CampaignUnit, UnitStatus
from monitoring.models import Household


def nominating(session: Session, campaign_id: Any, household: Household) -> bool:
    """True when ``campaign_id`` is an open campaign whose village part for the household is still being worked."""
    if isinstance(campaign_id, bool) or not isinstance(campaign_id, int) or not fits_integer(campaign_id):
        return False
    return session.execute(select(CampaignUnit.id).join(Campaign, Campaign.id == CampaignUnit.campaign_id).where(
        Campaign.id == campaign_id, Campaign.status == CampaignStatus.OPEN,
        CampaignUnit.place_code == household.village_code,
        CampaignUnit.status.in_((UnitStatus.OPEN, UnitStatus.RETURNED)))).first() is not None

"""``fangpin demo`` opens this year's campaign for the demo region with its villages at different stages and the late
ones escalated to their townships' inboxes."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from engine.models import Task, TaskState
from monitoring.campaign_models import Campaign, CampaignUnit
from web.demo_campaign import RETURN_REASON

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.xdist_group("demo_builds")  # one build per database kind shared (built_demo)


@pytest.fixture
def forms_dir():
    return ROOT / "forms"


def test_the_demo_campaign_stands_at_every_village_stage_with_the_late_ones_urged(app, session, built_demo):
    assert "年度动态管理" in built_demo.printed
    campaign = session.execute(select(Campaign)).scalar_one()
    assert (campaign.year, campaign.status) == (2026, "open")
    units = {u.place_code: u for u in session.execute(select(CampaignUnit)).scalars()}
    assert {code: units[code].status for code in ("150223200201", "150223100202", "150223100201", "150223200202")} \
        == {"150223200201": "approved", "150223100202": "returned", "150223100201": "open",
            "150223200202": "open"}
    assert units["150223100202"].returned_reason == RETURN_REASON
    ready = session.execute(select(Task.bpmn_id, Task.subject, Task.place_code)
                            .where(Task.process_key == "annual_adjustment", Task.state == TaskState.READY)
                            .order_by(Task.bpmn_id, Task.subject)).all()
    year = f"{campaign.year}年 "  # each task's subject carries its campaign's year
    assert sorted((t.bpmn_id, t.subject, t.place_code) for t in ready if t.bpmn_id == "village_urge") == [
        ("village_urge", year + "乌兰忽洞村", "150223200000"), ("village_urge", year + "新宝力格嘎查", "150223100000"),
        ("village_urge", year + "艾力嘎查", "150223100000")]
    assert sorted(t.subject for t in ready if t.bpmn_id == "village_check") == [
        year + "乌兰忽洞村", year + "新宝力格嘎查", year + "艾力嘎查"]

"""The demo's major event goes up: reported by the banner, acknowledged by its league with instructions, waiting at
the region within its deadline, with affected households of one village listed and the first fast-tracked into
identification (its visit in the village's inbox, named as the green channel)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.models import ProcessInstance, Task, TaskState
from monitoring.event_models import MajorEvent
from tests.web.test_demo import forms_dir  # noqa: F401  (the real forms)

pytestmark = pytest.mark.xdist_group("demo_builds")  # one build per database kind shared (built_demo)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_demo_event_is_acknowledged_by_the_league_and_waits_at_the_region(app, session, built_demo):
    assert "重大事项: 冰雹灾害（盟市已确认，待自治区确认）" in built_demo.printed
    event = session.execute(select(MajorEvent)).scalar_one()
    assert [(row.level, row.state) for row in event.levels] == [("league", "acknowledged"), ("region", "waiting")]
    assert event.levels[0].acknowledged_by == "region_1502" and event.levels[0].instructions
    (waiting,) = session.execute(select(Task).where(Task.instance_id == event.instance_id,
                                                    Task.state == TaskState.READY)).scalars()
    assert (waiting.bpmn_id, waiting.place_code) == ("ack_region", "150000000000")
    assert waiting.created_at < event.levels[1].due_at
    assert len(event.households) == 4 and len(event.updates) == 1 and event.affected_households == 41
    fast_tracked = [row for row in event.households if row.instance_id is not None]
    assert len(fast_tracked) == 1
    case = session.get(ProcessInstance, fast_tracked[0].instance_id)
    (visit,) = session.execute(select(Task).where(Task.instance_id == case.id, Task.state == TaskState.READY)).scalars()
    assert (visit.bpmn_id, visit.subject, visit.place_code) == ("visit", "重大事项绿色通道", "150223200202")

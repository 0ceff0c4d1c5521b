"""The demo's natural changes: every kind recorded in the demo village through the rule, last quarter's marked inside
that quarter's window and this quarter's waiting; the split made a household and the merge kept one read-only."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from monitoring.change_models import ChangeKind, HouseholdChange
from monitoring.models import Household
from tests.conftest import CST
from web.boundary import engine as engine_of
from web.demo_changes import build_changes
from web.demo_steps import travelling

VILLAGE = "150223100201"


@pytest.mark.parametrize("today", [datetime(2026, 12, 10, 9, 0, tzinfo=CST), datetime(2027, 1, 1, 9, 0, tzinfo=CST)])
def test_every_kind_some_marked_some_pending(app, session, actors, clock, today, capsys):
    clock.set(today)
    with travelling(engine_of()) as travel:
        built = build_changes(engine_of(), session, travel, VILLAGE)
    session.expire_all()
    rows = session.execute(select(HouseholdChange).order_by(HouseholdChange.id)).scalars().all()
    assert [c.id for c in rows] == [c.id for c in built]
    assert {c.kind for c in rows} == set(ChangeKind)
    marked = [c for c in rows if c.marked_on]
    assert [c.kind for c in marked] == ["birth", "death", "marry_out"]
    assert all(c.marked_on < today.date().replace(day=1) for c in marked)
    assert all(c.occurred_on <= c.marked_on for c in marked)
    assert all(c.recorded_at <= today for c in rows)
    split = next(c for c in rows if c.kind == "split")
    assert session.get(Household, split.related_household_id).split_from_id == split.household_id
    merged = session.get(Household, next(c for c in rows if c.kind == "merge").household_id)
    assert merged.merged_into_id is not None and merged.members == []
    assert "已标注 3 项" in capsys.readouterr().out

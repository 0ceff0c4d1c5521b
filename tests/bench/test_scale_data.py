"""The synthetic region of bench/scale.py, built small: what the measurements rely on holds on both databases."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from engine import audit
from engine.models import ProcessInstance, Task
from monitoring.id_number import check_id_number
from monitoring.models import Household, Member, Place, User

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import scale_data

SIZE = replace(scale_data.Size().scaled(0.002), real_cases=2, timers=6)


@pytest.fixture
def region(database_url) -> scale_data.Region:
    return scale_data.build(database_url, SIZE, log=lambda _line: None)


def test_the_region_has_its_size_and_what_the_measurements_read(region):
    engine = create_engine(region.url)
    with Session(engine) as session:
        def count(model, *where) -> int:
            return session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()

        assert count(Place, Place.level == "village") == SIZE.villages
        assert count(Household) == SIZE.households
        assert count(Household, Household.monitoring_status == "monitored") == SIZE.objects
        assert count(Task) == SIZE.tasks + 3 * SIZE.real_cases  # each real case did three steps to its notice
        assert count(Task, Task.state == "ready") == SIZE.ready
        assert region.timers_due == SIZE.timers == count(
            ProcessInstance, ProcessInstance.status == "running", ProcessInstance.wake_at < scale_data.NOW)
        numbers = session.execute(select(Member.id_number, Member.id_number_reversed)).all()
        assert all(check_id_number(number) is None and reversed_ == number[::-1] for number, reversed_ in numbers)
        assert len({number for number, _ in numbers}) == len(numbers)
        village = session.get(Place, region.village.code)
        assert village.path == region.village.path and village.path.startswith(region.county.path)
        assert count(Member, Member.name == region.household_name) >= 1
        assert count(Member, Member.id_number.endswith(region.id_tail)) >= 1
        assert session.get(ProcessInstance, region.case_id).process_key == "identification"
        assert {u for u, in session.execute(select(User.username))} >= set(region.users.values())
        assert audit.verify(session) == audit.ChainReport(count(audit.AuditEvent), None)  # every chain holds
    engine.dispose()

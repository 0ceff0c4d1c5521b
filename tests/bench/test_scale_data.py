"""The synthetic region of bench/scale.py, built small: what the measurements rely on holds on both databases.

The builder loads with foreign-key checks off and the indexes dropped, so the test also proves every reference
holds and every index of the models is there again."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import and_, create_engine, func, select
from sqlalchemy.orm import Session, aliased

from engine import audit
from engine.models import Base, InstanceStatus, ProcessInstance, Task, TaskState
from monitoring.household_copies import HouseholdRisk
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
        assert count(HouseholdRisk) == SIZE.objects  # each object has one risk type
        assert count(Member) == sum(map(scale_data.household_size, range(1, SIZE.households + 1)))
        assert count(Member, Member.position == 0, Member.relation == "head") == SIZE.households
        assert count(Member.__table__.join(Household.__table__), Member.place_path != Household.place_path) == 0
        assert count(Task) == SIZE.tasks + 3 * SIZE.real_cases  # each real case did three steps to its notice
        assert count(Task, Task.state == "ready") == SIZE.ready
        assert count(Task.__table__.join(ProcessInstance.__table__), Task.state == TaskState.READY,
                     ProcessInstance.status != InstanceStatus.RUNNING) == 0
        assert count(Task.__table__.join(ProcessInstance.__table__), Task.place_path != ProcessInstance.place_path) \
            == 0
        assert region.timers_due == SIZE.timers == count(
            ProcessInstance, ProcessInstance.status == "running", ProcessInstance.wake_at < scale_data.NOW)
        numbers = session.execute(select(Member.id_number, Member.id_number_reversed)).all()
        assert all(check_id_number(number) is None and reversed_ == number[::-1] for number, reversed_ in numbers)
        assert len({number for number, _ in numbers}) == len(numbers)
        names = set(session.execute(select(Member.name)).scalars())
        assert all(len(name) in (2, 3) and name[0] in scale_data.SURNAMES and set(name[1:]) <= set(scale_data.GIVEN)
                   for name in names) and len(names) > SIZE.households // 10
        village = session.get(Place, region.village.code)
        assert village.path == region.village.path and village.path.startswith(region.county.path)
        assert count(Member, Member.name == region.household_name) >= 1
        assert count(Member, Member.id_number.endswith(region.id_tail)) >= 1
        assert session.get(ProcessInstance, region.case_id).process_key == "identification"
        assert {u for u, in session.execute(select(User.username))} >= set(region.users.values())
        assert audit.verify(session) == audit.ChainReport(count(audit.AuditEvent), None)  # every chain holds
        completions = audit.AuditEvent.type == "task_completed"
        assert count(audit.AuditEvent.__table__.join(Task.__table__, and_(
            Task.id == audit.AuditEvent.task_id, Task.instance_id == audit.AuditEvent.instance_id,
            Task.state == TaskState.COMPLETED)), completions) == count(audit.AuditEvent, completions) > SIZE.tasks / 2
        assert _orphans(session) == {}
    assert _missing_indexes(engine) == set()
    engine.dispose()


def _orphans(session: Session) -> dict[str, int]:
    """Rows of any table whose foreign key names no row (by column: ``table.column -> parent``)."""
    found = {}
    for table in Base.metadata.sorted_tables:
        for key in table.foreign_keys:
            parent = aliased(key.column.table)
            missing = session.execute(select(func.count()).select_from(table).outerjoin(
                parent, parent.c[key.column.name] == key.parent).where(
                key.parent.is_not(None), parent.c[key.column.name].is_(None))).scalar_one()
            if missing:
                found[f"{table.name}.{key.parent.name} -> {key.column.table.name}"] = missing
    return found


def _missing_indexes(engine) -> set[str]:
    """Read from the catalog: an index on an expression (``ix_members_initial``) is not reflected."""
    catalog = ("SELECT name FROM sqlite_master WHERE type = 'index'" if engine.dialect.name == "sqlite"
               else "SELECT indexname FROM pg_indexes")
    with engine.connect() as connection:
        present = set(connection.exec_driver_sql(catalog).scalars())
    return {index.name for table in Base.metadata.sorted_tables for index in table.indexes} - present


def test_a_kept_region_gets_the_indexes_the_models_gained_since_it_was_built(database_url):
    """``bench/scale.py --keep`` measures a region built once; an index added to the models later is built into it
    before measuring, or the figures would be those of the old schema."""
    import scale

    engine = create_engine(database_url)
    Base.metadata.create_all(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP INDEX ix_members_initial")
    assert _missing_indexes(engine) == {"ix_members_initial"}
    scale.added_indexes(database_url)
    assert _missing_indexes(engine) == set()
    engine.dispose()


def _contents(engine) -> dict[str, list[tuple]]:
    with engine.connect() as connection:
        return {table.name: sorted(map(tuple, connection.execute(select(table)).all()), key=repr)
                for table in Base.metadata.sorted_tables}


def test_a_sweep_is_undone_so_the_next_finds_the_region_as_it_was(region):
    """``bench/scale.py`` sweeps the region's due timers by one sweeper, then by one per core, and with ``--keep``
    again at the next run: each must find every timer due and every task as the builder left it."""
    import scale

    from engine.clock import FrozenClock
    from engine.timers import run_due_timers
    from web.app import create_app
    from web.boundary import engine as app_engine
    from web.boundary import unit_of_work
    from web.extensions import db

    engine = create_engine(region.url)
    before = _contents(engine)
    snapshot = scale.Snapshot.take(engine)
    app = create_app({"SQLALCHEMY_DATABASE_URI": region.url, "SECRET_KEY": "test"}, clock=FrozenClock(scale_data.NOW))
    with app.app_context():
        assert run_due_timers(app_engine(), unit_of_work) == SIZE.timers
        db.session.remove()
        db.engine.dispose()
    assert _contents(engine) != before
    snapshot.restore(engine)
    after = _contents(engine)
    assert {name: (set(rows) - set(before[name]), set(before[name]) - set(rows))
            for name, rows in after.items() if rows != before[name]} == {}
    engine.dispose()

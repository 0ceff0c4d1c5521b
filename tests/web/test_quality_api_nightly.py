"""The data-quality checks outside a request, on both databases: the nightly run of each server's scheduler (once a
night after 02:00 China time, whichever the number of schedulers) and ``fangpin quality run``."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.calendar import CHINA_TZ
from monitoring.quality.models import QualityFinding, QualityRun
from monitoring.quality.runner import LEASE, claim_night, night_done
from tests.monitoring.quality.households import only_checks, too_soon
from web.cli import main as fangpin
from web.extensions import db
from web.serve import TimerScheduler


@pytest.fixture(autouse=True)
def q101_only(monkeypatch):
    only_checks(monkeypatch, "Q101")


def nightly_runs(session) -> list[tuple[date, int]]:
    session.expire_all()
    return session.execute(select(QualityRun.nightly_on, QualityRun.new).where(QualityRun.nightly_on.is_not(None))
                           .order_by(QualityRun.id)).all()


def test_two_schedulers_run_the_checks_once_a_night_after_two_o_clock(app, session, tree, clock):
    too_soon(session)
    session.commit()
    first, second = TimerScheduler(app, 30), TimerScheduler(app, 30)
    clock.set(datetime(2026, 11, 3, 1, 59, tzinfo=CHINA_TZ))
    first.sweep(), second.sweep()
    assert nightly_runs(session) == []

    clock.set(datetime(2026, 11, 3, 2, 0, tzinfo=CHINA_TZ))
    second.sweep(), first.sweep(), first.sweep(), second.sweep()
    assert nightly_runs(session) == [(date(2026, 11, 3), 1)]
    assert session.execute(select(QualityFinding.found_at)).scalar_one() == clock.now()

    fresh = TimerScheduler(app, 30)  # a worker started later that night (or on another host) finds it claimed
    clock.advance(timedelta(hours=12))
    fresh.sweep()
    assert nightly_runs(session) == [(date(2026, 11, 3), 1)]

    clock.set(datetime(2026, 11, 4, 2, 30, tzinfo=CHINA_TZ))
    fresh.sweep(), first.sweep()
    assert nightly_runs(session) == [(date(2026, 11, 3), 1), (date(2026, 11, 4), 0)]


def test_a_night_is_claimed_by_one_session_of_two(app, session, tree, clock):
    night = date(2026, 11, 3)
    with Session(db.engine) as other:
        assert claim_night(session, night, clock.now()) is not None
        assert claim_night(other, night, clock.now()) is None


def test_the_command_runs_the_checks_over_a_place_or_everything(app, session, tree, database_url, tmp_path,
                                                                 monkeypatch):
    found = too_soon(session)
    session.commit()
    env = {"FANGPIN_INSTANCE_DIR": str(tmp_path), "FANGPIN_DATABASE_URL": database_url}
    for name in ("FANGPIN_CLOCK", "FANGPIN_DOCUMENTS_DIR", "FANGPIN_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    runner = CliRunner()

    elsewhere = runner.invoke(fangpin, ["quality", "run", "--place", "150223200000"], env=env)
    everywhere = runner.invoke(fangpin, ["quality", "run", "--now", "2026-11-05T03:00:00+08:00"], env=env)
    unknown = runner.invoke(fangpin, ["quality", "run", "--place", "999"], env=env)

    assert elsewhere.exit_code == 0 and elsewhere.output.startswith("检查 0 户：问题 0 条"), elsewhere.output
    assert everywhere.exit_code == 0 and "新发现 1 条" in everywhere.output, everywhere.output
    assert unknown.exit_code == 1
    session.expire_all()
    finding = session.execute(select(QualityFinding)).scalar_one()
    assert finding.household_id == found.id
    assert finding.found_at == datetime(2026, 11, 5, 3, tzinfo=CHINA_TZ)


def test_a_claim_whose_worker_died_is_taken_over_once_its_lease_runs_out(app, session, tree, clock):
    """The night's row claimed and never finished (its worker died): other workers leave it while the lease runs,
    then one of them takes it over and runs the night; a worker remembers the night once it is done."""
    too_soon(session)
    session.commit()
    night = date(2026, 11, 3)
    clock.set(datetime(2026, 11, 3, 2, 5, tzinfo=CHINA_TZ))
    dead = claim_night(session, night, clock.now())  # …and its worker dies
    assert dead is not None and not night_done(session, night)

    worker = TimerScheduler(app, 30)
    clock.advance(LEASE - timedelta(minutes=1))
    assert worker.nightly_quality() is None and worker.quality_night is None  # still live: looked at again later
    clock.advance(timedelta(minutes=2))
    summary = worker.nightly_quality()
    assert summary is not None and summary.new == 1 and worker.quality_night == night
    session.expire_all()
    run = session.execute(select(QualityRun).where(QualityRun.nightly_on == night)).scalar_one()
    assert (run.id, run.started_at, run.finished_at, run.new) == (dead.id, clock.now(), clock.now(), 1)
    with Session(db.engine) as other:
        assert claim_night(other, night, clock.now() + LEASE * 2) is None and night_done(other, night)


def test_two_workers_past_the_lease_take_over_once(app, session, tree, clock):
    night = date(2026, 11, 3)
    claim_night(session, night, clock.now())
    later = clock.now() + LEASE + timedelta(seconds=1)
    with Session(db.engine) as first, Session(db.engine) as second:
        assert claim_night(first, night, later) is not None
        assert claim_night(second, night, later) is None  # the first's claim is live now

"""The runner keeps findings over time, on both databases: found, seen again, closed when the data no longer trips
the check, found again as a new finding; a check that raises closes nothing; a village's run touches its own."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from engine.errors import Conflict
from monitoring import places
from monitoring.quality import catalogue, runner
from monitoring.quality.catalogue import CHECKS, Check, CheckScope, Severity, Trip
from monitoring.quality.models import MESSAGE_LENGTH, QualityFinding, QualityRun
from monitoring.quality.runner import run_by_county, run_checks
from tests.monitoring.quality.households import AT, COUNTY_PATH, VILLAGE_PATH, household, only_checks, scope, too_soon

OTHER_VILLAGE_PATH = "/150000000000/150223000000/150223200000/150223200201/"


@pytest.fixture(autouse=True)
def q101_only(monkeypatch):
    only_checks(monkeypatch, "Q101")


def findings(session, household_id=None):
    session.expire_all()
    query = select(QualityFinding).order_by(QualityFinding.id)
    if household_id is not None:
        query = query.where(QualityFinding.household_id == household_id)
    return list(session.execute(query).scalars())


def test_a_finding_is_found_seen_again_closed_when_fixed_and_found_again_as_a_new_one(session, tree):
    tripping = too_soon(session)
    fine = household(session)
    first = run_checks(session, scope(), "county", AT)
    assert (first.tripped, first.new, first.closed, first.open, first.checked) == (1, 1, 0, 1, 2)
    [found] = findings(session)
    assert (found.household_id, found.rule, found.severity, found.place_path) == (tripping.id, "Q101", "error",
                                                                                   VILLAGE_PATH)
    assert found.found_at == found.last_seen_at == AT and found.resolved_at is None
    assert "2026-03-28" in found.message and found.figures["months"] == 0
    assert findings(session, fine.id) == []

    later = AT + timedelta(days=1)
    tripping.eliminated_on = date(2026, 4, 2)  # still too soon, with other figures
    session.flush()
    second = run_checks(session, scope(), "county", later)
    assert (second.tripped, second.new, second.closed, second.open) == (1, 0, 0, 1)
    [seen] = findings(session)
    assert (seen.id, seen.found_at, seen.last_seen_at) == (found.id, AT, later)
    assert seen.figures["months"] == 1 and "2026-04-02" in seen.message

    fixed = later + timedelta(days=1)
    tripping.eliminated_on = date(2026, 6, 1)
    session.flush()
    third = run_checks(session, scope(), "county", fixed)
    assert (third.tripped, third.new, third.closed, third.open) == (0, 0, 1, 0)
    [closed] = findings(session)
    assert closed.resolved_at == fixed and closed.last_seen_at == later

    again = fixed + timedelta(days=1)
    tripping.eliminated_on = date(2026, 3, 30)
    session.flush()
    fourth = run_checks(session, scope(), "county", again)
    assert (fourth.new, fourth.open) == (1, 1)
    old, new = findings(session)
    assert old.id == found.id and old.resolved_at == fixed
    assert new.found_at == again and new.resolved_at is None
    runs = session.execute(select(QualityRun.new, QualityRun.closed, QualityRun.finished_at)
                           .order_by(QualityRun.id)).all()
    assert runs == [(1, 0, AT), (0, 0, later), (0, 1, fixed), (1, 0, again)]


def test_a_merged_household_s_finding_closes(session, tree):
    merged = too_soon(session)
    into = household(session)
    run_checks(session, scope(), "county", AT)
    merged.merged_into_id = into.id
    session.flush()
    summary = run_checks(session, scope(), "county", AT + timedelta(hours=1))
    assert summary.closed == 1 and findings(session)[0].resolved_at == AT + timedelta(hours=1)


def test_a_check_that_raises_closes_none_of_its_findings_and_the_others_still_run(session, tree, monkeypatch):
    tripping = too_soon(session)
    state = {"broken": False}

    def flaky(session_, scope_: CheckScope):
        if state["broken"]:
            session_.execute(select(QualityFinding.id)).all()
            raise RuntimeError("the check's query broke")
        return [Trip(tripping.id, {"n": 1})]

    def bad_sql(session_, scope_: CheckScope):  # on PostgreSQL this aborts the transaction up to the SAVEPOINT
        session_.execute(text("SELECT no_such_column FROM households")).all()
        return []

    monkeypatch.setitem(CHECKS, "Q999", Check("Q999", Severity.WARNING, "试验", "试验 {n}", ("name",), "试验", flaky))
    run_checks(session, scope(), "county", AT)
    assert {f.rule for f in findings(session)} == {"Q101", "Q999"}
    monkeypatch.setitem(CHECKS, "Q000", Check("Q000", Severity.WARNING, "试验", "试验", ("name",), "试验", bad_sql))

    state["broken"] = True
    tripping.eliminated_on = date(2026, 6, 1)  # Q101 no longer trips: it ran, so its finding closes
    session.flush()
    summary = run_checks(session, scope(), "county", AT + timedelta(days=1))
    assert summary.failed == ["Q000", "Q999"] and summary.closed == 1
    by_rule = {f.rule: f for f in findings(session)}
    assert by_rule["Q999"].resolved_at is None and by_rule["Q999"].last_seen_at == AT
    assert by_rule["Q101"].resolved_at == AT + timedelta(days=1)
    assert session.execute(select(QualityRun.failed).order_by(QualityRun.id.desc())).scalars().first() == [
        "Q000", "Q999"]


def test_a_village_s_run_touches_only_its_own_findings(session, tree):
    mine = too_soon(session)
    theirs = too_soon(session, village_code="150223200201", place_path=OTHER_VILLAGE_PATH)
    run_checks(session, scope(COUNTY_PATH), "county", AT)
    mine.eliminated_on = theirs.eliminated_on = date(2026, 6, 1)  # both fixed; only the village runs
    session.flush()
    summary = run_checks(session, CheckScope(VILLAGE_PATH, AT.date()), "village", AT + timedelta(days=1))
    assert (summary.checked, summary.closed, summary.open) == (1, 1, 0)
    assert findings(session, mine.id)[0].resolved_at is not None
    assert findings(session, theirs.id)[0].resolved_at is None


def test_a_household_that_moved_takes_its_open_finding_along(session, tree):
    """Into a village whose run finds it (the finding lay outside that village), and within a county's run."""
    moving = too_soon(session)
    run_checks(session, scope(COUNTY_PATH), "county", AT)
    moving.village_code, moving.place_path = "150223200201", OTHER_VILLAGE_PATH
    session.flush()
    summary = run_checks(session, CheckScope(OTHER_VILLAGE_PATH, AT.date()), "village", AT + timedelta(days=1))
    assert (summary.new, summary.closed, summary.open) == (0, 0, 1)
    [moved] = findings(session)
    assert moved.place_path == OTHER_VILLAGE_PATH and moved.found_at == AT

    moving.village_code, moving.place_path = "150223100201", VILLAGE_PATH
    session.flush()
    summary = run_checks(session, scope(COUNTY_PATH), "county", AT + timedelta(days=2))
    assert (summary.new, summary.closed, summary.open) == (0, 0, 1)
    [back] = findings(session)
    assert back.id == moved.id and back.place_path == VILLAGE_PATH


def test_the_findings_of_a_retired_check_close_and_those_of_a_check_merely_missing_stay(session, tree, monkeypatch):
    tripping = too_soon(session)
    for code in ("Q998", "Q999"):
        monkeypatch.setitem(CHECKS, code, Check(code, Severity.WARNING, "试验", "试验", ("name",), "试验",
                                                lambda session_, scope_: [Trip(tripping.id)]))
    run_checks(session, scope(), "county", AT)
    monkeypatch.delitem(CHECKS, "Q998")  # e.g. a worker of an older release, or a module that failed to import
    monkeypatch.delitem(CHECKS, "Q999")
    monkeypatch.setattr(catalogue, "RETIRED", frozenset({"Q999"}))
    summary = run_checks(session, scope(), "county", AT + timedelta(days=1))
    assert (summary.closed, summary.open) == (1, 2)
    assert {f.rule: f.resolved_at for f in findings(session)} == {
        "Q101": None, "Q998": None, "Q999": AT + timedelta(days=1)}


def other_county(session, tree) -> str:
    """A second county with a village, beside the tree's (whose path is COUNTY_PATH)."""
    places.add_place(session, "150224000000", "固阳县", "150000000000", "county")
    places.add_place(session, "150224100000", "金山镇", "150224000000", "township")
    places.add_place(session, "150224100201", "东河村", "150224100000", "village")
    session.commit()
    return OTHER_COUNTY_VILLAGE


OTHER_COUNTY_VILLAGE = "/150000000000/150224000000/150224100000/150224100201/"


@pytest.fixture
def postgresql_only(session):
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("PostgreSQL's advisory locks (SQLite has one writer anyway)")


@pytest.fixture
def short_wait(monkeypatch):
    monkeypatch.setattr(runner, "LOCK_WAIT", "100ms")  # the test waits this long for the refusal, not 5 s


def test_a_run_holds_its_county_until_its_transaction_ends_and_another_run_of_it_answers_at_once(
        session, tree, postgresql_only, short_wait):
    """A village's run while the county's runs is refused (Conflict, the county named) instead of waiting; a run of
    another county goes on; once the county's transaction ends the village runs."""
    too_soon(session)
    too_soon(session, village_code="150224100201", place_path=other_county(session, tree))
    session.commit()
    run_checks(session, scope(), "county", AT)
    with Session(session.get_bind()) as other:
        with pytest.raises(Conflict, match="达茂旗正在进行数据质量检查"):
            run_checks(other, CheckScope(VILLAGE_PATH, AT.date()), "village", AT)
        other.rollback()
        assert run_checks(other, scope("/150000000000/150224000000/"), "county", AT).new == 1
        other.commit()
        session.commit()
        assert run_checks(other, CheckScope(VILLAGE_PATH, AT.date()), "village", AT).open == 1
        assert other.execute(text("SHOW lock_timeout")).scalar_one() == "0"  # as it was, for the rest of the work
        other.rollback()


def test_a_run_over_counties_commits_each_then_hands_it_on(session, tree):
    """One transaction per county: when ``then`` is told of a county, its findings are in the database (another
    session reads them) and the next county's are not yet; one run row counts them all."""
    first = too_soon(session)
    second = too_soon(session, village_code="150224100201", place_path=other_county(session, tree))
    seen = []

    def then(county_path):
        with Session(session.get_bind()) as other:
            seen.append((county_path, sorted(other.execute(select(QualityFinding.household_id)).scalars())))

    summary = run_by_county(session, scope("/150000000000/"), "region", AT, then=then)
    assert seen == [(COUNTY_PATH, [first.id]), ("/150000000000/150224000000/", [first.id, second.id])]
    assert (summary.checked, summary.new, summary.open, summary.busy) == (2, 2, 2, [])
    [run] = session.execute(select(QualityRun)).scalars()
    assert (run.place_path, run.checked, run.new, run.open, run.finished_at) == ("/150000000000/", 2, 2, 2, AT)


def test_a_county_another_run_holds_is_refused_or_skipped(session, tree, postgresql_only, short_wait):
    """On demand the run answers Conflict at the busy county (the counties before it stand); the nightly run and
    the command skip it and name it."""
    too_soon(session)
    other_county(session, tree)
    later = too_soon(session, village_code="150224100201", place_path=OTHER_COUNTY_VILLAGE)
    session.commit()
    with Session(session.get_bind()) as holder:
        holder.execute(select(func.pg_advisory_xact_lock(runner.RUN_LOCK, runner.lock_key(COUNTY_PATH))))
        with pytest.raises(Conflict, match="达茂旗"):
            run_by_county(session, scope("/150000000000/"), "region", AT)
        summary = run_by_county(session, scope("/150000000000/"), "nightly", AT, skip_busy=True)
        assert (summary.busy, summary.new, summary.open) == (["150223000000"], 1, 1)
        assert [f.household_id for f in findings(session)] == [later.id]
        holder.rollback()


def test_a_finding_seen_again_as_it_was_is_not_rewritten(session, tree):
    """Only a changed message or figures is written (last_seen_at with it); PostgreSQL keeps the very row."""
    tripping = too_soon(session)
    run_checks(session, scope(), "county", AT)
    postgresql = session.get_bind().dialect.name == "postgresql"
    version = "SELECT xmin::text FROM quality_findings" if postgresql else "SELECT last_seen_at FROM quality_findings"
    before = session.execute(text(version)).scalar_one()
    summary = run_checks(session, scope(), "county", AT + timedelta(days=1))
    assert (summary.tripped, summary.new, summary.open) == (1, 0, 1)
    assert session.execute(text(version)).scalar_one() == before
    assert findings(session)[0].last_seen_at == AT

    tripping.eliminated_on = date(2026, 4, 2)
    session.flush()
    run_checks(session, scope(), "county", AT + timedelta(days=2))
    assert findings(session)[0].last_seen_at == AT + timedelta(days=2)


def test_an_absurdly_long_name_is_cut_to_the_message_s_column_and_the_check_still_runs(session, tree, monkeypatch):
    """A name (or note) far longer than the column must not fail the insert, and with it the check for the county:
    the message is cut, its end marked, and seen again as it was."""
    odd = too_soon(session)
    fine = too_soon(session)
    long_name = "乌" * 3000
    monkeypatch.setitem(CHECKS, "Q999", Check("Q999", Severity.WARNING, "试验", "{name} 的备注：{note}", ("name",),
                                              "试验", lambda session_, scope_: [
                                                  Trip(odd.id, {"name": long_name, "note": "长" * 5000}),
                                                  Trip(fine.id, {"name": "张三", "note": "无"})]))
    summary = run_checks(session, scope(), "county", AT)
    assert summary.failed == [] and summary.new == 4
    by_household = {f.household_id: f.message for f in findings(session) if f.rule == "Q999"}
    assert len(by_household[odd.id]) == MESSAGE_LENGTH and by_household[odd.id].endswith("乌…")
    assert by_household[fine.id] == "张三 的备注：无"
    again = run_checks(session, scope(), "county", AT + timedelta(days=1))
    assert (again.new, again.closed, again.failed) == (0, 0, [])


def test_a_run_whose_first_county_is_busy_keeps_its_row(session, tree, postgresql_only, short_wait):
    """The command's run (a row of its own) skips the busy county and still records what it did."""
    other_county(session, tree)
    too_soon(session, village_code="150224100201", place_path=OTHER_COUNTY_VILLAGE)
    session.commit()
    with Session(session.get_bind()) as holder:
        holder.execute(select(func.pg_advisory_xact_lock(runner.RUN_LOCK, runner.lock_key(COUNTY_PATH))))
        summary = run_by_county(session, scope("/150000000000/"), "system", AT, skip_busy=True)
        holder.rollback()
    [run] = session.execute(select(QualityRun)).scalars()
    assert (run.id, run.new, run.finished_at, summary.busy) == (summary.run_id, 1, AT, ["150223000000"])

"""Running the catalogue over a place and keeping its findings (筛查—整改—再筛查): a trip not yet open opens a
finding, one still there is seen again (rewritten only when its message or figures changed), and an open finding its
check no longer trips closes — never by hand, and never when its check failed to run.

A run over more than one county (the nightly run, a region's or a league's) goes a county at a time, each county in a
transaction of its own holding that county's lock (PostgreSQL), so overlapping runs never both open a finding and a
run never holds a region's rows in one transaction. Each check runs inside a SAVEPOINT: a check that raises is rolled
back alone, logged and named in the run's failed checks, and its findings stay as they were. The writes are bulk
statements (an executemany per kind of change), so a county's run costs its checks' queries and a few statements per
check.
"""

from __future__ import annotations

import json
import logging
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from engine.assignment import Actor
from engine.calendar import CHINA_TZ
from engine.errors import Conflict, Forbidden, InvalidData
from engine.scope import below, code_at
from monitoring.models import Household, Place, PlaceLevel
from monitoring.permissions import checks_quality
from monitoring.places import place_in_scope
from monitoring.quality import (
    catalogue,
    checks,  # noqa: F401  (importing the package registers every check)
)
from monitoring.quality.catalogue import CHECKS, Check, CheckScope
from monitoring.quality.models import MESSAGE_LENGTH, QualityFinding, QualityRun
from monitoring.quality.records import live_households

log = logging.getLogger("fangpin.quality")
PLAIN = frozenset({str, int, float, bool, type(None)})  # figures the JSON column hands back as they were given
IDS_PER_STATEMENT = 1000  # an IN list this long stays far below every database's bound on parameters
EVERYWHERE = "/"  # every place path starts with it: the nightly run's scope
NIGHTLY_BY = "nightly"
NIGHTLY_HOUR = 2  # China time: the nightly run starts after 02:00, when nobody is entering data
RUN_LOCK = 0x5155414C  # PostgreSQL advisory locks ("QUAL", a county's key) held by a run until its transaction ends
LOCK_WAIT = "5s"  # how long a run waits for another over the same county before it answers Conflict (409)
LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's SQLSTATE when lock_timeout runs out
BUSY = "{place}正在进行数据质量检查，请稍后再试"
# A nightly claim unfinished this long after it started is taken over: its worker died. A region's run (1,000,000
# households) takes minutes; a county's, seconds (bench/quality.py).
LEASE = timedelta(hours=1)


@dataclass
class RunSummary:
    """What a run did: households in scope, findings seen, opened, closed and open after it, and the checks that
    failed (their findings untouched)."""

    run_id: int
    place_path: str
    checked: int = 0
    tripped: int = 0
    new: int = 0
    closed: int = 0
    open: int = 0
    failed: list[str] = field(default_factory=list)
    busy: list[str] = field(default_factory=list)  # codes of the counties skipped: another run held them

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def add(self, part: RunSummary) -> None:
        """Count a county's run into the whole run's."""
        for name in ("checked", "tripped", "new", "closed", "open"):
            setattr(self, name, getattr(self, name) + getattr(part, name))
        self.failed = sorted({*self.failed, *part.failed})


@dataclass(frozen=True)
class _Open:
    id: int
    message: str
    figures: dict[str, Any]
    place_path: str | None = None  # set when the household's finding lies outside the scope (it moved in)


def run_checks(session: Session, scope: CheckScope, by: str, now: datetime) -> RunSummary:
    """Run every check of the catalogue over the scope in the caller's transaction (a village's recheck inside its
    correction task), keep the findings, and record the run; ``Conflict`` when another run holds one of its counties
    longer than ``LOCK_WAIT``."""
    run = _new_run(session, scope.place_path, by, now)
    _hold(session, _counties(session, scope.place_path))
    summary = _execute(session, run.id, scope, now)
    _record(session, run, summary, now)
    return summary


def run_by_county(session: Session, scope: CheckScope, by: str, now: datetime, *,
                  then: Callable[[str], None] | None = None, skip_busy: bool = False,
                  run: QualityRun | None = None) -> RunSummary:
    """Run the checks over the scope a county at a time, each county in a transaction of its own (committed), so a
    region's run never holds one huge transaction nor its counties' locks for long; ``then(path)`` after each
    county's commit (its villages' correction cases). A county another run holds answers ``Conflict``, or, with
    ``skip_busy`` (the nightly run, the command), is left as it was and named in ``busy``. A scope within one county
    is one transaction over the scope itself."""
    if run is None:
        run = _new_run(session, scope.place_path, by, now)
        session.commit()  # the run's row stands whatever becomes of a county's transaction
    summary = RunSummary(run.id, scope.place_path)
    counties = _counties(session, scope.place_path)
    units = [(scope.place_path, counties)] if len(counties) == 1 and scope.place_path.startswith(counties[0]) \
        else [(county, [county]) for county in counties]
    for unit_path, locked in units:
        try:
            _hold(session, locked)
        except Conflict:
            session.rollback()
            if not skip_busy:
                raise
            log.warning("quality run over %s skipped: another run holds it", unit_path)
            summary.busy.append(code_at(unit_path))
            continue
        summary.add(_execute(session, run.id, CheckScope(unit_path, scope.today), now))
        _record(session, run, summary, None)
        session.commit()
        if then is not None:
            then(unit_path)
    _record(session, run, summary, now)
    session.commit()
    return summary


def scope_of(session: Session, actor: Actor, place_code: str | None, now: datetime) -> CheckScope:
    """What a run on demand (``POST /api/v1/quality/run``, the pages' button) covers: the actor's place, or a place
    below it (404 outside); only the levels that correct the data run the checks."""
    if not checks_quality(actor):
        raise Forbidden("只有嘎查村、苏木乡镇、旗县和自治区（盟市）用户可以运行数据质量检查")
    if place_code is not None and not isinstance(place_code, str):
        raise InvalidData("地区代码无效", {"place": "应为地区代码（字符串）"})
    path = place_in_scope(session, actor, place_code).path if place_code is not None else actor.place_path
    return CheckScope(path, _china_date(now))


def night_of(now: datetime) -> date | None:
    """The China date whose nightly run is due at ``now``: today's from 02:00 China time, none before."""
    local = now.astimezone(CHINA_TZ)
    return local.date() if local.hour >= NIGHTLY_HOUR else None


def claim_night(session: Session, night: date, now: datetime) -> QualityRun | None:
    """The row of ``night``'s run for this worker to run: inserted by whichever worker comes first (on this host or
    another: the row is unique per night), or taken over once its claim's lease ran out unfinished (the worker that
    claimed it died: ``started_at`` + ``LEASE``). None while another worker's claim is live, or once the night is
    done. Commits, so the others see the claim at once."""
    held = session.execute(select(QualityRun).where(QualityRun.nightly_on == night)).scalar_one_or_none()
    if held is None:
        run = QualityRun(place_path=EVERYWHERE, by=NIGHTLY_BY, nightly_on=night, started_at=now, failed=[])
        try:
            with session.begin_nested():
                session.add(run)
        except IntegrityError:
            session.commit()
            return None
        session.commit()
        return run
    if held.finished_at is not None or held.started_at + LEASE > now:
        session.commit()
        return None
    taken = session.execute(update(QualityRun).where(
        QualityRun.id == held.id, QualityRun.finished_at.is_(None), QualityRun.started_at == held.started_at)
        .values(started_at=now, checked=0, tripped=0, new=0, closed=0, open=0, failed=[])
        .execution_options(synchronize_session=False)).rowcount
    session.commit()
    if not taken:  # another worker took it over first
        return None
    log.warning("nightly data-quality run of %s taken over: its claim of %s ran out unfinished", night,
                held.started_at.isoformat())
    session.refresh(held)
    return held


def night_done(session: Session, night: date) -> bool:
    """Whether ``night``'s run has finished (a worker stops looking at it)."""
    return session.execute(select(QualityRun.id).where(
        QualityRun.nightly_on == night, QualityRun.finished_at.is_not(None))).first() is not None


def _china_date(moment: datetime) -> date:
    return moment.astimezone(CHINA_TZ).date()


def _new_run(session: Session, place_path: str, by: str, now: datetime) -> QualityRun:
    run = QualityRun(place_path=place_path, by=by, started_at=now, failed=[])
    session.add(run)
    session.flush()
    return run


def _record(session: Session, run: QualityRun, summary: RunSummary, finished: datetime | None) -> None:
    for name in ("checked", "tripped", "new", "closed", "open", "failed"):
        setattr(run, name, getattr(summary, name))
    run.finished_at = finished
    session.flush()


def _execute(session: Session, run_id: int, scope: CheckScope, now: datetime) -> RunSummary:
    """Every check over the scope, in the current transaction; the caller holds its counties' locks."""
    summary = RunSummary(run_id, scope.place_path)
    refresh_places(session, scope.place_path)
    summary.closed = _close_retired(session, scope.place_path, now)
    for code in sorted(CHECKS):
        try:
            with session.begin_nested():
                tripped, new, closed = _run_check(session, CHECKS[code], scope, now)
        except Exception:
            log.exception("quality check %s failed over %s", code, scope.place_path)
            summary.failed.append(code)
            continue
        summary.tripped += tripped
        summary.new += new
        summary.closed += closed
    summary.checked = session.execute(select(func.count()).select_from(Household)
                                      .where(live_households(scope))).scalar_one()
    summary.open = session.execute(select(func.count()).select_from(QualityFinding).where(
        QualityFinding.resolved_at.is_(None), below(QualityFinding.place_path, scope.place_path))).scalar_one()
    return summary


def _counties(session: Session, place_path: str) -> list[str]:
    """The paths of the counties a run over ``place_path`` locks and is cut into: the county the place lies in (or
    is), else every county below it; the place's own path when no county holds it (a tree without that level)."""
    parts = place_path.strip("/").split("/") if place_path != EVERYWHERE else []
    above = ["/" + "/".join(parts[:n]) + "/" for n in range(1, len(parts) + 1)]
    found = session.execute(select(Place.path).where(
        Place.level == PlaceLevel.COUNTY, or_(Place.path.in_(above), below(Place.path, place_path)))
        .order_by(Place.path)).scalars().all()
    return list(found) or [place_path]


def _hold(session: Session, paths: Sequence[str]) -> None:
    """Take the run locks of these counties until the transaction ends (PostgreSQL; SQLite has one writer anyway):
    two overlapping runs — a county's on demand during the nightly one — would both open the same new finding, and
    the second's check would fail on the unique index instead of finding it open. A run waits at most ``LOCK_WAIT``
    for another (a village's recheck while the nightly run passes its county), then answers ``Conflict``."""
    if session.get_bind().dialect.name != "postgresql":
        return
    previous = session.execute(select(func.current_setting("lock_timeout"))).scalar_one()
    session.execute(select(func.set_config("lock_timeout", LOCK_WAIT, True)))
    try:
        for path in sorted(paths):
            try:
                with session.begin_nested():  # a wait that runs out aborts only this SAVEPOINT
                    session.execute(select(func.pg_advisory_xact_lock(RUN_LOCK, lock_key(path))))
            except OperationalError as exc:
                if getattr(exc.orig, "sqlstate", None) != LOCK_NOT_AVAILABLE:
                    raise
                raise Conflict(BUSY.format(place=_name_of(session, path))) from exc
    finally:
        session.execute(select(func.set_config("lock_timeout", previous, True)))


def lock_key(path: str) -> int:
    """The second key of a county's run lock (``RUN_LOCK``, key): its path's CRC-32 as PostgreSQL's int4."""
    return zlib.crc32(path.encode()) - 2 ** 31


def _name_of(session: Session, path: str) -> str:
    return session.execute(select(Place.name).where(Place.path == path)).scalar() or code_at(path)


def _close_retired(session: Session, place_path: str, now: datetime) -> int:
    """Open findings of a retired check (``catalogue.RETIRED``) close: nothing trips them any more."""
    retired = sorted(catalogue.RETIRED - CHECKS.keys())
    if not retired:
        return 0
    return session.execute(update(QualityFinding).where(
        QualityFinding.resolved_at.is_(None), below(QualityFinding.place_path, place_path),
        QualityFinding.rule.in_(retired)).values(resolved_at=now)
        .execution_options(synchronize_session=False)).rowcount


def _run_check(session: Session, check: Check, scope: CheckScope, now: datetime) -> tuple[int, int, int]:
    """Bring the open findings of one check in the scope in line with what it trips now: (tripped, new, closed)."""
    trips = {(trip.household_id, trip.subject): (_fitted(check.describe(trip)), _plain(trip.figures))
             for trip in check.find(session, scope)}
    kept = _open_in_scope(session, check.code, scope.place_path)
    missing = [key for key in trips if key not in kept]
    paths, elsewhere = _places_of(session, check.code, missing)
    kept.update(elsewhere)
    new = [key for key in missing if key not in kept]
    gone = [finding.id for key, finding in kept.items() if key not in trips]
    if new:
        rule, severity = check.code, str(check.severity)  # read once: an enum's value costs microseconds a row
        _insert_new(session, [(household_id, subject, rule, severity, *trips[household_id, subject],
                               paths[household_id]) for household_id, subject in new], now)
    changed = [{"id": finding.id, "message": trips[key][0], "figures": trips[key][1], "last_seen_at": now,
                **({"place_path": finding.place_path} if finding.place_path else {})}
               for key, finding in kept.items() if key in trips
               and (finding.place_path or (finding.message, finding.figures) != trips[key])]
    if changed:
        session.execute(update(QualityFinding), changed)
    for chunk in _chunks(gone):
        session.execute(update(QualityFinding).where(QualityFinding.id.in_(chunk))
                        .values(resolved_at=now).execution_options(synchronize_session=False))
    return len(trips), len(new), len(gone)


NEW_COLUMNS = ("household_id", "subject", "rule", "severity", "message", "figures", "place_path", "found_at",
               "last_seen_at")


def _insert_new(session: Session, rows: list[tuple[Any, ...]], now: datetime) -> None:
    """New findings (``NEW_COLUMNS`` but the two times, which are ``now``). On PostgreSQL through COPY: psycopg's
    executemany sends a statement a row, ~90 µs of this process's CPU each, a region's first run hundreds of
    thousands of them; SQLite's executemany runs in-process already."""
    connection = session.connection()
    if connection.dialect.driver != "psycopg":
        session.execute(insert(QualityFinding.__table__), [dict(zip(NEW_COLUMNS, (*row, now, now), strict=True))
                                                           for row in rows])
        return
    stored = now.astimezone(UTC).replace(tzinfo=None)  # as UtcDateTime stores it
    copying = f"COPY {QualityFinding.__tablename__} ({', '.join(NEW_COLUMNS)}) FROM STDIN"
    with connection.connection.driver_connection.cursor() as cursor, cursor.copy(copying) as copy:
        for household_id, subject, rule, severity, message, figures, place_path in rows:
            copy.write_row((household_id, subject, rule, severity, message, json.dumps(figures), place_path, stored,
                            stored))


def _open_in_scope(session: Session, rule: str, place_path: str) -> dict[tuple[int, str], _Open]:
    rows = session.execute(
        select(QualityFinding.household_id, QualityFinding.subject, QualityFinding.id, QualityFinding.message,
               QualityFinding.figures)
        .where(QualityFinding.rule == rule, QualityFinding.resolved_at.is_(None),
               below(QualityFinding.place_path, place_path)))
    return {(household_id, subject): _Open(id_, message, figures)
            for household_id, subject, id_, message, figures in rows}


def _places_of(session: Session, rule: str, keys: Sequence[tuple[int, str]]
               ) -> tuple[dict[int, str], dict[tuple[int, str], _Open]]:
    """The places of the households of trips not open in the scope, and those of their trips whose finding is open
    outside it (the household moved in: the finding moves with it rather than a second one opening), read together:
    a household's row and its open findings of the rule, if any, by one outer join per thousand households."""
    wanted = set(keys)
    paths: dict[int, str] = {}
    elsewhere: dict[tuple[int, str], _Open] = {}
    open_of_rule = and_(QualityFinding.household_id == Household.id, QualityFinding.rule == rule,
                        QualityFinding.resolved_at.is_(None))
    for chunk in _chunks(sorted({household_id for household_id, _ in keys})):
        rows = session.execute(
            select(Household.id, Household.place_path, QualityFinding.subject, QualityFinding.id,
                   QualityFinding.message, QualityFinding.figures)
            .outerjoin(QualityFinding, open_of_rule).where(Household.id.in_(chunk)))
        for household_id, place_path, subject, id_, message, figures in rows:
            paths[household_id] = place_path
            if id_ is not None and (household_id, subject) in wanted:
                elsewhere[household_id, subject] = _Open(id_, message, figures, place_path)
    return paths, elsewhere


def refresh_places(session: Session, place_path: str) -> int:
    """Open findings in the scope whose household moved to another village within it follow the household."""
    current = select(Household.place_path).where(Household.id == QualityFinding.household_id).scalar_subquery()
    return session.execute(update(QualityFinding).where(
        QualityFinding.resolved_at.is_(None), below(QualityFinding.place_path, place_path),
        QualityFinding.place_path != current).values(place_path=current)
        .execution_options(synchronize_session=False)).rowcount


def _fitted(message: str) -> str:
    """The message cut to its column (an absurdly long name or note in one household's record must not fail the
    insert, and with it the check over the whole county), its end marked."""
    return message if len(message) <= MESSAGE_LENGTH else message[:MESSAGE_LENGTH - 1] + "…"


def _plain(figures: dict[str, Any]) -> dict[str, Any]:
    """The figures as the JSON column hands them back (a date as its ISO text, a Decimal as its digits), so a
    finding seen again with the same figures compares equal and is not rewritten. Figures of plain values (the
    checks' usual text and numbers) are that already, and are not written out and read back."""
    if all(type(value) in PLAIN for value in figures.values()):
        return figures
    return json.loads(json.dumps(figures, default=str))


def _chunks(values: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), IDS_PER_STATEMENT):
        yield values[start:start + IDS_PER_STATEMENT]

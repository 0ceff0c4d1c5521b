"""Data-quality runs at the size of a region, on SQLite and on a throwaway PostgreSQL: what the nightly run and a
region's run on demand cost.

Builds the synthetic region of ``bench/scale_data.py`` (``--scale 1``: 11,000 villages, 1,000,000 households, 100,000
monitoring objects), makes every ``--share``-th monitoring object trip Q101 (an assisted elimination in the month of
identification), then prints wall seconds, this process's CPU seconds and (PostgreSQL) the server's CPU seconds of:
  1. Q101 alone over the region: the first run (every finding new), the second (every finding seen again), a third
     after half the households were fixed (half the findings closed) — the runner's bookkeeping at its largest;
  2. every check of the catalogue, each check's query alone (``find``), then one whole run over the region and one
     over the busy county.

Usage: python bench/quality.py [--scale 1] [--share 3] [--only sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import scale_data  # noqa: E402  (bench/ is on sys.path when run as a script)
from databases import on_both_databases  # noqa: E402
from scale_data import NOW, Size  # noqa: E402
from sqlalchemy import func, select, text  # noqa: E402

from engine.clock import FrozenClock  # noqa: E402
from monitoring.models import Household  # noqa: E402
from monitoring.quality.catalogue import CHECKS, CheckScope  # noqa: E402
from monitoring.quality.models import QualityFinding  # noqa: E402
from monitoring.quality.runner import run_checks  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def server_cpu(session: Any) -> float:
    """CPU seconds of the PostgreSQL server's processes so far (the postmaster's and its children's); 0 on SQLite."""
    if session.get_bind().dialect.name != "postgresql":
        return 0.0
    backend = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
    postmaster = int(_stat(backend)[1])
    total = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = _stat(int(entry))
            except OSError:
                continue
            if int(entry) == postmaster or int(fields[1]) == postmaster:
                total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS


def _stat(pid: int) -> list[str]:
    """/proc/PID/stat after the command's name: state, ppid, … (utime and stime at 11 and 12)."""
    raw = Path(f"/proc/{pid}/stat").read_text()
    return raw[raw.rindex(")") + 2:].split()


@contextmanager
def measured(session: Any, what: str) -> Iterator[None]:
    wall, cpu, server = time.perf_counter(), time.process_time(), server_cpu(session)
    yield
    print(f"  {what:58} {time.perf_counter() - wall:7.2f} s wall  {time.process_time() - cpu:6.2f} s CPU  "
          f"{server_cpu(session) - server:6.2f} s server CPU", flush=True)


@contextmanager
def only(codes: tuple[str, ...]) -> Iterator[None]:
    kept = dict(CHECKS)
    for code in [code for code in CHECKS if code not in codes]:
        del CHECKS[code]
    try:
        yield
    finally:
        CHECKS.clear()
        CHECKS.update(kept)


def open_findings(session: Any) -> int:
    return session.execute(select(func.count()).select_from(QualityFinding)
                           .where(QualityFinding.resolved_at.is_(None))).scalar_one()


@contextmanager
def region_tripping_q101(url: str, args: argparse.Namespace, label: str) -> Iterator[tuple[Any, Any, int, int]]:
    """The synthetic region at ``args.scale`` with every ``every``-th household (one in ``args.share`` monitoring
    objects) marked eliminated in its month of identification (Q101 trips), analysed; yields it, a session on it,
    ``every`` and how many households trip."""
    from web.app import create_app
    from web.extensions import db

    print(f"{label}: building the region (scale {args.scale})", flush=True)
    region = scale_data.build(url, Size().scaled(args.scale), log=lambda line: print(line, flush=True))
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"}, clock=FrozenClock(NOW))
    with app.app_context():
        session = db.session
        every = args.share * max(1, region.size.households // region.size.objects)  # objects are every n-th
        tripping = session.execute(text(
            "UPDATE households SET monitoring_status = 'eliminated', elimination_method = 'assisted', "
            "eliminated_on = monitored_since WHERE monitored_since IS NOT NULL AND id % :every = 0"),
            {"every": every}).rowcount
        session.commit()
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("ANALYZE"))
            session.commit()
        try:
            yield region, session, every, tripping
        finally:
            db.session.remove()
            db.engine.dispose()


def run(url: str, args: argparse.Namespace, label: str) -> None:
    with region_tripping_q101(url, args, label) as (region, session, every, tripping):
        objects = Household.monitored_since.is_not(None)
        households = session.execute(select(func.count()).select_from(Household)).scalar_one()
        objects_count = session.execute(select(func.count()).select_from(Household).where(objects)).scalar_one()
        print(f"{label}: {households} households, {objects_count} monitoring objects, {tripping} trip Q101; "
              f"load {os.getloadavg()[0]:.1f}", flush=True)
        everywhere = CheckScope(region.region.path, NOW.date())
        step = iter(range(1, 100))

        def timed_run(what: str, scope: CheckScope, fix: Callable[[], None] | None = None) -> None:
            if fix:
                fix()
                session.commit()
            at = NOW + timedelta(hours=next(step))
            with measured(session, what):
                summary = run_checks(session, scope, "bench", at)
                session.commit()
            print(f"    {summary.checked} checked, {summary.tripped} tripped, {summary.new} new, "
                  f"{summary.closed} closed, {summary.open} open, failed {summary.failed}", flush=True)

        with only(("Q101",)):
            timed_run("Q101, first run over the region (all new)", everywhere)
            timed_run("Q101, second run (all seen again)", everywhere)
            timed_run("Q101, after half were fixed (half closed)", everywhere, lambda: session.execute(text(
                f"UPDATE households SET eliminated_on = monitored_since + 120 WHERE elimination_method = 'assisted' "
                f"AND id % {2 * every} = 0" if session.get_bind().dialect.name == "postgresql" else
                f"UPDATE households SET eliminated_on = date(monitored_since, '+120 days') "
                f"WHERE elimination_method = 'assisted' AND id % {2 * every} = 0")))
        print(f"{label}: every check's query alone over the region ({len(CHECKS)} checks)", flush=True)
        for code in sorted(CHECKS):
            found = 0
            try:
                with measured(session, f"{code} find"):
                    found = sum(1 for _ in CHECKS[code].find(session, everywhere))
            except Exception as exc:  # a check under construction: say so and go on
                session.rollback()
                print(f"    {code} failed: {type(exc).__name__}: {str(exc)[:120]}")
            print(f"    {code}: {found} trips", flush=True)
        timed_run(f"all {len(CHECKS)} checks, run over the region", everywhere)
        timed_run(f"all {len(CHECKS)} checks, run again over the region", everywhere)
        timed_run(f"all {len(CHECKS)} checks, run over the busy county",
                  CheckScope(region.county.path, NOW.date()))
        print(f"{label}: {open_findings(session)} open findings", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--share", type=int, default=3, help="every share-th monitoring object trips Q101")
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    on_both_databases(run, parser.parse_args())


if __name__ == "__main__":
    main()

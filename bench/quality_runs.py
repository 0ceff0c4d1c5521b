"""What cutting a data-quality run into counties costs, and what a seen-again run writes, on a region at scale.

Builds the synthetic region of ``bench/scale_data.py`` with every ``--share``-th monitoring object tripping Q101 (as
``bench/quality.py``), then prints wall seconds, this process's CPU seconds and (PostgreSQL) the server's CPU seconds:
  1. the first run over the region county by county (every finding new), with each county's run (min/median/max);
  2. seen-again runs, interleaved: the region in one transaction (as before issue 15's review) and county by county;
  3. seen-again runs county by county, interleaved: with the former rewrite of every open finding's ``last_seen_at``
     and without it (only findings whose message or figures changed are written);
  4. Q505's query over a county and over the region with PostgreSQL's JIT on and off, interleaved.

Usage: python bench/quality_runs.py [--scale 1] [--share 3] [--rounds 2] [--only sqlite|postgresql]

PostgreSQL, scale 1 (1,000,000 households, 100 counties, 1,580,239 findings), load 4-5 on 2 cores, 2 rounds:
  first run county by county 269 s wall, 53 s CPU, 113 s server CPU;
  seen again, the region in one transaction 145-146 s wall, 37-38 s CPU, 21.0-21.5 s server CPU;
  seen again, county by county 210-238 s wall, 57-59 s CPU, 73.3-73.6 s server CPU — a county 0.57-0.59 s CPU and
  0.71-0.72 s server CPU (median), at most 0.78 and 1.30 s: the member checks probe members by household per county
  where the region's run hashes the whole table once;
  rewriting every last_seen_at 97-103 s server CPU, writing what changed 73.6-77.5 s (-24 s, a quarter);
  Q505 over a county 0.16-0.18 s server CPU with JIT on, 0.15-0.16 off (its plan costs ~50, far below
  jit_above_cost); over the region 6.9-7.7 on, 6.7-8.5 off: no SET LOCAL jit = off.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from databases import on_both_databases  # noqa: E402
from quality import measured, region_tripping_q101, server_cpu  # noqa: E402
from scale_data import NOW  # noqa: E402
from sqlalchemy import select, text, update  # noqa: E402

from engine.scope import below  # noqa: E402
from monitoring.models import Place, PlaceLevel  # noqa: E402
from monitoring.quality import runner  # noqa: E402
from monitoring.quality.catalogue import CHECKS, CheckScope  # noqa: E402
from monitoring.quality.models import QualityFinding  # noqa: E402


@contextmanager
def former_rewrite() -> Iterator[None]:
    """The runner as it was: after each check, every open finding of it in the scope gets ``last_seen_at``."""
    plain = runner._run_check

    def rewriting(session: Any, check: Any, scope: CheckScope, now: Any) -> tuple[int, int, int]:
        counts = plain(session, check, scope, now)
        session.execute(update(QualityFinding).where(
            QualityFinding.rule == check.code, QualityFinding.resolved_at.is_(None),
            below(QualityFinding.place_path, scope.place_path), QualityFinding.last_seen_at < now)
            .values(last_seen_at=now).execution_options(synchronize_session=False))
        return counts

    runner._run_check = rewriting
    try:
        yield
    finally:
        runner._run_check = plain


def run(url: str, args: argparse.Namespace, label: str) -> None:
    with region_tripping_q101(url, args, label) as (region, session, _every, _tripping):
        postgresql = session.get_bind().dialect.name == "postgresql"
        counties = session.execute(select(Place.path).where(Place.level == PlaceLevel.COUNTY)
                                   .order_by(Place.path)).scalars().all()
        print(f"{label}: {len(counties)} counties, {len(CHECKS)} checks; load {os.getloadavg()[0]:.1f}", flush=True)
        everywhere = CheckScope(region.region.path, NOW.date())
        hour = iter(range(1, 1000))

        def by_county(what: str) -> None:
            marks = [(time.process_time(), server_cpu(session))]

            def then(_county: str) -> None:
                marks.append((time.process_time(), server_cpu(session)))

            with measured(session, what):
                summary = runner.run_by_county(session, everywhere, "bench", NOW + timedelta(hours=next(hour)),
                                               then=then)
            cpu = [b[0] - a[0] for a, b in pairwise(marks)]
            server = [b[1] - a[1] for a, b in pairwise(marks)]
            print(f"    {summary.checked} checked, {summary.tripped} tripped, {summary.new} new, {summary.open} open;"
                  f" a county's CPU min/median/max {min(cpu):.2f}/{statistics.median(cpu):.2f}/{max(cpu):.2f} s, "
                  f"server {min(server):.2f}/{statistics.median(server):.2f}/{max(server):.2f} s", flush=True)

        def in_one_transaction(what: str) -> None:
            with measured(session, what):
                runner.run_checks(session, everywhere, "bench", NOW + timedelta(hours=next(hour)))
                session.commit()

        by_county("first run, county by county (all new)")
        for round_ in range(args.rounds):
            in_one_transaction(f"round {round_}: seen again, the region in one transaction")
            by_county(f"round {round_}: seen again, county by county")
        for round_ in range(args.rounds):
            with former_rewrite():
                by_county(f"round {round_}: seen again, rewriting every last_seen_at")
            by_county(f"round {round_}: seen again, writing what changed")
        if postgresql:
            for scope, where in ((CheckScope(counties[len(counties) // 2], NOW.date()), "a county"),
                                 (everywhere, "the region")):
                for round_ in range(args.rounds + 1):
                    for jit in ("on", "off"):
                        session.execute(text(f"SET jit = {jit}"))
                        with measured(session, f"round {round_}: Q505 over {where}, jit {jit}"):
                            sum(1 for _ in CHECKS["Q505"].find(session, scope))
                        session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--share", type=int, default=3, help="every share-th monitoring object trips Q101")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    on_both_databases(run, parser.parse_args())


if __name__ == "__main__":
    main()

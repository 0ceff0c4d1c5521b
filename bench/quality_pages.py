"""What the data-quality pages cost on a synthetic region, on SQLite and on a throwaway PostgreSQL.

Builds the region of ``bench/scale_data.py`` at ``--scale``, makes every ``--share``-th monitoring object trip Q101,
runs the whole catalogue over the region, then prints the median and worst CPU milliseconds of this thread per request
(``--runs`` each, after one warm-up) of: /quality/ as the region, the busy county and a village user; the county's
list of every finding; the village's export; the page of a household with findings; and the bulletin's quality table
alone (``bulletin._quality_lines``) for the county and the region. PostgreSQL's server CPU is not included.

Usage: python bench/quality_pages.py [--scale 0.1] [--share 3] [--runs 10] [--only sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import scale_data  # noqa: E402  (bench/ is on sys.path when run as a script)
from databases import on_both_databases  # noqa: E402
from scale_data import NOW, PASSWORD, Size  # noqa: E402
from sqlalchemy import func, select, text  # noqa: E402

from engine.clock import FrozenClock  # noqa: E402
from monitoring.models import Place  # noqa: E402
from monitoring.quality.catalogue import CheckScope  # noqa: E402
from monitoring.quality.models import QualityFinding  # noqa: E402
from monitoring.quality.runner import run_checks  # noqa: E402


def cpu_ms(runs: int, call: Callable[[], Any]) -> str:
    call()
    spent = []
    for _ in range(runs):
        start = time.thread_time()
        call()
        spent.append((time.thread_time() - start) * 1000)
    return f"median {statistics.median(spent):7.1f}  worst {max(spent):7.1f} ms CPU"


def run(url: str, args: argparse.Namespace, label: str) -> None:
    from web.app import create_app
    from web.dashboard.bulletin import _quality_lines
    from web.extensions import db

    print(f"{label}: building the region (scale {args.scale})", flush=True)
    region = scale_data.build(url, Size().scaled(args.scale), log=lambda line: None)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False},
                     clock=FrozenClock(NOW))
    with app.app_context():
        session = db.session
        every = args.share * max(1, region.size.households // region.size.objects)
        session.execute(text(
            "UPDATE households SET monitoring_status = 'eliminated', elimination_method = 'assisted', "
            "eliminated_on = monitored_since WHERE monitored_since IS NOT NULL AND id % :every = 0"), {"every": every})
        session.commit()
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("ANALYZE"))
            session.commit()
        summary = run_checks(session, CheckScope(region.region.path, NOW.date()), "bench", NOW)
        session.commit()
        in_village = session.execute(select(QualityFinding.household_id).where(
            QualityFinding.place_path == region.village.path).limit(1)).scalar()
        busy = session.execute(select(func.count()).select_from(QualityFinding).where(
            QualityFinding.resolved_at.is_(None), QualityFinding.place_path.startswith(region.county.path))
        ).scalar_one()
        print(f"{label}: {summary.checked} households, {summary.open} open findings ({busy} in the busy county), "
              f"failed checks {summary.failed}; load {os.getloadavg()[0]:.1f}", flush=True)
        county, whole = session.get(Place, region.county.code), session.get(Place, region.region.code)
        db.session.remove()

        def browser(level: str) -> Any:
            client = app.test_client()
            answer = client.post("/login", data={"username": region.users[level], "password": PASSWORD})
            assert answer.status_code == 302, answer.status_code
            return client

        def page(client: Any, url: str) -> Callable[[], None]:
            def get() -> None:
                answer = client.get(url)
                assert answer.status_code == 200, (url, answer.status_code)
            return get

        region_user, county_user, village_user = browser("region"), browser("county"), browser("village")
        for what, call in (
                ("/quality/ region", page(region_user, "/quality/")),
                ("/quality/ county", page(county_user, "/quality/")),
                ("/quality/ village", page(village_user, "/quality/")),
                ("/quality/?status=all county", page(county_user, "/quality/?status=all")),
                ("/quality/?format=xlsx village", page(village_user, "/quality/?format=xlsx")),
                ("household page with findings (village)",
                 page(village_user, f"/households/{in_village}") if in_village else lambda: None),
        ):
            print(f"  {what:44} {cpu_ms(args.runs, call)}", flush=True)
        with app.test_request_context():
            for what, place in (("bulletin quality table, county", county), ("bulletin quality table, region", whole)):
                print(f"  {what:44} {cpu_ms(args.runs, lambda p=place: _quality_lines(db.session, p))}", flush=True)
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--share", type=int, default=3, help="every share-th monitoring object trips Q101")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    on_both_databases(run, parser.parse_args())


if __name__ == "__main__":
    main()

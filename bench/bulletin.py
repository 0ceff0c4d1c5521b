"""The quarterly bulletin at the size of Inner Mongolia, on SQLite and on a throwaway PostgreSQL.

Builds the synthetic region of ``bench/campaign.py`` (12 leagues, 100 counties, 800 townships, 11,000 villages, its
households, members and natural changes), each monitoring object's status history (identified, eliminated), and one
identification case per village with a done and an open task (some late); then prints, p50 and p95 over ``--runs``
runs, the bulletin (every figure: ``web.dashboard.bulletin.bulletin``) of the region, a league and a county for a past
quarter (tasks at its end) and the current one (tasks now), and the county's XLSX and PDF.

Usage: python bench/bulletin.py [--per-village 10] [--objects 6] [--runs 5] [--only sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from campaign import NOW, REGION, build_households, build_tree  # noqa: E402  (bench/ is on sys.path as a script)
from databases import region_benchmark  # noqa: E402
from sqlalchemy import insert, literal, select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402
from timing import timed  # noqa: E402

import monitoring.models  # noqa: E402,F401  (registers the domain's tables)
from engine.clock import FrozenClock  # noqa: E402
from engine.models import Base, ProcessInstance, ProcessVersion, Task  # noqa: E402
from monitoring.models import Household, HouseholdStatusChange, Place  # noqa: E402
from monitoring.quarters import Quarter  # noqa: E402


def build_history(session: Session) -> None:
    """Each monitoring object's inclusion and elimination, as migration 0011 backfilled them."""
    changes = HouseholdStatusChange.__table__
    columns = ["household_id", "from_status", "to_status", "monitoring_type", "reason", "changed_on", "changed_at",
               "changed_by"]
    for to_status, from_status, day in (("monitored", "not_monitored", Household.monitored_since),
                                        ("eliminated", "monitored", Household.eliminated_on)):
        session.execute(insert(changes).from_select(columns, select(
            Household.id, literal(from_status), literal(to_status), Household.monitoring_type, literal(""), day,
            literal(NOW), literal("bench")).where(day.is_not(None))))


def build_cases(session: Session, villages: list[tuple[str, str]]) -> None:
    """One identification case per village started in the past quarter: its visit done (every third late) and its
    authorization open (every second past its due day)."""
    version = session.execute(select(ProcessVersion.id).where(ProcessVersion.key == "identification")
                              .order_by(ProcessVersion.version.desc()).limit(1)).scalar_one()
    started = NOW - timedelta(days=60)
    instances, tasks = [], []
    for number, (code, path) in enumerate(villages, start=1):
        instances.append({"id": number, "version_id": version, "process_key": "identification", "place_code": code,
                          "place_path": path, "status": "running", "state": "{}", "audit_hash": "0" * 64,
                          "data": {}, "waiting": [], "created_at": started, "created_by": "bench"})
        tasks.append({"id": f"visit-{number}", "instance_id": number, "process_key": "identification",
                      "bpmn_id": "visit", "name": "走访排查", "role": "village", "place_code": code, "place_path": path,
                      "state": "completed", "due_at": started + timedelta(days=7), "created_at": started,
                      "completed_at": started + timedelta(days=9 if number % 3 == 0 else 5)})
        tasks.append({"id": f"authorize-{number}", "instance_id": number, "process_key": "identification",
                      "bpmn_id": "authorize", "name": "农牧户授权", "role": "village", "place_code": code,
                      "place_path": path, "state": "ready", "created_at": started + timedelta(days=9),
                      "due_at": started + timedelta(days=16 if number % 2 == 0 else 90)})
    for rows, model in ((instances, ProcessInstance), (tasks, Task)):
        for start in range(0, len(rows), 5_000):
            session.execute(insert(model), rows[start:start + 5_000])


def run(url: str, args: argparse.Namespace, label: str) -> None:
    from web.app import create_app
    from web.boundary import engine
    from web.dashboard.bulletin import bulletin
    from web.dashboard.bulletin_files import pdf_bytes, xlsx_bytes
    from web.extensions import db
    from web.shipped_processes import deploy_shipped

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"}, clock=FrozenClock(NOW))
    with app.app_context(), app.test_request_context():
        Base.metadata.create_all(db.engine)
        session = db.session
        started = time.perf_counter()
        villages, league, county = build_tree(session)
        count = build_households(session, villages, args.per_village, args.objects)
        deploy_shipped(session)
        build_history(session)
        build_cases(session, villages)
        session.commit()
        if url.startswith("postgresql"):
            session.execute(text("ANALYZE"))
            session.commit()
        print(f"[{label}] built {len(villages)} villages, {count} households, {len(villages)} cases "
              f"in {time.perf_counter() - started:.0f} s")
        past, current = Quarter.of(NOW.date()).previous(), Quarter.of(NOW.date())
        for name, code in (("region", REGION), ("league", league), ("county", county)):
            place = session.get(Place, code)
            for quarter in (past, current):
                print(f"[{label}] bulletin {name:7} {quarter.code}: " + timed(
                    args.runs, lambda p=place, q=quarter: bulletin(session, engine(), p, q, NOW)))
        found = bulletin(session, engine(), session.get(Place, county), past, NOW)
        print(f"[{label}] county {past.code} XLSX: " + timed(args.runs, lambda: xlsx_bytes(found)))
        print(f"[{label}] county {past.code} PDF:  " + timed(args.runs, lambda: pdf_bytes(found)))
        region = bulletin(session, engine(), session.get(Place, REGION), past, NOW)
        print(f"[{label}] region {past.code}: {region.types_total.figures['objects'].households.value} objects at "
              f"the end, {region.tasks_total.open_tasks} open tasks ({region.tasks_total.overdue} overdue), "
              f"{len(region.ranking)} leagues ranked")
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    region_benchmark(__doc__, run, per_village=10, objects=6)


if __name__ == "__main__":
    main()

"""The annual campaign at the size of Inner Mongolia, on SQLite and on a throwaway PostgreSQL.

Builds a synthetic region (12 leagues, 100 counties, 800 townships, 11,000 villages; ``--per-village`` households in
each, ``--objects`` of them monitoring objects with three members, the others with two; natural changes), deploys the
shipped models, then prints:
  1. the time ``open_campaign`` takes (one unit per place, one annual_adjustment case per township, every village's
     task placed at its village) — goal ≤ 60 s;
  2. ``progress`` and ``summary`` (``monitoring.campaign_reports``) of the region, a league and a county, p50 and
     p95 over ``--runs`` runs, with half the villages submitted and half the households checked — goal ≤ 1 s.

Usage: python bench/campaign.py [--per-village 20] [--objects 9] [--runs 5] [--only sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from databases import region_benchmark  # noqa: E402
from sqlalchemy import insert, text, update  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402
from timing import timed  # noqa: E402  (bench/ is on sys.path when run as a script)

import monitoring.models  # noqa: E402,F401  (registers the domain's tables)
from engine.clock import FrozenClock  # noqa: E402
from engine.models import Base  # noqa: E402
from monitoring import campaign_reports, places  # noqa: E402
from monitoring.campaign_models import CampaignCheck, CampaignUnit  # noqa: E402
from monitoring.campaigns import open_campaign  # noqa: E402
from monitoring.change_models import HouseholdChange  # noqa: E402
from monitoring.models import Household, Member, Place  # noqa: E402

CST = timezone(timedelta(hours=8))
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=CST)
REGION = "150000000000"
LEAGUES, COUNTIES, TOWNSHIPS, VILLAGES = 12, 100, 800, 11_000
TYPES = ("unstable", "marginal", "sudden")
KINDS = ("birth", "death", "marry_in", "marry_out", "move_in", "move_out")


def _spread(total: int, parts: int) -> list[int]:
    """``total`` split into ``parts`` nearly equal whole numbers."""
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def build_tree(session: Session) -> tuple[list[tuple[str, str]], str, str]:
    """The region's places; returns the villages (code, path), one league's and one county's code."""
    rows = [{"code": REGION, "name": "内蒙古自治区", "level": "region", "parent_code": None, "path": f"/{REGION}/"}]
    villages: list[tuple[str, str]] = []
    county_counts = _spread(COUNTIES, LEAGUES)
    township_counts = iter(_spread(TOWNSHIPS, COUNTIES))
    village_counts = iter(_spread(VILLAGES, TOWNSHIPS))
    for league_number, counties in enumerate(county_counts, start=1):
        league = f"15{league_number:02d}00000000"
        league_path = f"/{REGION}/{league}/"
        rows.append({"code": league, "name": f"盟市{league_number}", "level": "league", "parent_code": REGION,
                     "path": league_path})
        for county_number in range(1, counties + 1):
            county = f"15{league_number:02d}{county_number:02d}000000"
            county_path = f"{league_path}{county}/"
            rows.append({"code": county, "name": f"旗县{league_number}-{county_number}", "level": "county",
                         "parent_code": league, "path": county_path})
            for township_number in range(1, next(township_counts) + 1):
                township = f"{county[:6]}{township_number:03d}000"
                township_path = f"{county_path}{township}/"
                rows.append({"code": township, "name": f"苏木{township}", "level": "township",
                             "parent_code": county, "path": township_path})
                for village_number in range(1, next(village_counts) + 1):
                    village = f"{township[:9]}{village_number:03d}"
                    villages.append((village, f"{township_path}{village}/"))
                    rows.append({"code": village, "name": f"嘎查{village}", "level": "village",
                                 "parent_code": township, "path": villages[-1][1]})
    session.execute(insert(Place), rows)
    return villages, "150100000000", "150101000000"


def build_households(session: Session, villages: list[tuple[str, str]], per_village: int, objects: int) -> int:
    """Households, members and natural changes in bulk, one village at a time in chunks; returns the count."""
    household_id = member_id = 0
    households, members, changes = [], [], []

    def flush() -> None:
        for model, rows in ((Household, households), (Member, members), (HouseholdChange, changes)):
            if rows:
                session.execute(insert(model), rows)
                rows.clear()

    for index, (code, path) in enumerate(villages):
        for number in range(per_village):
            household_id += 1
            monitored = number < objects
            status = ("eliminated" if number % 4 == 3 else "monitored") if monitored else "not_monitored"
            households.append({
                "id": household_id, "village_code": code, "place_path": path, "household_type": "ordinary",
                "created_at": NOW, "group_name": "", "address": "", "phone": "", "bank_account": "",
                "focus_groups": [], "monitoring_status": status, "risk_types": [],
                "monitoring_type": TYPES[number % 3] if monitored else None,
                "monitored_since": date(2025, 6, 1) + timedelta(days=number * 45) if monitored else None,
                "eliminated_on": date(2026, 11, 1) if status == "eliminated" else None})
            for position in range(3 if monitored else 2):
                member_id += 1
                members.append({"id": member_id, "household_id": household_id, "position": position,
                                "name": f"成员{member_id}", "id_number": f"15{member_id:016d}",
                                "relation": "head" if position == 0 else "son", "health": [],
                                "left_on": date(2026, 11, 1) if position == 2 and number % 5 == 0 else None})
            if number == 0:
                changes.append({"household_id": household_id, "place_path": path, "kind": KINDS[index % 6],
                                "occurred_on": date(2026, 11, 1), "moved_member_ids": [], "note": "",
                                "recorded_at": NOW, "recorded_by": "bench"})
        if len(members) > 20_000:
            flush()
    flush()
    return household_id


def work_half(session: Session, campaign_id: int, households: int) -> None:
    """Half the villages submitted and half the households checked, as in the middle of a campaign."""
    session.execute(update(CampaignUnit).where(CampaignUnit.campaign_id == campaign_id,
                                               CampaignUnit.level == "village", CampaignUnit.id % 2 == 0)
                    .values(status="submitted"))
    rows = [{"campaign_id": campaign_id, "household_id": i, "checked_at": NOW, "checked_by": "bench"}
            for i in range(1, households + 1, 2)]
    for start in range(0, len(rows), 20_000):
        session.execute(insert(CampaignCheck), rows[start:start + 20_000])


def _vacuum(url: str) -> None:
    """On PostgreSQL, what autovacuum does to a table after bulk writes: statistics, and the visibility map that lets
    the summary's queries read the covering indexes alone."""
    if url.startswith("postgresql"):
        from web.extensions import db

        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))


def run(url: str, args: argparse.Namespace, label: str) -> None:
    from web.app import create_app
    from web.boundary import engine
    from web.extensions import db
    from web.shipped_processes import deploy_shipped

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"}, clock=FrozenClock(NOW))
    with app.app_context():
        Base.metadata.create_all(db.engine)
        session = db.session
        started = time.perf_counter()
        villages, league, county = build_tree(session)
        count = build_households(session, villages, args.per_village, args.objects)
        deploy_shipped(session)
        user = places.add_user(session, "bench_region", "region", REGION, "bench-password")
        actor = places.actor_for(session, user)
        session.commit()
        _vacuum(url)
        print(f"[{label}] built {len(villages)} villages, {count} households "
              f"({len(villages) * args.objects} monitoring objects) in {time.perf_counter() - started:.0f} s")
        started = time.perf_counter()
        campaign = open_campaign(session, engine(), actor, year=2026, place_code=REGION, income_line="7500",
                                 deadlines={"village": "2026-11-20", "township": "2026-11-25",
                                            "county": "2026-11-30", "league": "2026-12-05"}, now=NOW)
        session.commit()
        print(f"[{label}] open_campaign (one case per township): {time.perf_counter() - started:.1f} s (goal ≤ 60 s)")
        work_half(session, campaign.id, count)
        session.commit()
        _vacuum(url)
        today = date(2026, 11, 21)
        for name, code in (("region", REGION), ("league", league), ("county", county)):
            place = session.get(Place, code)
            print(f"[{label}] progress {name:7}: " + timed(args.runs, lambda p=place: campaign_reports.progress(
                session, campaign, p, today)))
            print(f"[{label}] summary  {name:7}: " + timed(args.runs, lambda p=place: campaign_reports.summary(
                session, campaign, p)))
        found = campaign_reports.progress(session, campaign, session.get(Place, REGION), today)
        print(f"[{label}] region: {found.done}/{found.total} villages done, {found.overdue} overdue, "
              f"{len(found.late)} late units above the villages")
        tasks = session.execute(text("SELECT count(*) FROM tasks WHERE state = 'ready'")).scalar()
        print(f"[{label}] READY tasks after opening: {tasks}")
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    region_benchmark(__doc__, run, per_village=20, objects=9)


if __name__ == "__main__":
    main()

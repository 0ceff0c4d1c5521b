"""What a designer waits for on the shipped identification model (986 lines of BPMN, 8 forms, its process tests).

Prints, on SQLite and on PostgreSQL, the median and 95th percentile of: opening the draft made from the latest
version, saving it (the optimistic write, its audit row and every deploy check with the process tests, as each save
answers its problems), the diff between the latest version and the draft, and a publish (the same checks, storing the
version, removing the draft) — each run rolled back, so every run does the same work.

Usage: python bench/designer.py [--runs 10] [--only sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.databases import on_both_databases  # noqa: E402
from bench.timing import timed  # noqa: E402
from engine import model_drafts  # noqa: E402
from engine.assignment import Actor  # noqa: E402
from engine.clock import FrozenClock  # noqa: E402
from engine.models import Base  # noqa: E402

KEY = "identification"
DESIGNER = Actor("sheji", "designer", "/15/")


def run(url: str, args: argparse.Namespace, label: str) -> None:
    from web.app import create_app
    from web.boundary import engine
    from web.extensions import db
    from web.shipped_processes import deploy_shipped

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"},
                     clock=FrozenClock(datetime(2026, 3, 2, 1, 0, tzinfo=UTC)))
    with app.app_context():
        Base.metadata.create_all(db.engine)
        session = db.session
        deploy_shipped(session)
        session.commit()
        files = model_drafts.get(session, KEY).files
        changed = {**files, "identification.bpmn": files["identification.bpmn"].replace('name="走访排查"',
                                                                                         'name="入户走访排查"')}

        def saved() -> None:
            model_drafts.save(engine(), session, DESIGNER, KEY, 0, changed)
            session.rollback()

        def published() -> None:
            model_drafts.save(engine(), session, DESIGNER, KEY, 0, changed)
            model_drafts.publish(engine(), session, DESIGNER, KEY, 1, "基准")
            session.rollback()

        print(f"[{label}] open the draft: {timed(args.runs, lambda: model_drafts.get(session, KEY))}")
        print(f"[{label}] save (checks and tests): {timed(args.runs, saved)}")
        model_drafts.save(engine(), session, DESIGNER, KEY, 0, changed)
        print(f"[{label}] diff version 1 → draft: "
              f"{timed(args.runs, lambda: model_drafts.compare(session, KEY, 1, model_drafts.DRAFT))}")
        session.rollback()
        print(f"[{label}] save then publish: {timed(args.runs, published)}")
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    on_both_databases(run, parser.parse_args())


if __name__ == "__main__":
    main()

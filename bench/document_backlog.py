"""How long ``fangpin serve`` takes to render a backlog of documents, e.g. the demo's, from its first sweep on.

Copies the instance folder given (its SQLite database and documents; never changes the original), then runs the
server's scheduler thread on the copy with its real interval and prints, once nothing is pending: the documents it
found waiting, the seconds until the last was rendered, how many sweeps that took and the seconds per document.

Usage: python bench/document_backlog.py --instance instance/demo [--interval 30]
  (build one with ``FANGPIN_INSTANCE_DIR=/tmp/x fangpin db upgrade && FANGPIN_INSTANCE_DIR=/tmp/x fangpin demo``)
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask import Flask  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from monitoring.models import Document, DocumentStatus  # noqa: E402
from web.app import create_app  # noqa: E402
from web.extensions import db  # noqa: E402
from web.serve import TimerScheduler  # noqa: E402


def pending(app: Flask) -> int:
    with app.app_context():
        count = db.session.execute(select(func.count()).where(Document.status == DocumentStatus.PENDING)).scalar()
        db.session.remove()
        return count


class CountingScheduler(TimerScheduler):
    """The server's scheduler, counting its sweeps."""

    sweeps = 0

    def sweep(self) -> int:
        self.sweeps += 1
        return super().sweep()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instance", type=Path, required=True)
    parser.add_argument("--interval", type=float, default=30.0, help="the scheduler's interval (TIMER_INTERVAL)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as copy:
        shutil.copytree(args.instance, copy, dirs_exist_ok=True)
        os.environ["FANGPIN_INSTANCE_DIR"] = copy
        app = create_app({"TIMER_INTERVAL": args.interval})
        waiting = pending(app)
        scheduler = CountingScheduler(app, args.interval)
        began = time.perf_counter()
        scheduler.start()
        while pending(app):
            time.sleep(0.25)
        elapsed = time.perf_counter() - began
        scheduler.stopped.set()
        scheduler.join()
    print(f"{waiting} documents pending; all rendered {elapsed:.1f} s after the server started "
          f"({scheduler.sweeps} sweeps, interval {args.interval:g} s; {elapsed / max(waiting, 1):.2f} s per document)")


if __name__ == "__main__":
    main()

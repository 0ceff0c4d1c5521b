"""Login cost with throttling and server-side sessions.

Prints, in one run (median of ``--runs`` requests each, through the Flask test client):
  1. a wrong password: the throttle check, the failure stored and committed, the password hash compared,
  2. an attempt refused while the account is locked (no hash is computed: a flood costs little),
  3. the same refusal with ``--rows`` failures of other addresses in the table (a wide attack),
  4. a logged-in page request's session lookup (``login_sessions.live_session``).

Usage: python bench/login.py [--runs 20] [--rows 50000] [--database-url postgresql+psycopg://…]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from engine.clock import FrozenClock  # noqa: E402
from engine.models import Base  # noqa: E402
from monitoring import places  # noqa: E402
from monitoring.models import LoginFailure, LoginFailureKind, User  # noqa: E402
from web.app import create_app  # noqa: E402
from web.auth import login_sessions  # noqa: E402
from web.extensions import db  # noqa: E402

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def median_ms(action, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    clock = FrozenClock(NOW)
    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database_url or f"sqlite:///{folder / 'bench.db'}",
                      "SECRET_KEY": "bench", "DOCUMENTS_DIR": str(folder / "documents")}, clock=clock)
    client = app.test_client()
    with app.app_context():
        Base.metadata.drop_all(db.engine)
        Base.metadata.create_all(db.engine)
        places.add_place(db.session, "15", "自治区")
        places.add_user(db.session, "bench", "admin", "15", "bench-password")
        db.session.commit()

    def attempt(username: str, password: str, address: str = "192.0.2.1") -> int:
        return client.post("/api/v1/auth/token", json={"username": username, "password": password},
                           environ_base={"REMOTE_ADDR": address}).status_code

    addresses = iter(f"10.{n // 65536}.{n // 256 % 256}.{n % 256}" for n in range(10**6))
    wrong = median_ms(lambda: attempt(f"user{next(addresses)}", "wrong", next(addresses)), args.runs)
    for _ in range(5):
        attempt("bench", "wrong")
    locked = median_ms(lambda: attempt("bench", "bench-password"), args.runs)
    with app.app_context():
        db.session.execute(insert(LoginFailure), [
            {"kind": LoginFailureKind.ADDRESS, "key": f"172.16.{n // 256 % 256}.{n % 256}",
             "at": NOW - timedelta(seconds=n % 80_000)} for n in range(args.rows)])
        db.session.commit()
    locked_wide = median_ms(lambda: attempt("bench", "bench-password"), args.runs)
    with app.app_context():
        user = db.session.query(User).filter_by(username="bench").one()
        token, _ = login_sessions.open_session(db.session, user, "192.0.2.1", NOW, timedelta(hours=12))
        db.session.commit()
        lookup = median_ms(lambda: login_sessions.live_session(db.session, token, NOW, timedelta(hours=12)),
                           args.runs)
        print(f"database: {db.engine.dialect.name}, median of {args.runs}")
        db.engine.dispose()
    print(f"wrong password (check + record + hash):   {wrong:7.1f} ms")
    print(f"refused while locked:                     {locked:7.1f} ms")
    print(f"refused while locked, {args.rows} other rows: {locked_wide:7.1f} ms")
    print(f"session lookup per page request:          {lookup:7.2f} ms")


if __name__ == "__main__":
    main()

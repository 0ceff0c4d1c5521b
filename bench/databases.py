"""Run one benchmark on a temporary SQLite file and on a throwaway PostgreSQL server, as ``--only`` asks."""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Callable

from sqlalchemy import create_engine, text

from tests import postgres


def region_benchmark(doc: str, run: Callable[[str, argparse.Namespace, str], None], *, per_village: int,
                     objects: int) -> None:
    """The command line every synthetic-region benchmark shares, then ``run`` on the databases it asks for."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--per-village", type=int, default=per_village)
    parser.add_argument("--objects", type=int, default=objects, help="monitoring objects per village")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    on_both_databases(run, parser.parse_args())


def on_both_databases(run: Callable[[str, argparse.Namespace, str], None], args: argparse.Namespace) -> None:
    """``run(url, args, label)`` on SQLite, then on PostgreSQL (a database ``bench`` on a server of its own)."""
    if args.only != "postgresql":
        with tempfile.TemporaryDirectory() as folder:
            run(f"sqlite:///{folder}/bench.db", args, "SQLite")
    if args.only != "sqlite":
        server = postgres.ThrowawayPostgres()
        try:
            admin = create_engine(server.start(), isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(text("CREATE DATABASE bench"))
            admin.dispose()
            run(server.url("bench"), args, "PostgreSQL")
        finally:
            server.stop()

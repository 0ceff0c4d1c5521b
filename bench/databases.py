"""Run one benchmark on a temporary SQLite file and on a throwaway PostgreSQL server, as ``--only`` asks."""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Callable

from sqlalchemy import create_engine, text

from tests import postgres


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

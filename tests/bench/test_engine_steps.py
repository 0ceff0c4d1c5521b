"""bench/engine_steps.py measures what it says: both sides of a paired round take every step of the same cases, and the
HTTP figure's database share is read from the database server's own processes."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from sqlalchemy import create_engine, text

from bench import engine_steps


def test_a_paired_round_measures_every_step_of_the_same_cases_on_both_sides(database_url, tmp_path):
    (tmp_path / "bench.json").write_text(json.dumps(engine_steps.FORM))

    raw, ours, kept = engine_steps.paired_round(database_url, tmp_path, engine_steps.chain_bpmn(3), 2)

    assert raw.count == ours.count == 2 * 3
    assert kept == 2 * 3  # each step began from the workflow the case's start or last step kept
    assert raw.cpu_ms > 0 and ours.cpu_ms > 0


def _reaped(pid: int) -> None:
    """Wait until the postmaster has reaped its ended backend ``pid``. Reaped while ``cpu_shares`` reads /proc (the
    postmaster first, then the backend: a higher pid), its CPU is in neither reading: a CI run once read 0 so."""
    deadline = time.monotonic() + 30
    while Path(f"/proc/{pid}").exists():
        assert time.monotonic() < deadline, f"backend {pid} still not reaped"
        os.sched_yield()


def test_the_database_servers_share_is_its_own_process_tree(postgres_server):
    before = engine_steps.cpu_shares(0, postgres_server.port)
    database = create_engine(postgres_server.admin_url)
    with database.connect() as connection:  # a backend of the server: a child of its postmaster
        backend = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
        connection.execute(text("SELECT sum(g) FROM generate_series(1, 3000000) g")).scalar_one()
    database.dispose()
    _reaped(backend)  # its CPU is now the postmaster's (its children's that ended)

    spent = engine_steps.cpu_shares(0, postgres_server.port) - before

    assert spent.database > 0
    assert engine_steps.cpu_shares(0, None).database == 0
    assert spent.server == 0  # no ``fangpin serve`` listens on port 0

"""Queries at the size of a region, on SQLite and on PostgreSQL: what users wait for once the data has grown.

Builds the synthetic region of ``bench/scale_data.py`` (``--scale 1``: 11,000 villages, 1,000,000 households,
1,000,000 task rows of which 50,000 READY, 10,000 due timers; build time and size on disk printed), then prints p50
and p95 over ``--runs`` runs of:
  1. the inbox of a village, township, county and league user: the page (``GET /tasks/``, logged in, rendered) and
     the API (``GET /api/v1/tasks`` with a real token), through the Flask test client, and the actor's READY count;
  2. household search by a full name, by a surname alone and by the last six digits of an ID number, as a village
     and as a county user: the page (``GET /households/?q=``) and the API (``GET /api/v1/households?q=``);
     under each route, "its queries": the function it calls, alone (the database's share of the request);
  3. the household list's first page and its 21st (keyset: the same cost) of a village and a county, and the
     county's XLSX export (10,000 rows);
  4. a case page (``GET /cases/{id}``) and the API's case (``GET /api/v1/instances/{id}``) of a real
     identification case with its timeline;
  5. the dashboard (``web.dashboard.overview.overview``) and the quarterly bulletin (``web.dashboard.bulletin
     .bulletin``) of the busy county and of the region;
  6. a sweep of the due timers by 1 sweeper and by one per core at once (``fangpin timers run --now`` processes, as
     every worker of ``fangpin serve --workers $(nproc)`` sweeps: ``bench/timer_sweep.py``'s measure, start-up taken
     out): timers per second. Each sweep writes; the rows it wrote are removed and its instances put back afterwards,
     so the next sweep (and, with ``--keep``, the next run) finds them due, the tables vacuumed as a region just built
     has them (else a kept region's next run counts its running cases from table pages, not from an index alone).

Goals (issue 14): inbox and search p95 ≤ 20 ms, dashboard ≤ 300 ms at region level, sweep ≥ 500 timers/s on
PostgreSQL; the build "in a few minutes" (each phase's wall and CPU seconds printed as it ends; ``--build-only``
stops there). ``--keep DIR`` builds each database once under DIR and reuses it (delete DIR when done).

Usage: python bench/scale.py [--scale 1] [--runs 20] [--only sqlite|postgresql] [--keep DIR] [--build-only]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import scale_data  # noqa: E402  (bench/ is on sys.path when run as a script)
from scale_data import NOW, PASSWORD, Region, Size  # noqa: E402
from sqlalchemy import bindparam, create_engine, delete, func, insert, select, text, update  # noqa: E402
from timer_sweep import ServerCpu, report, start_and_sweep  # noqa: E402
from timing import timed  # noqa: E402

from engine.clock import FrozenClock  # noqa: E402
from engine.models import Base, ProcessInstance, Task  # noqa: E402
from tests import postgres  # noqa: E402

CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')
INBOX_LEVELS = ("village", "township", "county", "league")


class KeptPostgres(postgres.ThrowawayPostgres):
    """A PostgreSQL server whose data stay in ``folder`` between runs (``--keep``)."""

    def __init__(self, folder: Path) -> None:
        super().__init__()
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir = folder
        self.built = (folder / "data").is_dir()

    def start(self) -> str:
        if not self.built:
            self.dir.mkdir(parents=True, exist_ok=True)
            return super().start()
        self._run("pg_ctl", "-D", f"{self.dir}/data", "-l", f"{self.dir}/log", "-w", "-o",
                  f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                  "-c synchronous_commit=off -c full_page_writes=off", "start")
        return self.url("postgres")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", f"{self.dir}/data", "-m", "fast", "stop")


@contextmanager
def database(kind: str, keep: Path | None) -> Iterator[tuple[str, Path, ServerCpu | None]]:
    """The URL of a database of ``kind``, the file its built region is described in (None: build afresh) and, on
    PostgreSQL, what its server's CPU time is."""
    folder = keep / kind if keep else Path(tempfile.mkdtemp(prefix=f"scale-{kind}-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        if kind == "sqlite":
            yield f"sqlite:///{folder}/region.db", folder / "region.json", None
            return
        server = KeptPostgres(folder / "server") if keep else postgres.ThrowawayPostgres()
        built = keep is not None and server.built
        admin_url = server.start()
        try:
            if not built:
                admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
                with admin.connect() as connection:
                    connection.execute(text("CREATE DATABASE bench"))
                admin.dispose()
            yield server.url("bench"), folder / "region.json", ServerCpu(server.dir / "data")
        finally:
            server.stop()
    finally:
        if keep is None:
            shutil.rmtree(folder, ignore_errors=True)


def region_of(url: str, described: Path, size: Size) -> Region:
    """The region described beside the database, or a new one built now."""
    if described.exists():
        region = Region.from_json(described.read_text())
        if region.size == size:
            added_indexes(url)
            return Region(**{**region.__dict__, "url": url})
        raise SystemExit(f"{described.parent} holds a region of another size: delete it or choose another --keep")
    region = scale_data.build(url, size, log=lambda line: print(line, flush=True))
    described.write_text(region.to_json())
    return region


def added_indexes(url: str) -> None:
    """A kept region built before the models gained an index, or changed an index's columns, gets it now, as ``fangpin
    db upgrade`` would give it a deployment: the figures are those of the code measured. Each one built is printed
    with its seconds."""
    db_engine = create_engine(url)
    catalog = ("SELECT name FROM sqlite_master WHERE type = 'index'" if db_engine.dialect.name == "sqlite"
               else "SELECT indexname FROM pg_indexes")  # read, not reflected: an index on an expression is not
    with db_engine.begin() as connection:
        present = set(connection.exec_driver_sql(catalog).scalars())
        for index in (index for table in Base.metadata.sorted_tables for index in table.indexes):
            columns = [getattr(part, "name", None) for part in index.expressions]  # None: an expression
            if index.name in present and _indexed_columns(connection, index.name) == columns:
                continue
            started = time.perf_counter()
            if index.name in present:
                index.drop(connection)
            index.create(connection)
            print(f"  index {index.name} {'rebuilt in' if index.name in present else 'added to'} the kept region in "
                  f"{time.perf_counter() - started:.1f} s", flush=True)
    db_engine.dispose()


def _indexed_columns(connection: Any, name: str) -> list[str | None]:
    """The columns of the database's index ``name``, in order, None for an expression (a changed ``WHERE``, uniqueness
    or ``INCLUDE`` of an index is not seen: rebuild the region then)."""
    if connection.dialect.name == "sqlite":
        return list(connection.exec_driver_sql("SELECT name FROM pragma_index_info(?) ORDER BY seqno",
                                               (name,)).scalars())
    return list(connection.exec_driver_sql(
        "SELECT a.attname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "CROSS JOIN unnest(i.indkey) WITH ORDINALITY AS k(attnum, n) "
        "LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum "
        "WHERE c.relname = %(name)s ORDER BY k.n", {"name": name}).scalars())


def size_on_disk(url: str, folder: Path) -> str:
    if url.startswith("sqlite"):
        return f"{(folder / 'region.db').stat().st_size / 2**30:.2f} GiB"
    with create_engine(url).connect() as connection:
        return f"{connection.execute(text('SELECT pg_database_size(current_database())')).scalar() / 2**30:.2f} GiB"


class Browser:
    """A logged-in page session and an API token of one user, through the Flask test client."""

    def __init__(self, app: Any, username: str) -> None:
        self.app, self.client = app, app.test_client()
        page = self.client.get("/login").get_data(as_text=True)
        token = CSRF.search(page).group(1)
        response = self.client.post("/login", data={"username": username, "password": PASSWORD,
                                                    "csrf_token": token})
        assert response.status_code == 302, response.get_data(as_text=True)[:400]
        response = self.client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
        self.headers = {"Authorization": f"Bearer {response.json['token']}"}

    def page(self, url: str) -> Callable[[], Any]:
        return lambda: self._ok(self.client.get(url))

    def api(self, url: str) -> Callable[[], Any]:
        return lambda: self._ok(self.client.get(f"/api/v1{url}", headers=self.headers))

    @staticmethod
    def _ok(response: Any) -> Any:
        assert response.status_code == 200, (response.status_code, response.get_data(as_text=True)[:400])
        return response


def measure(region: Region, runs: int, label: str, server: ServerCpu | None, folder: Path) -> None:
    from engine import queries
    from engine.heap import freeze_heap
    from engine.paging import Window
    from monitoring import households, places, worklist
    from monitoring.models import User
    from web.app import create_app
    from web.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": region.url, "SECRET_KEY": "bench"}, clock=FrozenClock(NOW))
    freeze_heap()  # as ``fangpin serve`` does before its first request (web.serve), for each database's app

    def line(what: str, call: Callable[[], Any], *, in_context: bool = False) -> None:
        """A request runs in an app context of its own, as in production; a function call in one made for each run,
        its transaction ended after it as a request's is. Runs sharing one transaction measured what no request
        does: psycopg prepares a statement run five times on its connection, and forgets it at a rollback (the end of
        every GET), so only there did PostgreSQL plan them generically (the region's dashboard: 240 ms at p50, not
        180)."""
        print(f"[{label}] {what:44} {timed(runs, partial(in_request, call) if in_context else call)}", flush=True)

    def in_request(call: Callable[[], Any]) -> None:
        with app.test_request_context():  # the bulletin links its figures with url_for
            try:
                call()
            finally:
                db.session.remove()

    browsers = {level: Browser(app, username) for level, username in region.users.items()}
    with app.app_context():
        actors = {level: places.actor_for(db.session, db.session.execute(
            select(User).where(User.username == username)).scalar_one()) for level, username in region.users.items()}
    for level in INBOX_LEVELS:
        with app.app_context():
            ready = db.session.execute(select(func.count()).select_from(
                queries.inbox_query(actors[level]).subquery())).scalar()
        line(f"inbox page {level:8} ({ready} READY)", browsers[level].page("/tasks/"))
        line("  its queries (worklist.inbox)", lambda a=actors[level]: worklist.inbox(
            db.session, a, worklist.Filters(), NOW, Window()), in_context=True)
        line(f"inbox API  {level:8}", browsers[level].api("/tasks"))
        line("  its queries (queries.inbox_page)", lambda a=actors[level]: queries.inbox_page(
            db.session, a, Window()), in_context=True)
    searches = (("full name", region.household_name), ("surname", region.household_name[0]),
                ("ID tail", region.id_tail))
    for level in ("village", "county"):
        for what, q in searches:
            line(f"search page {what:9} {level:8}", browsers[level].page(f"/households/?q={q}"))
            line(f"search API  {what:9} {level:8}", browsers[level].api(f"/households?q={q}"))
            line("  its queries (households.search_page)", lambda a=actors[level], q=q: households.search_page(
                db.session, a, households.Search(q=q), Window()), in_context=True)
    lists(app, actors, line, label)
    line("case page  (GET /cases/{id})", browsers["village"].page(f"/cases/{region.case_id}"))
    line("case API   (GET /api/v1/instances/{id})", browsers["village"].api(f"/instances/{region.case_id}"))
    dashboards(app, region, line)
    for sweepers in sorted({1, os.cpu_count() or 1}):
        sweep(region, label, sweepers, server, folder)
    print(f"[{label}] timer sweep goal: ≥ 500 timers/s on PostgreSQL, after start-up, one sweeper per core", flush=True)


def lists(app: Any, actors: dict[str, Any], line: Callable[..., None], label: str) -> None:
    """The household list unfiltered, far into it as cheap as its first page (keyset), and its XLSX export."""
    from engine.paging import Window, walk
    from monitoring import households
    from web.exports import EXPORT_MAX_ROWS, workbook
    from web.extensions import db
    from web.households.listing import household_columns

    for level in ("village", "county"):
        with app.app_context():
            far = households.search_page(db.session, actors[level], households.Search(), Window(limit=50))
            for _ in range(20):
                far = households.search_page(db.session, actors[level], households.Search(),
                                             Window(far.next_cursor, 50)) if far.next_cursor else far
            cursor = far.next_cursor
        for name, after in (("first page", None), ("page 21", cursor)):
            line(f"household list {name:10} {level:8}", lambda a=actors[level], c=after: households.search_page(
                db.session, a, households.Search(), Window(c, 50)), in_context=True)
    with app.test_request_context():
        query = households.search_query(db.session, actors["county"], households.Search())
        started = time.perf_counter()
        content = workbook("农牧户", household_columns(db.session),
                           walk(db.session, query, households.HOUSEHOLD_ORDER, EXPORT_MAX_ROWS))
        print(f"[{label}] household export, county, {EXPORT_MAX_ROWS} rows to XLSX: "
              f"{time.perf_counter() - started:.2f} s, {len(content) // 1024} KiB", flush=True)
        db.session.remove()


def dashboards(app: Any, region: Region, line: Callable[..., None]) -> None:
    """S2's dashboard and bulletin, by their public functions, at county and region level."""
    from monitoring.models import Place
    from monitoring.quarters import Quarter
    from web.boundary import engine
    from web.dashboard.bulletin import bulletin
    from web.dashboard.overview import overview
    from web.extensions import db

    quarter = Quarter.of(NOW.date()).previous()
    for level in ("county", "region"):
        code = getattr(region, level).code
        line(f"dashboard {level}", lambda c=code: overview(db.session, db.session.get(Place, c), NOW),
             in_context=True)
        line(f"bulletin  {level} {quarter.code}", lambda c=code: bulletin(
            db.session, engine(), db.session.get(Place, c), quarter, NOW), in_context=True)


def sweep(region: Region, label: str, sweepers: int, server: ServerCpu | None, folder: Path) -> None:
    """Fire every due timer once by ``sweepers`` processes at once, then put the database back as it was (what the
    sweep wrote removed)."""
    db_engine = create_engine(region.url)
    snapshot = Snapshot.take(db_engine)
    try:
        report(label, sweepers, region.timers_due, *start_and_sweep(region.url, folder, NOW.isoformat(), sweepers,
                                                                    server))
    finally:
        snapshot.restore(db_engine)
        db_engine.dispose()


class Snapshot:
    """What a sweep changes: the due instances' rows and their tasks (a fired timer finishes, withdraws and adds
    tasks), and every row added after them (integer ids above today's largest)."""

    COLUMNS = ("status", "state", "revision", "audit_hash", "data", "waiting", "wake_at", "error", "ended_at")
    CHUNK = 1000  # instance ids per DELETE

    def __init__(self, instances: list[dict[str, Any]], tasks: list[dict[str, Any]], largest: dict[str, int]) -> None:
        self.instances, self.tasks, self.largest = instances, tasks, largest

    @classmethod
    def take(cls, db_engine: Any) -> Snapshot:
        due = (ProcessInstance.status == "running", ProcessInstance.wake_at < NOW)
        with db_engine.connect() as connection:
            rows = connection.execute(select(ProcessInstance.__table__).where(*due)).mappings().all()
            tasks = connection.execute(select(Task.__table__).where(
                Task.instance_id.in_(select(ProcessInstance.id).where(*due)))).mappings().all()
            largest = {table.name: connection.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar()
                       for table in _integer_keyed()}
        return cls([{"key": row["id"], **{c: row[c] for c in cls.COLUMNS}} for row in rows],
                   [dict(row) for row in tasks], largest)

    def restore(self, db_engine: Any) -> None:
        instances = ProcessInstance.__table__
        keys = [row["key"] for row in self.instances]
        with db_engine.begin() as connection:
            connection.execute(delete(Task).where(Task.instance_id > self.largest[instances.name]))
            for start in range(0, len(keys), self.CHUNK):
                connection.execute(delete(Task).where(Task.instance_id.in_(keys[start:start + self.CHUNK])))
            for other in reversed(_integer_keyed()):
                connection.execute(delete(other).where(other.c.id > self.largest[other.name]))
            if self.instances:
                connection.execute(update(instances).where(instances.c.id == bindparam("key")).values(
                    **{c: bindparam(c) for c in self.COLUMNS}), self.instances)
            if self.tasks:
                connection.execute(insert(Task.__table__), self.tasks)
        scale_data.vacuum(db_engine)  # the pages the sweep and this rewrote: as a region just built has them


def _integer_keyed() -> list[Any]:
    return [t for t in Base.metadata.sorted_tables if "id" in t.c and t.c.id.primary_key
            and t.c.id.type.python_type is int]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="a fraction of the region (0.01: a quick run)")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument("--keep", type=Path, help="build each database once under this folder and reuse it")
    parser.add_argument("--build-only", action="store_true", help="build, print the build's figures, stop")
    args = parser.parse_args()
    size = Size() if args.scale == 1 else Size().scaled(args.scale)
    for kind, label in (("sqlite", "SQLite"), ("postgresql", "PostgreSQL")):
        if args.only and args.only != kind:
            continue
        with database(kind, args.keep) as (url, described, server):
            region = region_of(url, described, size)
            print(f"[{label}] region: {size.villages} villages, {size.households} households, {size.tasks} tasks "
                  f"({size.ready} READY), {region.timers_due} due timers; built in {region.seconds:.0f} s, "
                  f"{size_on_disk(url, described.parent)} on disk (load average now {os.getloadavg()[0]:.1f})",
                  flush=True)
            if not args.build_only:
                measure(region, args.runs, label, server, described.parent)


if __name__ == "__main__":
    main()

"""Timer sweep throughput: thousands of identification cases reach the end of their notice at once.

Builds the demo once per database (real cases through the real engine: ``fangpin db upgrade`` + ``fangpin demo``),
takes an identification case waiting at its first notice's timer and clones it (state, data, place) into
``--timers`` cases; every run starts from a copy of that database (PostgreSQL: ``CREATE DATABASE … TEMPLATE``,
SQLite: a file copy) and runs ``fangpin timers run --now`` in 1 and in N processes at once — as N workers or hosts
sweep — and prints timers fired per second of wall time, after checking that every clone fired exactly once. A
process's start-up (imports, the app: seconds of CPU) is measured on its own and also taken out, as a server's
sweeper thread pays it once: the CPU per timer after it, in the sweepers and in PostgreSQL, tells what the machine
can do when it is quiet. ``--profile`` also prints where one process's sweep spends its CPU time (cProfile).

Usage: python bench/timer_sweep.py [--timers 10000] [--sweepers 1 2 4] [--only sqlite|postgresql] [--profile]
Keep the databases small enough for /tmp; the demo build takes about a minute per database.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import create_engine, func, insert, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.cores import cores_now  # noqa: E402
from engine.models import AuditEvent, InstanceStatus, ProcessInstance  # noqa: E402
from tests import postgres  # noqa: E402

FANGPIN = str(Path(sys.executable).parent / "fangpin")
CLONES_PER_INSERT = 1000
NOTHING_DUE = "2000-01-01T00:00:00+00:00"  # before every timer of the demo and its clones
TASK_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def fangpin(env: dict[str, str], *args: str) -> str:
    result = subprocess.run([FANGPIN, *args], env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"fangpin {' '.join(args)} failed:\n{result.stderr}")
    return result.stdout


def environment(url: str, folder: Path) -> dict[str, str]:
    return {**os.environ, "FANGPIN_DATABASE_URL": url, "FANGPIN_INSTANCE_DIR": str(folder / "instance"),
            "FANGPIN_SECRET_KEY": "bench"}


def build(url: str, folder: Path, timers: int) -> str:
    """The demo plus ``timers`` clones of a case waiting at its first notice's end; returns ``--now`` for the sweep."""
    env = environment(url, folder)
    fangpin(env, "db", "upgrade")
    fangpin(env, "demo")
    database = create_engine(url)
    with database.begin() as connection:
        waiting = connection.execute(select(ProcessInstance.__table__).where(
            ProcessInstance.process_key == "identification", ProcessInstance.status == InstanceStatus.RUNNING,
            ProcessInstance.wake_at.is_not(None)).order_by(ProcessInstance.wake_at).limit(1)).mappings().one()
        template = {k: v for k, v in waiting.items() if k != "id"} | {"exclusive": False}  # one open case per key
        for start in range(0, timers, CLONES_PER_INSERT):
            connection.execute(insert(ProcessInstance.__table__),
                               [cloned(template) for _ in range(min(CLONES_PER_INSERT, timers - start))])
        due = connection.execute(select(func.count()).select_from(ProcessInstance).where(
            ProcessInstance.status == InstanceStatus.RUNNING,
            ProcessInstance.wake_at <= waiting["wake_at"])).scalar()
    database.dispose()
    now = waiting["wake_at"] + timedelta(minutes=1)
    print(f"  built: demo + {timers} clones of instance {waiting['id']} ({len(waiting['state'])} bytes of state), "
          f"{due} timers due at {now.isoformat()}", flush=True)
    return now.isoformat()


def timer_events(url: str) -> int:
    database = create_engine(url)
    with database.connect() as connection:
        count = connection.execute(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.type == "timer_fired")).scalar()
    database.dispose()
    return count


def cloned(instance: dict) -> dict:
    """The instance with Spiff task ids of its own (they key the task rows its next step writes)."""
    renamed: dict[str, str] = {}

    def rename(match: re.Match) -> str:
        return renamed.setdefault(match.group(0), str(uuid.uuid4()))

    state = TASK_ID.sub(rename, instance["state"])
    waiting = json.loads(TASK_ID.sub(rename, json.dumps(instance["waiting"])))
    return instance | {"state": state, "waiting": waiting}


def cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class ServerCpu:
    """CPU seconds a PostgreSQL server has spent, its exited backends included (the postmaster reaps them, so the
    kernel adds their time to its children's): the database's share of a timer's cost, which the sweepers' own CPU
    time leaves out."""

    def __init__(self, data_directory: Path) -> None:
        self.pid = int((data_directory / "postmaster.pid").read_text().split()[0])

    def backends(self) -> int:
        return len(Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text().split())

    def seconds(self) -> float:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return sum(int(ticks) for ticks in fields[11:15]) / os.sysconf("SC_CLK_TCK")  # utime stime cutime cstime

    def after_backends_exit(self, backends: int) -> float:
        """The total once the sweepers' backends, which exit a moment after their clients, are reaped."""
        deadline = time.monotonic() + 10
        while self.backends() > backends and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.seconds()


@dataclass(frozen=True)
class Sweep:
    seconds: float  # wall
    cpu: float  # the sweepers' CPU seconds: what a loaded machine does not distort
    server_cpu: float  # the database server's CPU seconds (0 for SQLite, which runs inside the sweepers)
    fired: int  # as the sweepers reported
    events: int  # new timer_fired events in the audit log
    stolen: float  # seconds the VM's host took the cores for others meanwhile (``bench.cores``)


def sweep(url: str, folder: Path, now: str, sweepers: int, server: ServerCpu | None = None) -> Sweep:
    """``sweepers`` processes of ``fangpin timers run --now`` at once."""
    env = environment(url, folder)
    before = timer_events(url)
    cpu = cpu_of_children()
    backends = server.backends() if server else 0
    server_before = server.seconds() if server else 0.0
    _, stolen = cores_now()
    started = time.perf_counter()
    processes = [subprocess.Popen([FANGPIN, "timers", "run", "--now", now], env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(sweepers)]
    outputs = [p.communicate() for p in processes]
    seconds, cpu, stolen = time.perf_counter() - started, cpu_of_children() - cpu, cores_now()[1] - stolen
    server_cpu = server.after_backends_exit(backends) - server_before if server else None
    if any(p.returncode for p in processes):
        raise SystemExit(f"a sweeper failed: {outputs}")
    fired = sum(int(out.split()[0]) for out, _ in outputs)
    return Sweep(seconds, cpu, server_cpu or 0.0, fired, timer_events(url) - before, stolen)


def start_and_sweep(url: str, folder: Path, now: str, sweepers: int, server: ServerCpu | None = None) -> \
        tuple[Sweep, Sweep]:
    """What starting one ``fangpin timers run`` costs (a sweep before any timer is due: the app, imports, the
    connection, one query), then the sweep by ``sweepers`` processes: a server's sweeper thread pays the start once."""
    return sweep(url, folder, NOTHING_DUE, 1, server), sweep(url, folder, now, sweepers, server)


def profile(url: str, folder: Path, now: str, top: int = 25) -> None:
    """One process's sweep under cProfile on CPU time (on wall time, a loaded machine charges its waits to whatever
    was running): the functions that take the most CPU, with what they call and by themselves."""
    env = environment(url, folder)
    script = ("import cProfile, sys, time; from web.cli import main; profiler = cProfile.Profile(time.process_time); "
              f"profiler.runcall(main, ['timers', 'run', '--now', {now!r}], standalone_mode=False); "
              f"profiler.dump_stats({str(folder / 'sweep.prof')!r})")
    subprocess.run([sys.executable, "-c", script], env=env, check=True, capture_output=True, cwd=ROOT)
    import pstats

    stats = pstats.Stats(str(folder / "sweep.prof"))
    print(f"  profile of one sweeper (top {top} by cumulative CPU time, then by own CPU time):")
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)


def on_sqlite(args: argparse.Namespace, folder: Path) -> None:
    folder.mkdir(parents=True)
    base = folder / "base.db"
    now = build(f"sqlite:///{base}", folder / "base", args.timers)
    for sweepers in args.sweepers:
        copy = folder / f"run{sweepers}.db"
        shutil.copyfile(base, copy)
        report("SQLite", sweepers, args.timers, *start_and_sweep(f"sqlite:///{copy}", folder / "base", now, sweepers))
        copy.unlink()
    if args.profile:
        shutil.copyfile(base, folder / "profile.db")
        profile(f"sqlite:///{folder / 'profile.db'}", folder / "base", now)


def on_postgresql(args: argparse.Namespace, folder: Path) -> None:
    server = postgres.ThrowawayPostgres()
    try:
        admin = create_engine(server.start(), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text("CREATE DATABASE base"))
        now = build(server.url("base"), folder / "base", args.timers)
        runs = [f"run{sweepers}" for sweepers in args.sweepers] + (["profile"] if args.profile else [])
        with admin.connect() as connection:
            for name in runs:
                connection.execute(text(f"CREATE DATABASE {name} TEMPLATE base"))
        cpu = ServerCpu(server.dir / "data")
        for sweepers in args.sweepers:
            report("PostgreSQL", sweepers, args.timers,
                   *start_and_sweep(server.url(f"run{sweepers}"), folder / "base", now, sweepers, cpu))
        if args.profile:
            profile(server.url("profile"), folder / "base", now)
        admin.dispose()
    finally:
        server.stop()


def report(label: str, sweepers: int, clones: int, start: Sweep, run: Sweep) -> None:
    """Timers/s of wall time, the goal's figure (meaningful on a quiet machine), with the processes' start-up and
    without it (a server's sweeper thread is started once); then CPU per timer after start-up, in the sweepers and in
    the database server, and the rate that CPU cost allows on this machine's idle cores — what load does not distort."""
    if run.fired != run.events or start.fired:
        raise SystemExit(f"{label}: {run.fired} reported fired but {run.events} timer events ({start.fired} early)")
    if not run.fired:
        raise SystemExit(f"{label}: no timer was due (a region kept with --keep whose timers something else fired, "
                         "such as a server started on it: delete its folder to build it again)")
    cpu, server = run.cpu - sweepers * start.cpu, run.server_cpu - sweepers * start.server_cpu
    in_server = f" + {server / run.fired * 1000:4.2f} ms in PostgreSQL" if run.server_cpu else ""
    per_timer = (cpu + server) / run.fired
    cores = os.cpu_count() if run.server_cpu else 1  # SQLite: one writer at a time, whatever the processes
    after_start = run.fired / (run.seconds - start.seconds)
    print(f"{label:10} {sweepers} sweeper(s): {run.fired} timers fired in {run.seconds:6.1f} s = "
          f"{run.fired / run.seconds:4.0f} timers/s with start-up, {after_start:4.0f} after it (start "
          f"{start.seconds:4.1f} s, {start.cpu:4.1f} CPU-s); CPU per timer {cpu / run.fired * 1000:4.2f} ms in the "
          f"sweepers{in_server} = {per_timer * 1000:4.2f} ms: at most {cores / per_timer:4.0f} "
          f"timers/s on {cores} idle core(s) ({run.events} timer_fired events, {clones} clones, load "
          f"{os.getloadavg()[0]:.1f}, stolen by the host {run.stolen:.1f} s)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timers", type=int, default=10_000)
    parser.add_argument("--sweepers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--folder", type=Path, default=None, help="where the databases go (default: a temporary one)")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # a stopped run still stops its PostgreSQL server
    print(f"load before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
    with tempfile.TemporaryDirectory(dir=args.folder) as folder:
        if args.only != "postgresql":
            on_sqlite(args, Path(folder) / "sqlite")
        if args.only != "sqlite":
            on_postgresql(args, Path(folder) / "postgresql")
    print(f"load after: {os.getloadavg()[0]:.1f}", flush=True)


if __name__ == "__main__":
    main()

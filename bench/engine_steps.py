"""Task completion cost: Fangpin's engine vs raw SpiffWorkflow on the same BPMN, and HTTP throughput.

Prints, on SQLite and on a throwaway PostgreSQL (``--only`` picks one):
  1. ms per task completion through the engine (read → load → validate → complete → engine steps → save state
     + task rows + audit; each its own unit of work, as a request's: on PostgreSQL one statement that commits itself,
     ``engine.tasks``'s ``sole_write``), wall clock and this thread's CPU time (the machine is shared: CPU time is
     the steadier figure; on PostgreSQL it leaves out the server's own work), and how much of that CPU (mean) the
     kernel spent for the thread: its round trips to the database (raw Spiff's: page faults and memory alone),
     and how often the thread waited (a round trip sleeps until the answer, unless it is there already; the
     kernel's share grows with what waking costs on the machine's host: from 0.02 to 0.3 ms of kernel CPU a wait,
     within minutes, on a 2-core VM),
  2. ms per raw SpiffWorkflow completion in-process: deserialize → complete → do_engine_steps → serialize (the
     full JSON with its spec, as Spiff's own serializer does it), on the same BPMN with the same form data,
  3. their ratio (goal ≤ 1.5): both measured in alternating waves (one step of every case) in each of ``--rounds``
     rounds (the machine's speed drifts: ``paired_round``), the median of the rounds' CPU ratios printed,
  4. HTTP task completions per second against ``fangpin serve --workers N`` (PostgreSQL; SQLite: one process),
     with C client threads on keep-alive connections; each completion is of a distinct task, answered 200 (any
     other answer stops the bench), and the next task is read from the answer (no extra GET); with where the cores'
     time went per completion (``CpuShares``): the server's processes, the database server's, the bench's own
     client threads (which share the same cores), what stayed idle and what the VM's host took for others (steal:
     a run slowed by its host says so),
  5. on SQLite, what placing tasks costs (``engine.placement``): a county's case starting one task per village,
     with and without ``place`` = the village, and how many place lookups each start made.

Usage: python bench/engine_steps.py [--instances 30] [--tasks 10] [--http-instances 60] [--http-clients 8]
                                    [--workers 2×cores] [--threads 2] [--villages 120] [--rounds 3]
                                    [--only sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import resource
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import astuple, dataclass
from functools import partial
from itertools import pairwise
from pathlib import Path

from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.cores import cores_now  # noqa: E402
from bench.databases import on_both_databases  # noqa: E402  (the repository root is on the path only now)
from tests.e2e.server import cli, running_server  # noqa: E402

VILLAGE = "150223100201"
FORM = {"type": "object", "required": ["ok"], "properties": {"ok": {"type": "boolean"}, "note": {"type": "string"}}}


def chain_bpmn(tasks: int) -> str:
    """A linear process of ``tasks`` user tasks in the village lane, each with a form and a gateway-free flow."""
    ids = [f"t{i}" for i in range(tasks)]
    nodes = "".join(
        f'<bpmn:userTask id="{t}" name="步骤{i}"><bpmn:extensionElements><spiffworkflow:properties>'
        f'<spiffworkflow:property name="formJsonSchemaFilename" value="bench.json"/></spiffworkflow:properties>'
        f"</bpmn:extensionElements></bpmn:userTask>" for i, t in enumerate(ids))
    chain = ["start", *ids, "end"]
    flows = "".join(f'<bpmn:sequenceFlow id="f{i}" sourceRef="{a}" targetRef="{b}"/>'
                    for i, (a, b) in enumerate(pairwise(chain)))
    refs = "".join(f"<bpmn:flowNodeRef>{n}</bpmn:flowNodeRef>" for n in chain)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="t">'
        '<bpmn:process id="bench_chain" isExecutable="true">'
        f'<bpmn:laneSet id="ls"><bpmn:lane id="l" name="village">{refs}</bpmn:lane></bpmn:laneSet>'
        f'<bpmn:startEvent id="start"/>{nodes}<bpmn:endEvent id="end"/>{flows}'
        "</bpmn:process></bpmn:definitions>"
    )


Sample = tuple[float, float, float, int]  # wall and CPU seconds, kernel CPU seconds, voluntary context switches


@dataclass(frozen=True)
class Timing:
    """Median wall-clock and CPU milliseconds of one operation, and the means of that CPU spent in the kernel (system
    calls: a database's round trips) and of the times the thread waited (voluntary context switches: a round trip
    sleeps until the answer comes, unless it is there already; what waking costs depends on the machine's host),
    over ``count`` runs."""

    wall_ms: float
    cpu_ms: float
    kernel_ms: float
    waits: float
    count: int


def timing(samples: list[Sample]) -> Timing:
    return Timing(statistics.median(w for w, _, _, _ in samples) * 1000,
                  statistics.median(c for _, c, _, _ in samples) * 1000,
                  statistics.mean(k for _, _, k, _ in samples) * 1000,
                  statistics.mean(s for _, _, _, s in samples), len(samples))


def _thread_usage() -> tuple[float, int]:
    """This thread's system CPU seconds and voluntary context switches so far (Linux); zeros where the platform does
    not count them per thread."""
    who = getattr(resource, "RUSAGE_THREAD", None)
    if who is None:
        return 0.0, 0
    usage = resource.getrusage(who)
    return usage.ru_stime, usage.ru_nvcsw


def measured(call: Callable[[], object], samples: list[Sample]) -> object:
    """Run ``call``, adding its wall-clock, this thread's CPU, kernel CPU seconds and waits to ``samples``."""
    wall, cpu, (kernel, waits) = time.perf_counter(), time.thread_time(), _thread_usage()
    result = call()
    kernel_after, waits_after = _thread_usage()
    samples.append((time.perf_counter() - wall, time.thread_time() - cpu, kernel_after - kernel, waits_after - waits))
    return result


class EngineCases:
    """Cases of the chain on a fresh database, each task completed through ``engine.tasks.complete_task`` as the only
    write of its unit of work; ``hits``, once closed: how many of those steps began from the workflow the case's last
    step kept (``engine.workflow_cache``)."""

    def __init__(self, url: str, workdir: Path, bpmn: str, instances: int) -> None:
        from engine import versions
        from engine.assignment import SYSTEM
        from engine.deploy import SourceFile, with_forms
        from engine.instances import start_instance
        from engine.models import Base
        from monitoring import places
        from web.app import create_app
        from web.boundary import engine, unit_of_work
        from web.extensions import db

        self.app = create_app({"SQLALCHEMY_DATABASE_URI": url, "FORMS_DIR": str(workdir), "SECRET_KEY": "bench"})
        with self.app.app_context():
            Base.metadata.create_all(db.engine)
            with unit_of_work() as session:
                parent = None
                for code in ("150000000000", "150223000000", "150223100000", VILLAGE):
                    parent = places.add_place(session, code, code, parent).code
                user = places.add_user(session, "bench", "village", VILLAGE, "bench-password")
                self.actor = places.actor_for(session, user)
                versions.deploy(engine(), session, with_forms([SourceFile("chain.bpmn", bpmn.encode())], workdir),
                                SYSTEM)
            with unit_of_work() as session:
                for _ in range(instances):
                    start_instance(engine(), session, "bench_chain", VILLAGE, self.actor.place_path, self.actor, {})
            self._hits_before = engine().workflows.hits

    def wave(self, samples: list[Sample]) -> bool:
        """Complete the READY task of every case, each measured into ``samples``; whether there was any."""
        from sqlalchemy import select

        from engine import tasks
        from engine.models import Task, TaskState
        from web.boundary import engine, unit_of_work
        from web.extensions import db

        def complete(task_id: str) -> None:
            with unit_of_work() as session:
                tasks.complete_task(engine(), session, task_id, self.actor, {"ok": True, "note": "核查完毕"},
                                    sole_write=True)

        with self.app.app_context():
            ready = select(Task.id).where(Task.state == TaskState.READY).order_by(Task.instance_id)
            task_ids = db.session.execute(ready).scalars().all()
            db.session.commit()  # the ids are plain strings: no rows held in the session between completions
            for task_id in task_ids:
                measured(partial(complete, task_id), samples)
        return bool(task_ids)

    def close(self) -> None:
        from web.boundary import engine
        from web.extensions import db

        with self.app.app_context():
            self.hits = engine().workflows.hits - self._hits_before
            db.session.remove()
            db.engine.dispose()


def fan_out_bpmn(key: str, placed: bool) -> str:
    """A county's case starting one village-lane task per village of its start data, placed at it if ``placed``."""
    place = '<spiffworkflow:property name="place" value="village"/>' if placed else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="t">'
        f'<bpmn:process id="{key}" isExecutable="true"><bpmn:laneSet id="ls">'
        '<bpmn:lane id="c" name="county"><bpmn:flowNodeRef>start</bpmn:flowNodeRef>'
        '<bpmn:flowNodeRef>end</bpmn:flowNodeRef></bpmn:lane>'
        '<bpmn:lane id="v" name="village"><bpmn:flowNodeRef>fill</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>'
        '<bpmn:startEvent id="start"/>'
        f'<bpmn:userTask id="fill" name="村级填报"><bpmn:extensionElements><spiffworkflow:properties>{place}'
        '</spiffworkflow:properties></bpmn:extensionElements>'
        '<bpmn:multiInstanceLoopCharacteristics isSequential="false">'
        '<bpmn:loopDataInputRef>villages</bpmn:loopDataInputRef><bpmn:inputDataItem id="village" name="village"/>'
        '</bpmn:multiInstanceLoopCharacteristics></bpmn:userTask><bpmn:endEvent id="end"/>'
        '<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="fill"/>'
        '<bpmn:sequenceFlow id="f1" sourceRef="fill" targetRef="end"/></bpmn:process></bpmn:definitions>'
    )


def placed_start_ms(workdir: Path, villages: int, runs: int = 5) -> tuple[float, float, list[int]]:
    """Median ms of starting the fan-out case placed and unplaced, and the place lookups each placed start made."""
    from engine import versions
    from engine.assignment import SYSTEM
    from engine.deploy import SourceFile
    from engine.instances import start_instance
    from engine.models import Base
    from monitoring import places
    from web.app import create_app
    from web.boundary import engine, place_paths, unit_of_work
    from web.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'placed.db'}",
                      "FORMS_DIR": str(workdir), "SECRET_KEY": "bench"})
    lookups: list[int] = []

    def counted(session, codes):
        lookups[-1] += 1
        return place_paths(session, codes)

    with app.app_context():
        Base.metadata.create_all(db.engine)
        county = "150223000000"
        with unit_of_work() as session:
            places.add_place(session, "150000000000", "自治区")
            places.add_place(session, county, "达茂旗", "150000000000")
            codes = []
            for t in range(villages // 12 + 1):
                township = places.add_place(session, f"1502231{t:02d}000", f"镇{t}", county).code
                codes += [places.add_place(session, f"{township[:9]}{v:03d}", f"村{t}-{v}", township).code
                          for v in range(1, 13)]
            codes = codes[:villages]
            actor = places.actor_for(session, places.add_user(session, "bench-qi", "county", county, "bench-password"))
            for key, placed in (("bench_placed", True), ("bench_unplaced", False)):
                versions.deploy(engine(), session, [SourceFile(f"{key}.bpmn", fan_out_bpmn(key, placed).encode())],
                                SYSTEM)
        engine().place_paths = counted
        timings: dict[str, list[float]] = {"bench_placed": [], "bench_unplaced": []}
        for _ in range(runs):
            for key in timings:
                lookups.append(0)
                began = time.perf_counter()
                with unit_of_work() as session:
                    start_instance(engine(), session, key, county, actor.place_path, actor, {"villages": codes})
                timings[key].append(time.perf_counter() - began)
        db.engine.dispose()
    placed_lookups = lookups[0::2]
    return (statistics.median(timings["bench_placed"]) * 1000, statistics.median(timings["bench_unplaced"]) * 1000,
            placed_lookups)


class RawCases:
    """The same cases in Spiff alone, in-process, each step: deserialize → complete (same form data) →
    do_engine_steps → serialize."""

    def __init__(self, bpmn: str, instances: int) -> None:
        from lxml import etree
        from SpiffWorkflow.bpmn import BpmnWorkflow
        from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator
        from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
        from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
        from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

        parser = SpiffBpmnParser(validator=BpmnValidator())
        parser.add_bpmn_xml(etree.fromstring(bpmn.encode()), "chain.bpmn")
        spec = parser.get_spec("bench_chain")
        self.serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
        self.states = []
        for _ in range(instances):
            workflow = BpmnWorkflow(spec)
            workflow.do_engine_steps()
            self.states.append(self.serializer.serialize_json(workflow))

    def _step(self, state: str) -> tuple[str, bool]:
        from SpiffWorkflow.util.task import TaskState

        workflow = self.serializer.deserialize_json(state)
        task = workflow.get_tasks(state=TaskState.READY, manual=True)[0]
        task.data.update({"ok": True, "note": "核查完毕"})
        task.run()
        workflow.do_engine_steps()
        return self.serializer.serialize_json(workflow), workflow.is_completed()

    def wave(self, samples: list[Sample]) -> bool:
        """Step every unfinished case once, each measured into ``samples``; whether there was any."""
        stepped = [measured(partial(self._step, state), samples) for state in self.states]
        self.states = [state for state, completed in stepped if not completed]
        return bool(stepped)


def paired_round(url: str, workdir: Path, bpmn: str, instances: int) -> tuple[Timing, Timing, int]:
    """Raw Spiff's and the engine's completions of the same steps, in alternating waves (one step of every case), the
    first of each wave taking turns: both measured under the same conditions. Measured one after the other, each ran on
    a machine of another speed (on a 2-core VM, raw Spiff measured right before and right after the engine differed by
    up to 1.7×)."""
    raw_samples: list[Sample] = []
    engine_samples: list[Sample] = []
    raw, ours = RawCases(bpmn, instances), EngineCases(url, workdir, bpmn, instances)
    sides = [partial(raw.wave, raw_samples), partial(ours.wave, engine_samples)]
    try:
        while sides:
            sides = [side for side in sides if side()][::-1]
    finally:
        ours.close()
    return timing(raw_samples), timing(engine_samples), ours.hits


class Client:
    """One keep-alive connection to the API, as one client thread uses it."""

    def __init__(self, port: int, token: str | None = None) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.token = token

    def call(self, method: str, path: str, body: dict | None = None, expect: int = 200) -> dict:
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        self.connection.request(method, "/api/v1" + path, json.dumps(body) if body is not None else None, headers)
        response = self.connection.getresponse()
        answer = response.read()
        if response.status != expect:
            raise RuntimeError(f"{method} {path}: {response.status} {answer[:300]!r}")
        return json.loads(answer)


def in_parallel(work: Callable[[int], None], threads: int) -> float:
    """Seconds until ``work(i)`` has returned in each of ``threads`` threads; the first failure is raised."""
    failures: list[BaseException] = []

    def guarded(index: int) -> None:
        try:
            work(index)
        except BaseException as exc:  # reported by the main thread
            failures.append(exc)

    began = time.perf_counter()
    running = [threading.Thread(target=guarded, args=(i,)) for i in range(threads)]
    for thread in running:
        thread.start()
    for thread in running:
        thread.join()
    if failures:
        raise failures[0]
    return time.perf_counter() - began


@dataclass(frozen=True)
class Throughput:
    per_second: float
    completions: int
    workers: int
    threads: int
    clients: int
    cpu_ms: CpuShares  # per completion


@dataclass(frozen=True)
class CpuShares:
    """Where the cores' time went, in seconds (or, divided, per completion): ``fangpin serve`` (all its processes),
    the database server (all its processes; 0 for SQLite, in the server's), the bench's own client threads (on the
    same cores), the cores' idle time (all cores: what the load left unused) and the time a virtual machine's host
    ran something else while this one's cores wanted to run (steal)."""

    server: float
    database: float
    client: float
    idle: float
    stolen: float

    def __sub__(self, before: CpuShares) -> CpuShares:
        return CpuShares(*(now - then for now, then in zip(astuple(self), astuple(before), strict=True)))

    def __truediv__(self, count: float) -> CpuShares:
        return CpuShares(*(value / count for value in astuple(self)))


def _process_cpu() -> dict[int, tuple[int, list[bytes], float]]:
    """pid → its parent's pid, command line and user + system CPU seconds so far, of every process, with those of its
    children that have ended (e.g. a database connection's backend, once closed: its CPU is then its parent's), from
    Linux's /proc."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            command = (stat.parent / "cmdline").read_bytes().split(b"\0")
        except OSError:  # a process that ended meanwhile
            continue
        found[int(stat.parent.name)] = (int(fields[1]), command,
                                        sum(map(int, fields[11:15])) / os.sysconf("SC_CLK_TCK"))
    return found


def cpu_shares(port: int, database_port: int | None) -> CpuShares:
    """CPU seconds so far of the processes serving ``port`` (gunicorn's master and workers, or waitress), of the
    PostgreSQL server listening on ``database_port`` (its postmaster and every process it started), of this process,
    and the cores' idle and stolen seconds."""
    processes = _process_cpu()
    server = sum(cpu for _, command, cpu in processes.values() if b"serve" in command and str(port).encode() in command)
    listening = str(database_port).encode() if database_port is not None else None
    postmasters = {pid for pid, (_, command, _) in processes.items()
                   if b"postgres" in command[0] and listening in command}
    database = sum(cpu for pid, (parent, _, cpu) in processes.items() if pid in postmasters or parent in postmasters)
    return CpuShares(server, database, time.process_time(), *cores_now())


def http_completions_per_second(url: str, workdir: Path, bpmn: str, args: argparse.Namespace) -> Throughput:
    """Cases started over the API, then every task of them completed by ``args.http_clients`` threads, each
    completing its share of cases task after task, reading the next task from the completion's answer."""
    workers = args.workers if not url.startswith("sqlite") else 1  # SQLite is served by one process
    no_processes = workdir / "no-processes"  # the bench deploys its own model, not the shipped ones
    no_processes.mkdir(exist_ok=True)
    env = {**os.environ, "FANGPIN_INSTANCE_DIR": str(workdir / "http"), "FANGPIN_FORMS_DIR": str(workdir),
           "FANGPIN_PROCESSES_DIR": str(no_processes), "FANGPIN_SECRET_KEY": "bench", "FANGPIN_DATABASE_URL": url}
    cli(env, "db", "upgrade")
    parent = None
    for code in ("150000000000", "150223000000", "150223100000", VILLAGE):
        cli(env, "places", "add", code, code, *(["--parent", parent] if parent else []))
        parent = code
    cli(env, "users", "add", "bench", "--role", "village", "--place", VILLAGE, "--password", "bench-password")
    (workdir / "chain.bpmn").write_text(bpmn)
    cli(env, "processes", "deploy", "--forms", str(workdir), str(workdir / "chain.bpmn"))

    clients = args.http_clients
    with running_server(env, "--workers", str(workers), "--threads", str(args.threads)) as root:
        port = int(root.rsplit(":", 1)[1])
        token = Client(port).call("POST", "/auth/token", {"username": "bench", "password": "bench-password"})["token"]
        start = {"process": "bench_chain", "place": VILLAGE, "data": {}}
        first_tasks: list[list[str]] = [[] for _ in range(clients)]

        def start_cases(index: int) -> None:
            client = Client(port, token)
            for _ in range(index, args.http_instances, clients):
                first_tasks[index].append(client.call("POST", "/instances", start, expect=201)["tasks"][0]["id"])

        in_parallel(start_cases, clients)
        done = [0] * clients
        database_port = make_url(url).port if not url.startswith("sqlite") else None
        before = cpu_shares(port, database_port)

        def complete_cases(index: int) -> None:
            client = Client(port, token)
            for task_id in first_tasks[index]:
                while task_id is not None:
                    case = client.call("POST", f"/tasks/{task_id}/complete", {"data": {"ok": True, "note": "核查完毕"}})
                    done[index] += 1
                    task_id = case["tasks"][0]["id"] if case["tasks"] else None

        elapsed = in_parallel(complete_cases, clients)
        spent = cpu_shares(port, database_port) - before
    expected = args.http_instances * args.tasks
    if sum(done) != expected:
        raise RuntimeError(f"{sum(done)} completions answered 200, {expected} expected")
    return Throughput(sum(done) / elapsed, sum(done), workers, args.threads, clients, spent / (sum(done) / 1000))


def sibling_database(url: str, name: str) -> str:
    """Another empty database beside ``url``'s: a file in the same folder, or a database on the same server."""
    if url.startswith("sqlite"):
        return url.rsplit("/", 1)[0] + f"/{name}.db"
    from sqlalchemy import create_engine, text

    server = url.rsplit("/", 1)[0]
    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return f"{server}/{name}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=30, help="cases completed in-process")
    parser.add_argument("--tasks", type=int, default=10, help="user tasks in each case")
    parser.add_argument("--http-instances", type=int, default=60, help="cases completed over HTTP")
    parser.add_argument("--http-clients", type=int, default=8, help="client threads")
    parser.add_argument("--workers", type=int, default=2 * len(os.sched_getaffinity(0)),
                        help="fangpin serve --workers (PostgreSQL), by default the README's production setting")
    parser.add_argument("--threads", type=int, default=2, help="fangpin serve --threads")
    parser.add_argument("--villages", type=int, default=120)
    parser.add_argument("--rounds", type=int, default=3, help="paired rounds (``paired_round``)")
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    args = parser.parse_args()
    bpmn = chain_bpmn(args.tasks)
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores; process: "
          f"{args.tasks} user tasks in sequence")

    def run(url: str, _args: argparse.Namespace, label: str) -> None:
        with tempfile.TemporaryDirectory(prefix="fangpin-bench-") as tmp:
            workdir = Path(tmp)
            (workdir / "bench.json").write_text(json.dumps(FORM))
            ratios = []
            for round_ in range(1, args.rounds + 1):
                raw, ours, kept = paired_round(sibling_database(url, f"bench_round{round_}"), workdir, bpmn,
                                               args.instances)
                ratios.append(ours.cpu_ms / raw.cpu_ms)
                print(f"{label} round {round_}: raw SpiffWorkflow (deserialize → complete → engine steps → serialize) "
                      f"median {raw.wall_ms:.2f} ms (CPU {raw.cpu_ms:.2f}, kernel mean {raw.kernel_ms:.2f}); engine "
                      f"{ours.wall_ms:.2f} ms (CPU {ours.cpu_ms:.2f}, kernel mean {ours.kernel_ms:.2f}, waits "
                      f"{ours.waits:.1f}) over {ours.count} completions, {kept} began from a kept workflow; "
                      f"ratio CPU {ratios[-1]:.2f}")
            print(f"{label}: ratio engine / raw, CPU, median of {args.rounds} rounds {statistics.median(ratios):.2f} "
                  "(goal ≤ 1.5)")
            served = http_completions_per_second(sibling_database(url, "bench_http"), workdir, bpmn, args)
            print(f"{label}: HTTP completions {served.per_second:.1f}/s over {served.completions} completions (each "
                  f"200), fangpin serve --workers {served.workers} --threads {served.threads}, {served.clients} client "
                  "threads on loopback, goal ≥ 300/s on PostgreSQL")
            shares, cores = served.cpu_ms, os.cpu_count() or 1
            print(f"{label}: the cores' time per HTTP completion: server {shares.server:.2f} ms (all its processes), "
                  f"database server {shares.database:.2f} ms, bench client {shares.client:.2f} ms (same cores), "
                  f"idle {shares.idle:.2f} ms, stolen by the host {shares.stolen:.2f} ms, of {cores} cores' "
                  f"{cores * 1000 / served.per_second:.2f} ms")
            if label == "SQLite":
                placed_ms, unplaced_ms, lookups = placed_start_ms(workdir, args.villages)
                print(f"a county's case placing {args.villages} tasks at their villages: start median "
                      f"{placed_ms:.1f} ms vs {unplaced_ms:.1f} ms unplaced "
                      f"({(placed_ms - unplaced_ms) / args.villages * 1000:.0f} µs per task), "
                      f"place lookups per start: {sorted(set(lookups))}")

    on_both_databases(run, args)
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} at the end")


if __name__ == "__main__":
    main()

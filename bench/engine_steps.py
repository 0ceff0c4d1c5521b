"""Task completion cost: Fangpin's engine vs raw SpiffWorkflow on the same BPMN, and HTTP throughput.

Prints, on SQLite and on a throwaway PostgreSQL (``--only`` picks one):
  1. ms per task completion through the engine (lock → load → validate → complete → engine steps → save state
     + task rows + audit, one commit), wall clock and this thread's CPU time (the machine is shared: CPU time is
     the steadier figure; on PostgreSQL it leaves out the server's own work), and how much of that CPU (mean) the
     kernel spent for the thread: its round trips to the database (raw Spiff's: page faults and memory alone),
  2. ms per raw SpiffWorkflow completion in-process: deserialize → complete → do_engine_steps → serialize (the
     full JSON with its spec, as Spiff's own serializer does it), on the same BPMN with the same form data,
  3. their ratio (goal ≤ 1.5): both measured back to back in ``--rounds`` rounds (the machine's speed drifts), the
     median of the rounds' CPU ratios printed,
  4. HTTP task completions per second against ``fangpin serve --workers N`` (PostgreSQL; SQLite: one process),
     with C client threads on keep-alive connections; each completion is of a distinct task, answered 200 (any
     other answer stops the bench), and the next task is read from the answer (no extra GET); with the CPU each
     completion cost the server's processes and the bench's own client threads (which share the same cores),
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
from dataclasses import dataclass
from functools import partial
from itertools import pairwise
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

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


@dataclass(frozen=True)
class Timing:
    """Median wall-clock and CPU milliseconds of one operation, and the mean of that CPU spent in the kernel (system
    calls: a database's round trips), over ``count`` runs."""

    wall_ms: float
    cpu_ms: float
    kernel_ms: float
    count: int


def timing(samples: list[tuple[float, float, float]]) -> Timing:
    return Timing(statistics.median(w for w, _, _ in samples) * 1000,
                  statistics.median(c for _, c, _ in samples) * 1000,
                  statistics.mean(k for _, _, k in samples) * 1000, len(samples))


def _kernel_seconds() -> float:
    """This thread's system CPU seconds so far (Linux); 0 where the platform does not count them per thread."""
    who = getattr(resource, "RUSAGE_THREAD", None)
    return resource.getrusage(who).ru_stime if who is not None else 0.0


def measured(call: Callable[[], object], samples: list[tuple[float, float, float]]) -> object:
    """Run ``call``, adding its wall-clock, this thread's CPU and its kernel CPU seconds to ``samples``."""
    wall, cpu, kernel = time.perf_counter(), time.thread_time(), _kernel_seconds()
    result = call()
    samples.append((time.perf_counter() - wall, time.thread_time() - cpu, _kernel_seconds() - kernel))
    return result


def engine_per_completion(url: str, workdir: Path, bpmn: str, instances: int) -> tuple[Timing, int]:
    """Every task of ``instances`` cases completed through ``engine.tasks.complete_task``, one commit each; and how many
    of those steps began from the workflow the case's last step kept (``engine.workflow_cache``)."""
    from sqlalchemy import select

    from engine import tasks, versions
    from engine.assignment import SYSTEM
    from engine.deploy import SourceFile, with_forms
    from engine.instances import start_instance
    from engine.models import Base, Task, TaskState
    from monitoring import places
    from web.app import create_app
    from web.boundary import engine, unit_of_work
    from web.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "FORMS_DIR": str(workdir), "SECRET_KEY": "bench"})
    with app.app_context():
        Base.metadata.create_all(db.engine)
        with unit_of_work() as session:
            parent = None
            for code in ("150000000000", "150223000000", "150223100000", VILLAGE):
                parent = places.add_place(session, code, code, parent).code
            user = places.add_user(session, "bench", "village", VILLAGE, "bench-password")
            actor = places.actor_for(session, user)
            versions.deploy(engine(), session, with_forms([SourceFile("chain.bpmn", bpmn.encode())], workdir), SYSTEM)
        with unit_of_work() as session:
            for _ in range(instances):
                start_instance(engine(), session, "bench_chain", VILLAGE, actor.place_path, actor, {})
        samples: list[tuple[float, float, float]] = []

        def complete(task_id: str) -> None:
            with unit_of_work() as session:
                tasks.complete_task(engine(), session, task_id, actor, {"ok": True, "note": "核查完毕"})

        ready = select(Task.id).where(Task.state == TaskState.READY).order_by(Task.instance_id)
        hits = engine().workflows.hits
        while task_ids := db.session.execute(ready).scalars().all():
            db.session.commit()  # the ids are plain strings: no rows held in the session between completions
            for task_id in task_ids:
                measured(partial(complete, task_id), samples)
        hits = engine().workflows.hits - hits
        db.session.remove()
        db.engine.dispose()
    return timing(samples), hits


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


def raw_spiff_per_completion(bpmn: str, instances: int) -> Timing:
    """Spiff alone, in-process: deserialize → complete (same form data) → do_engine_steps → serialize, per task."""
    from lxml import etree
    from SpiffWorkflow.bpmn import BpmnWorkflow
    from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator
    from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
    from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
    from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
    from SpiffWorkflow.util.task import TaskState

    parser = SpiffBpmnParser(validator=BpmnValidator())
    parser.add_bpmn_xml(etree.fromstring(bpmn.encode()), "chain.bpmn")
    spec = parser.get_spec("bench_chain")
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
    states = []
    for _ in range(instances):
        workflow = BpmnWorkflow(spec)
        workflow.do_engine_steps()
        states.append(serializer.serialize_json(workflow))
    samples: list[tuple[float, float, float]] = []

    def step(state: str) -> tuple[str, bool]:
        workflow = serializer.deserialize_json(state)
        task = workflow.get_tasks(state=TaskState.READY, manual=True)[0]
        task.data.update({"ok": True, "note": "核查完毕"})
        task.run()
        workflow.do_engine_steps()
        return serializer.serialize_json(workflow), workflow.is_completed()

    while states:
        stepped = [measured(partial(step, state), samples) for state in states]
        states = [state for state, completed in stepped if not completed]
    return timing(samples)


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
    client_cpu_ms: float  # CPU of this process's client threads per completion: they share the server's cores
    server_cpu_ms: float  # CPU of ``fangpin serve`` (all its processes) per completion, the database's own left out


def serve_cpu_seconds(port: int) -> float:
    """User + system CPU seconds so far of the processes serving ``port`` (gunicorn's master and workers, or
    waitress), read from /proc (Linux)."""
    seconds = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            command = (stat.parent / "cmdline").read_bytes().split(b"\0")
            if b"serve" in command and str(port).encode() in command:
                fields = stat.read_text().rsplit(")", 1)[1].split()
                seconds += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except OSError:  # a process that ended meanwhile
            continue
    return seconds


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
        cpu, server_cpu = time.process_time(), serve_cpu_seconds(port)

        def complete_cases(index: int) -> None:
            client = Client(port, token)
            for task_id in first_tasks[index]:
                while task_id is not None:
                    case = client.call("POST", f"/tasks/{task_id}/complete", {"data": {"ok": True, "note": "核查完毕"}})
                    done[index] += 1
                    task_id = case["tasks"][0]["id"] if case["tasks"] else None

        elapsed = in_parallel(complete_cases, clients)
        cpu, server_cpu = time.process_time() - cpu, serve_cpu_seconds(port) - server_cpu
    expected = args.http_instances * args.tasks
    if sum(done) != expected:
        raise RuntimeError(f"{sum(done)} completions answered 200, {expected} expected")
    return Throughput(sum(done) / elapsed, sum(done), workers, args.threads, clients, cpu / sum(done) * 1000,
                      server_cpu / sum(done) * 1000)


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
    parser.add_argument("--rounds", type=int, default=3, help="raw Spiff then the engine, back to back, this often")
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
            for round_ in range(1, args.rounds + 1):  # back to back: a shared machine's speed drifts between rounds
                raw = raw_spiff_per_completion(bpmn, args.instances)
                ours, kept = engine_per_completion(sibling_database(url, f"bench_round{round_}"), workdir, bpmn,
                                                   args.instances)
                ratios.append(ours.cpu_ms / raw.cpu_ms)
                print(f"{label} round {round_}: raw SpiffWorkflow (deserialize → complete → engine steps → serialize) "
                      f"median {raw.wall_ms:.2f} ms (CPU {raw.cpu_ms:.2f}, kernel mean {raw.kernel_ms:.2f}); engine "
                      f"{ours.wall_ms:.2f} ms (CPU {ours.cpu_ms:.2f}, kernel mean {ours.kernel_ms:.2f}) over "
                      f"{ours.count} completions, {kept} began from a kept workflow; "
                      f"ratio CPU {ratios[-1]:.2f}")
            print(f"{label}: ratio engine / raw, CPU, median of {args.rounds} rounds {statistics.median(ratios):.2f} "
                  "(goal ≤ 1.5)")
            served = http_completions_per_second(sibling_database(url, "bench_http"), workdir, bpmn, args)
            print(f"{label}: HTTP completions {served.per_second:.1f}/s over {served.completions} completions (each "
                  f"200), fangpin serve --workers {served.workers} --threads {served.threads}, {served.clients} client "
                  "threads on loopback, goal ≥ 300/s on PostgreSQL")
            print(f"{label}: CPU per HTTP completion: server {served.server_cpu_ms:.2f} ms (all its processes), bench "
                  f"client {served.client_cpu_ms:.2f} ms (same cores)")
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

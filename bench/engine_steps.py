"""Task completion cost: Fangpin's engine vs raw SpiffWorkflow on the same BPMN, and HTTP throughput.

Prints, in one run:
  1. ms per task completion through the engine on SQLite (lock → load → validate → complete →
     engine steps → save state + task rows + audit, one commit),
  2. ms per raw SpiffWorkflow load → complete → engine steps → save (full JSON, as Spiff does it),
  3. their ratio (goal ≤ 2),
  4. HTTP task completions per second against ``fangpin serve`` on loopback,
  5. what placing tasks costs (``engine.placement``): a county's case starting one task per village, with and
     without ``place`` = the village, and how many place lookups each start made.

Usage: python bench/engine_steps.py [--instances 30] [--tasks 10] [--http-clients 4] [--villages 120]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from itertools import pairwise
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

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


def engine_ms_per_completion(workdir: Path, bpmn: str, instances: int) -> tuple[float, float, int]:
    from engine import tasks, versions
    from engine.assignment import SYSTEM
    from engine.deploy import SourceFile, with_forms
    from engine.instances import start_instance
    from engine.models import Base
    from engine.queries import inbox
    from monitoring import places
    from web.app import create_app
    from web.boundary import engine, unit_of_work
    from web.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'bench.db'}",
                      "FORMS_DIR": str(workdir), "SECRET_KEY": "bench"})
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
        timings = []
        while True:
            ready = inbox(db.session, actor)
            if not ready:
                break
            for task in ready:
                began = time.perf_counter()
                with unit_of_work() as session:
                    tasks.complete_task(engine(), session, task.id, actor, {"ok": True, "note": "核查完毕"})
                timings.append(time.perf_counter() - began)
            db.session.expire_all()
        db.engine.dispose()
    return statistics.median(timings) * 1000, statistics.mean(timings) * 1000, len(timings)


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


def raw_spiff_ms_per_completion(bpmn: str, instances: int) -> float:
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
    timings = []
    while states:
        remaining = []
        for state in states:
            began = time.perf_counter()
            workflow = serializer.deserialize_json(state)
            task = workflow.get_tasks(state=TaskState.READY, manual=True)[0]
            task.data.update({"ok": True, "note": "核查完毕"})
            task.run()
            workflow.do_engine_steps()
            state = serializer.serialize_json(workflow)
            timings.append(time.perf_counter() - began)
            if not workflow.is_completed():
                remaining.append(state)
        states = remaining
    return statistics.median(timings) * 1000


def http_completions_per_second(workdir: Path, bpmn: str, instances: int, clients: int) -> tuple[float, int]:
    no_processes = workdir / "no-processes"  # the bench deploys its own model, not the shipped ones
    no_processes.mkdir()
    env = {**os.environ, "FANGPIN_INSTANCE_DIR": str(workdir / "http"), "FANGPIN_FORMS_DIR": str(workdir),
           "FANGPIN_PROCESSES_DIR": str(no_processes), "FANGPIN_SECRET_KEY": "bench"}
    fangpin = str(Path(sys.executable).parent / "fangpin")

    def cli(*args: str) -> None:
        subprocess.run([fangpin, *args], env=env, check=True, capture_output=True)

    cli("db", "upgrade")
    parent = None
    for code in ("150000000000", "150223000000", "150223100000", VILLAGE):
        cli("places", "add", code, code, *(["--parent", parent] if parent else []))
        parent = code
    cli("users", "add", "bench", "--role", "village", "--place", VILLAGE, "--password", "bench-password")
    (workdir / "chain.bpmn").write_text(bpmn)
    cli("processes", "deploy", "--forms", str(workdir), str(workdir / "chain.bpmn"))

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([fangpin, "serve", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/api/v1"
    try:
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)

        def call(method: str, path: str, body: dict | None = None, token: str | None = None):
            request = urllib.request.Request(base + path, method=method,
                                             data=json.dumps(body).encode() if body is not None else None,
                                             headers={"Content-Type": "application/json",
                                                      **({"Authorization": f"Bearer {token}"} if token else {})})
            with urllib.request.urlopen(request, timeout=60) as response:
                return json.loads(response.read())

        token = call("POST", "/auth/token", {"username": "bench", "password": "bench-password"})["token"]
        start = {"process": "bench_chain", "place": VILLAGE, "data": {}}
        instance_ids = [call("POST", "/instances", start, token)["id"] for _ in range(instances)]
        shares = [instance_ids[i::clients] for i in range(clients)]
        done = [0] * clients

        def work(index: int) -> None:
            for instance_id in shares[index]:
                while True:
                    instance = call("GET", f"/instances/{instance_id}", token=token)
                    if not instance["tasks"]:
                        break
                    call("POST", f"/tasks/{instance['tasks'][0]['id']}/complete", {"data": {"ok": True}}, token)
                    done[index] += 1

        began = time.perf_counter()
        threads = [threading.Thread(target=work, args=(i,)) for i in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - began
    finally:
        server.terminate()
        server.wait(timeout=10)
    return sum(done) / elapsed, sum(done)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=30)
    parser.add_argument("--tasks", type=int, default=10)
    parser.add_argument("--http-clients", type=int, default=4)
    parser.add_argument("--villages", type=int, default=120)
    args = parser.parse_args()
    bpmn = chain_bpmn(args.tasks)
    with tempfile.TemporaryDirectory(prefix="fangpin-bench-") as tmp:
        workdir = Path(tmp)
        (workdir / "bench.json").write_text(json.dumps(FORM))
        median_ms, mean_ms, count = engine_ms_per_completion(workdir, bpmn, args.instances)
        raw_ms = raw_spiff_ms_per_completion(bpmn, args.instances)
        per_second, http_count = http_completions_per_second(workdir, bpmn, args.instances, args.http_clients)
        placed_ms, unplaced_ms, lookups = placed_start_ms(workdir, args.villages)
    print(f"process: {args.tasks} user tasks in sequence, {args.instances} instances, SQLite (WAL)")
    print(f"engine  task completion: median {median_ms:.2f} ms, mean {mean_ms:.2f} ms over {count} completions")
    print(f"raw SpiffWorkflow load → complete → save: median {raw_ms:.2f} ms")
    print(f"ratio engine / raw: {median_ms / raw_ms:.2f} (goal ≤ 2)")
    print(f"HTTP completions: {per_second:.1f}/s over {http_count} completions, {args.http_clients} clients, "
          "fangpin serve on loopback (each completion also reads the instance)")
    print(f"a county's case placing {args.villages} tasks at their villages: start median {placed_ms:.1f} ms vs "
          f"{unplaced_ms:.1f} ms unplaced ({(placed_ms - unplaced_ms) / args.villages * 1000:.0f} µs per task), "
          f"place lookups per start: {sorted(set(lookups))}")


if __name__ == "__main__":
    main()

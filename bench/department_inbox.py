"""A department's inbox at size: tasks routed to departments (``engine.routing``) among a county's work, in SQLite.

Builds ``--tasks`` task rows over 12 counties (a tenth READY); a fifth, drawn at random, are routed to one of
12 departments, the rest go by lane and place. Prints the median and p95 of one inbox page (``queries.inbox_page``)
and of the inbox with its counts and chips (``monitoring.worklist.inbox``) for a county's department and for a
county cadre, and the query plan of each inbox query (which index it reads).

Usage: python bench/department_inbox.py [--tasks 200000] [--runs 20]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, insert, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402
from timing import timed  # noqa: E402  (bench/ is on sys.path when run as a script)

import monitoring.models  # noqa: E402,F401  (registers the domain's tables)
from engine import queries  # noqa: E402
from engine.assignment import Actor  # noqa: E402
from engine.models import Base, ProcessInstance, ProcessVersion, Task  # noqa: E402
from engine.paging import Window  # noqa: E402
from monitoring import worklist  # noqa: E402

NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)
DEPARTMENTS = ("health", "hrss", "civil", "education", "housing", "water", "agriculture", "finance", "police",
               "market", "pboc", "medical_insurance")
COUNTIES = [f"/150000000000/1502{c:02d}000000/" for c in range(12)]


def build(session: Session, task_count: int) -> None:
    session.execute(insert(ProcessVersion), [{"id": 1, "key": "assistance", "name": "帮扶", "version": 1,
                                             "sha256": "0" * 64, "files": {}, "forms": {}, "specs": "{}",
                                             "deployed_at": NOW}])
    instances = task_count // 4
    session.execute(insert(ProcessInstance), [
        {"id": i, "version_id": 1, "process_key": "assistance", "place_code": f"c{i % 12}",
         "place_path": COUNTIES[i % 12], "status": "running", "state": "{}", "audit_hash": "0" * 64,
         "created_at": NOW} for i in range(1, instances + 1)])
    draw = random.Random(1)
    rows = []
    for n in range(task_count):
        instance = draw.randrange(instances) + 1
        routed = draw.random() < 0.2
        rows.append({"id": str(uuid.UUID(int=n)), "instance_id": instance, "process_key": "assistance",
                     "bpmn_id": "act" if routed else "review", "name": "落实" if routed else "审核",
                     "role": "department" if routed else "county",
                     "department": draw.choice(DEPARTMENTS) if routed else None,
                     "place_code": f"c{instance % 12}", "place_path": COUNTIES[instance % 12],
                     "state": "ready" if draw.random() < 0.1 else "completed",
                     "created_at": NOW - timedelta(minutes=n), "due_at": NOW + timedelta(days=n % 7 - 3)})
    session.execute(insert(Task), rows)
    session.commit()


def plan(session: Session, actor: Actor) -> str:
    compiled = queries.inbox_query(actor).compile(session.get_bind(), compile_kwargs={"literal_binds": True})
    return "; ".join(row[-1] for row in session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        engine = create_engine(f"sqlite:///{folder}/bench.db")
        Base.metadata.create_all(engine)
        with Session(engine) as session:
            started = time.perf_counter()
            build(session, args.tasks)
            print(f"built {args.tasks} tasks in {time.perf_counter() - started:.0f} s")
            actors = {"department (卫健, one county)": Actor("bench", "department", COUNTIES[0], place_scope=False,
                                                            department="health"),
                      "county cadre": Actor("bench", "county", COUNTIES[0])}
            for name, actor in actors.items():
                found = queries.inbox_page(session, actor, Window(limit=50))
                print(f"{name}: {found.total} READY tasks")
                print("  inbox page:           " + timed(args.runs, lambda a=actor: queries.inbox_page(
                    session, a, Window(limit=50))))
                print("  page, counts, chips:  " + timed(args.runs, lambda a=actor: worklist.inbox(
                    session, a, worklist.Filters(), NOW, Window(limit=50))))
                print("  plan: " + plan(session, actor))
                session.expunge_all()


if __name__ == "__main__":
    main()

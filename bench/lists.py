"""Lists at size: one page of the household list and of the inbox, on a synthetic county in SQLite.

Builds (in about a minute) one county with 10 townships and 100 villages, ``--households`` households with one
member each, and ``--tasks`` task rows of which a tenth are READY, then prints the median and p95 of:
  1. the household list's first page and a page far into it, for a village and the county (keyset: the same cost),
  2. the inbox page (chips, counts and one page, ``monitoring.worklist.inbox``) of a village and the county,
  3. the old prefix filter ``place_path LIKE 'p%'`` beside the range ``p <= place_path < p_next`` for the
     county's READY tasks (the query plan says whether an index is used),
  4. an XLSX export of ``--export`` households.

Usage: python bench/lists.py [--households 100000] [--tasks 200000] [--export 10000] [--runs 20]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, func, insert, select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402
from timing import timed  # noqa: E402  (bench/ is on sys.path when run as a script)

import monitoring.models  # noqa: E402,F401  (registers the domain's tables)
from engine.assignment import Actor  # noqa: E402
from engine.models import Base, ProcessInstance, ProcessVersion, Task  # noqa: E402
from engine.paging import Window, walk  # noqa: E402
from engine.scope import below  # noqa: E402
from monitoring import households, worklist  # noqa: E402
from monitoring.models import Household, Member, Place  # noqa: E402
from web.exports import Column, workbook  # noqa: E402

NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)
COUNTY = "150223000000"


def build(session: Session, household_count: int, task_count: int) -> dict[str, str]:
    """The tree, households and tasks; returns the paths of one village and of the county."""
    places = [{"code": "150000000000", "name": "自治区", "level": "region", "parent_code": None,
               "path": "/150000000000/"},
              {"code": COUNTY, "name": "旗", "level": "county", "parent_code": "150000000000",
               "path": f"/150000000000/{COUNTY}/"}]
    villages = []
    for t in range(10):
        township = f"150223{100 + t:03d}000"
        places.append({"code": township, "name": f"镇{t}", "level": "township", "parent_code": COUNTY,
                       "path": f"/150000000000/{COUNTY}/{township}/"})
        for v in range(10):
            code = f"150223{100 + t:03d}{201 + v:03d}"
            villages.append((code, f"/150000000000/{COUNTY}/{township}/{code}/"))
            places.append({"code": code, "name": f"村{t}-{v}", "level": "village", "parent_code": township,
                           "path": villages[-1][1]})
    session.execute(insert(Place), places)
    session.execute(insert(Household), [
        {"id": i, "village_code": villages[i % 100][0], "place_path": villages[i % 100][1],
         "household_type": "ordinary", "created_at": NOW, "group_name": "", "address": "", "phone": "",
         "bank_account": "", "focus_groups": [], "monitoring_status": "not_monitored",
         "risk_types": []} for i in range(1, household_count + 1)])
    session.execute(insert(Member), [
        {"household_id": i, "position": 0, "name": f"户主{i}", "id_number": f"150223198001{i:06d}",
         "relation": "head", "health": []} for i in range(1, household_count + 1)])
    session.execute(insert(ProcessVersion), [{"id": 1, "key": "identification", "name": "识别", "version": 1,
                                             "sha256": "0" * 64, "files": {}, "forms": {}, "specs": "{}",
                                             "deployed_at": NOW}])
    instances = task_count // 4
    session.execute(insert(ProcessInstance), [
        {"id": i, "version_id": 1, "process_key": "identification", "place_code": villages[i % 100][0],
         "place_path": villages[i % 100][1], "business_key": f"household:{i % household_count + 1}",
         "status": "running", "state": "{}", "audit_hash": "0" * 64, "created_at": NOW}
        for i in range(1, instances + 1)])
    session.execute(insert(Task), [
        {"id": str(uuid.UUID(int=n)), "instance_id": n % instances + 1, "process_key": "identification",
         "bpmn_id": ("visit", "appraisal", "township_review")[n % 3], "name": ("走访", "评议", "审核")[n % 3],
         "role": "village", "place_code": villages[n % 100][0], "place_path": villages[n % 100][1],
         "state": "ready" if n % 10 == 0 else "completed", "created_at": NOW - timedelta(minutes=n),
         "due_at": NOW + timedelta(days=n % 7 - 3)} for n in range(task_count)])
    session.commit()
    return {"village": villages[0][1], "county": places[1]["path"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--tasks", type=int, default=200_000)
    parser.add_argument("--export", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        engine = create_engine(f"sqlite:///{folder}/bench.db")
        Base.metadata.create_all(engine)
        with Session(engine) as session:
            started = time.perf_counter()
            paths = build(session, args.households, args.tasks)
            print(f"built {args.households} households, {args.tasks} tasks in {time.perf_counter() - started:.0f} s")
            search = households.Search()
            for level, path in paths.items():
                actor = Actor("bench", "village", path)
                first = households.search_page(session, actor, search, Window(limit=50))
                far = first
                for _ in range(20):
                    far = households.search_page(session, actor, search, Window(far.next_cursor, 50))
                print(f"households, {level:7} first page:   " + timed(args.runs, lambda a=actor, s=search:
                      households.search_page(session, a, s, Window(limit=50))))
                print(f"households, {level:7} page 21:      " + timed(args.runs, lambda a=actor, s=search,
                      c=far.next_cursor: households.search_page(session, a, s, Window(c, 50))))
                print(f"inbox,      {level:7} page + chips: " + timed(args.runs, lambda a=actor: worklist.inbox(
                    session, a, worklist.Filters(), NOW, Window(limit=50))))
                session.expunge_all()
            county = paths["county"]
            ready = "SELECT count(*) FROM tasks WHERE state = 'ready' AND role = 'village' AND place_path "
            like = text(ready + "LIKE :p")
            ranged = select(func.count()).select_from(Task).where(Task.state == "ready", Task.role == "village",
                                                                  below(Task.place_path, county))
            print("county READY tasks, LIKE 'p%':   " + timed(args.runs, lambda: session.execute(
                like, {"p": county + "%"}).scalar()))
            print("county READY tasks, path range:  " + timed(args.runs, lambda: session.execute(ranged).scalar()))
            bounds = {"a": county, "b": county[:-1] + "0"}
            for name, condition, values in (("LIKE", "LIKE :a", {"a": county + "%"}),
                                            ("range", ">= :a AND place_path < :b", bounds)):
                plan = session.execute(text("EXPLAIN QUERY PLAN " + ready + condition), values).all()
                print(f"  plan of the {name}: " + "; ".join(row[-1] for row in plan))
            actor = Actor("bench", "county", county)
            query = households.search_query(session, actor, households.Search())
            columns = [Column("户主", lambda h: h.head.name), Column("身份证号", lambda h: h.head.id_number),
                       Column("登记日期", lambda h: h.created_at, "date")]
            start = time.perf_counter()
            content = workbook("农牧户", columns, walk(session, query, households.HOUSEHOLD_ORDER, args.export))
            print(f"export of {args.export} households to XLSX: {(time.perf_counter() - start):.2f} s, "
                  f"{len(content) // 1024} KiB")


if __name__ == "__main__":
    main()

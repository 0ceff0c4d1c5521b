"""A synthetic region at production size, built in minutes, for the benchmarks that measure growth.

``build(url, size)`` fills an empty database with Inner Mongolia's shape: 12 leagues, ~100 counties, ~1,000
townships and 11,000 villages; 1,000,000 households with ~3 members each (Chinese names, valid 18-digit ID numbers),
100,000 of them monitoring objects with their status history; 1,000,000 task rows (50,000 READY, a fifth of them in
one county, so its inboxes hold thousands) with their instances and a year of audit events; and identification cases
run by the real engine — a few driven to their first public notice, then cloned (fresh task UUIDs) into ``timers``
instances whose notice timer is due, for the sweep. Synthetic rows are written by PostgreSQL ``COPY`` or SQLite
``executemany`` in big transactions; their per-instance audit chains are real (each instance's chain verifies), and
no row enters the global chain.

``Size`` scales everything (``Size.scaled(0.01)`` for a quick run or a smoke test); ``Region`` names the places,
users, a household name, an ID tail and a case that the measurements read.
"""

from __future__ import annotations

import functools
import itertools
import json
import re
import sys
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine as SqlEngine  # noqa: E402
from sqlalchemy import func, insert, literal, select, text  # noqa: E402

import monitoring.models  # noqa: E402,F401  (registers the domain's tables)
from engine import audit  # noqa: E402
from engine.clock import FrozenClock  # noqa: E402
from engine.models import AuditEvent, Base, ProcessInstance, ProcessVersion  # noqa: E402
from monitoring.id_number import CHECK_CHARS, WEIGHTS  # noqa: E402
from monitoring.models import Household, HouseholdStatusChange, Member  # noqa: E402

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # a Tuesday; a year of history lies before it
REGION_CODE = "150000000000"
PASSWORD = "bench-password"
SURNAMES = ("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏"
            "薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文巴图乌")
GIVEN = ("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志红玉梅海林斌宇浩凯鑫晨婷"
         "雪琴春燕斯琴其木格额尔敦宝音达赖")
RELATIONS = ("head", "spouse", "son", "daughter", "daughter_in_law")
MONITORING_TYPES = ("unstable", "marginal", "sudden")
RISK_TYPES = ("illness", "disability", "schooling", "disaster", "accident", "unstable_employment", "labour_shortage")
# The steps a synthetic identification case passes through, in order, with their lanes
STEPS = (("apply", "农牧户申请", "village"), ("visit", "走访排查", "village"), ("authorize", "农牧户授权", "village"),
         ("appraisal", "民主评议公示", "village"), ("township_review", "苏木乡镇审核", "township"),
         ("county_review", "旗县审定", "county"), ("entry", "录入系统", "county"),
         ("league_urge", "督办（盟市）", "region"))
# Where the READY step of a running synthetic case stands (index into STEPS), weighted: most work waits at villages,
# one case in twenty at a league's desk
READY_AT = (1, 1, 1, 1, 1, 1, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 6, 7)
HOT_SHARE = 5  # one READY case in HOT_SHARE lies in the measured county
TASKS_PER_CASE = 4
# What the visit finds of a real case's household (a poor year: it goes on to its notice)
VISIT_INCOME = {"wage_income": 6000, "business_income": 2000, "property_income": 0, "transfer_income": 1500,
                "business_expenses": 1000}
UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@dataclass(frozen=True)
class Size:
    """How much of everything; ``scaled`` keeps the shape at a fraction of the size."""

    leagues: int = 12
    counties: int = 100
    townships: int = 1_000
    villages: int = 11_000
    households: int = 1_000_000
    objects: int = 100_000  # monitoring objects among the households
    tasks: int = 1_000_000
    ready: int = 50_000
    timers: int = 10_000  # instances whose timer is due
    real_cases: int = 12  # driven by the real engine to their notice, then cloned into ``timers``

    def scaled(self, factor: float) -> Size:
        def part(value: int, least: int) -> int:
            return max(least, round(value * factor))

        counties = part(self.counties, 1)
        return Size(leagues=min(self.leagues, counties), counties=counties, townships=part(self.townships, 2),
                    villages=part(self.villages, 4), households=part(self.households, 100),
                    objects=part(self.objects, 10), tasks=part(self.tasks, 400), ready=part(self.ready, 40),
                    timers=part(self.timers, self.real_cases), real_cases=self.real_cases)


@dataclass(frozen=True)
class PlaceRef:
    code: str
    path: str


@dataclass(frozen=True)
class Region:
    """What the measurements need to know of a built region."""

    url: str
    size: Size
    region: PlaceRef
    league: PlaceRef
    county: PlaceRef  # the busy county (a fifth of the READY work)
    township: PlaceRef
    village: PlaceRef
    users: dict[str, str]  # level (village … region) -> username, role by level, password PASSWORD
    household_name: str  # a member's full name that exists in the village
    id_tail: str  # the last six digits of a present member's ID number in the village
    case_id: int  # a real identification case (serialized workflow, audit chain) for the case page
    timers_due: int
    seconds: float

    def to_json(self) -> str:
        return json.dumps({**self.__dict__, "size": self.size.__dict__, **{
            level: getattr(self, level).__dict__ for level in ("region", "league", "county", "township", "village")}})

    @classmethod
    def from_json(cls, raw: str) -> Region:
        data = json.loads(raw)
        places = {level: PlaceRef(**data[level]) for level in ("region", "league", "county", "township", "village")}
        return cls(**{**data, **places, "size": Size(**data["size"])})


# --- writing rows in bulk -------------------------------------------------------------------------------------------

def stamp(at: datetime) -> str:
    """A UTC datetime as SQLAlchemy stores it in SQLite (naive, microseconds always written); PostgreSQL parses it."""
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def load(engine: SqlEngine, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]],
         chunk: int = 50_000) -> int:
    """``rows`` into ``table`` through the driver itself: COPY on PostgreSQL, executemany on SQLite; one transaction."""
    connection = engine.raw_connection()
    count = 0
    try:
        cursor = connection.cursor()
        names = ", ".join(columns)
        if engine.dialect.name == "postgresql":
            with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
        else:
            cursor.execute("PRAGMA journal_mode=OFF")
            cursor.execute("PRAGMA synchronous=OFF")
            statement = f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})"
            for batch in _batches(rows, chunk):
                cursor.executemany(statement, batch)
                count += len(batch)
        connection.commit()
    finally:
        connection.close()
    return count


def _batches(rows: Iterable[Sequence[Any]], size: int) -> Iterator[list[Sequence[Any]]]:
    batch: list[Sequence[Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _reset_sequences(engine: SqlEngine) -> None:
    """After rows written with their own ids, PostgreSQL's serial sequences continue after the largest."""
    if engine.dialect.name != "postgresql":
        return
    with engine.begin() as connection:
        for table in Base.metadata.sorted_tables:
            if "id" in table.c and table.c.id.primary_key and table.c.id.type.python_type is int:
                connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                        f"coalesce((SELECT max(id) FROM {table.name}), 0) + 1, false)"))


# --- the tree, households and members -------------------------------------------------------------------------------

def _spread(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def build_places(engine: SqlEngine, size: Size) -> list[PlaceRef]:
    """Region, leagues, counties, townships and villages with national-looking codes; returns the villages in order
    (the first county's first)."""
    rows: list[tuple[str, str, str, str | None, str]] = [
        (REGION_CODE, "内蒙古自治区", "region", None, f"/{REGION_CODE}/")]
    villages: list[PlaceRef] = []
    townships = iter(_spread(size.townships, size.counties))
    village_counts = iter(_spread(size.villages, size.townships))
    for league_number, counties in enumerate(_spread(size.counties, size.leagues), start=1):
        league = f"15{league_number:02d}00000000"
        league_path = f"/{REGION_CODE}/{league}/"
        rows.append((league, f"第{league_number}盟", "league", REGION_CODE, league_path))
        for county_number in range(1, counties + 1):
            county = f"15{league_number:02d}{county_number:02d}000000"
            county_path = f"{league_path}{county}/"
            rows.append((county, f"第{league_number}盟第{county_number}旗", "county", league, county_path))
            for township_number in range(1, next(townships) + 1):
                township = f"{county[:6]}{township_number:03d}000"
                township_path = f"{county_path}{township}/"
                rows.append((township, f"苏木{township[6:9]}", "township", county, township_path))
                for village_number in range(1, next(village_counts) + 1):
                    village = f"{township[:9]}{village_number:03d}"
                    villages.append(PlaceRef(village, f"{township_path}{village}/"))
                    rows.append((village, f"嘎查{village[6:]}", "village", township, villages[-1].path))
    load(engine, "places", ("code", "name", "level", "parent_code", "path"), rows)
    return villages


def member_name(number: int) -> str:
    """A Chinese name, two or three characters, varied enough that a full name matches few people in a region."""
    surname = SURNAMES[number * 7 % len(SURNAMES)]
    given = GIVEN[number * 13 % len(GIVEN)]
    if number % 3:
        given += GIVEN[number * 31 // 7 % len(GIVEN)]
    return surname + given


BIRTH_DAYS = [f"{date(1950, 1, 1) + timedelta(days=n):%Y%m%d}" for n in range(25_000)]
SEQUENCES = [f"{n:03d}" for n in range(1000)]


@functools.cache
def _weighted(digits: str, offset: int) -> int:
    """The part of the check sum (GB 11643) that ``digits`` at ``offset`` contribute: each part is summed once."""
    return sum(int(digit) * weight for digit, weight in zip(digits, WEIGHTS[offset:], strict=False))


def id_number(area: str, number: int) -> str:
    """A valid, unique resident ID number: the county's area code, a birth day and a sequence spread by ``number``
    (its check character by ``monitoring.id_number``'s weights, summed by part: millions are made)."""
    born, sequence = BIRTH_DAYS[number % 25_000], SEQUENCES[number // 25_000 % 1000]
    total = _weighted(area, 0) + _weighted(born, 6) + _weighted(sequence, 14)
    return f"{area}{born}{sequence}{CHECK_CHARS[total % 11]}"


def household_size(household_id: int) -> int:
    return 1 + household_id * 7 % 5  # 1…5 members, three on average


def build_households(engine: SqlEngine, size: Size, villages: list[PlaceRef]) -> None:
    """Households spread evenly over the villages, every ``households // objects``-th one a monitoring object, with
    their members; then each object's inclusion in the status history (what dashboards and bulletins count)."""
    created = stamp(NOW - timedelta(days=800))
    every = max(1, size.households // size.objects)

    def households() -> Iterator[tuple[Any, ...]]:
        for household_id in range(1, size.households + 1):
            village = villages[(household_id - 1) * len(villages) // size.households]
            monitored = household_id % every == 0 and household_id // every <= size.objects
            risks = json.dumps([RISK_TYPES[household_id % len(RISK_TYPES)]]) if monitored else "[]"
            since = (date(2025, 12, 1) + timedelta(days=household_id % 365)).isoformat() if monitored else None
            yield (household_id, village.code, village.path, f"第{household_id % 9 + 1}组", "", "", "",
                   "poverty_alleviated" if household_id % 4 == 0 else "ordinary", "[]",
                   "monitored" if monitored else "not_monitored",
                   MONITORING_TYPES[household_id % 3] if monitored else None, risks, since, created)

    load(engine, "households", ("id", "village_code", "place_path", "group_name", "address", "phone", "bank_account",
                                "household_type", "focus_groups", "monitoring_status", "monitoring_type", "risk_types",
                                "monitored_since", "created_at"), households())

    def members() -> Iterator[tuple[Any, ...]]:
        member_id = 0
        for household_id in range(1, size.households + 1):
            area = villages[(household_id - 1) * len(villages) // size.households].code[:6]
            for position in range(household_size(household_id)):
                member_id += 1
                number = id_number(area, member_id)
                yield (member_id, household_id, position, member_name(member_id), number, number[::-1],
                       RELATIONS[min(position, len(RELATIONS) - 1)], "male" if int(number[16]) % 2 else "female",
                       "", "", "", "[]", "", "", "", "", "")

    load(engine, "members", ("id", "household_id", "position", "name", "id_number", "id_number_reversed", "relation",
                             "sex", "ethnicity", "education", "schooling", "health", "disability", "labour_skill",
                             "work", "insurance", "phone"), members())
    columns = ["household_id", "from_status", "to_status", "monitoring_type", "reason", "changed_on", "changed_at",
               "changed_by"]
    with engine.begin() as connection:
        connection.execute(insert(HouseholdStatusChange).from_select(columns, select(
            Household.id, literal("not_monitored"), literal("monitored"), Household.monitoring_type, literal(""),
            Household.monitored_since, literal(NOW), literal("bench")).where(Household.monitored_since.is_not(None))))


# --- users and real cases -------------------------------------------------------------------------------------------

def add_users(session: Any, region: dict[str, PlaceRef]) -> dict[str, str]:
    """One user per level on the measured chain (a league's user has the region role, as the demo's)."""
    from monitoring import places

    roles = {"region": "region", "league": "region", "county": "county", "township": "township", "village": "village"}
    users = {}
    for level, role in roles.items():
        username = f"bench_{level}"
        places.add_user(session, username, role, region[level].code, PASSWORD, name=f"测试{level}")
        users[level] = username
    places.add_user(session, "bench_admin", "admin", REGION_CODE, PASSWORD, name="测试管理")
    return users


def drive_cases(session: Any, engine: Any, household_ids: list[int]) -> list[int]:
    """Identification cases started three weeks ago and taken by the real engine to their first public notice,
    which has ended by ``NOW``: each waits for its notice timer, already due."""
    from web.demo_cases import identify, start_identification
    from web.demo_steps import drive, travelling

    def answers(asked: Any) -> dict[str, Any]:
        return {**identify(asked), **(VISIT_INCOME if asked.task.bpmn_id == "visit" else {})}

    started = []
    with travelling(engine) as travel:
        for household_id in household_ids:
            travel.back_to(NOW - timedelta(days=21))
            household = session.get(Household, household_id)
            instance_id = start_identification(engine, session, household, "cadre_screening")
            drive(engine, session, travel, instance_id, answers, stop=["first_notice"])
            started.append(instance_id)
    return started


def clone_timers(db_engine: SqlEngine, originals: list[int], count: int, household_ids: Iterator[int],
                 first_id: int) -> int:
    """``count`` copies of the waiting cases, each about another household, each state's task UUIDs made new (the
    task mirror's keys), so each fires its own timer and makes its own next task."""
    with db_engine.connect() as connection:
        rows = connection.execute(select(ProcessInstance.__table__).where(
            ProcessInstance.id.in_(originals))).mappings().all()
    columns = ("id", "version_id", "process_key", "place_code", "place_path", "business_key", "status", "exclusive",
               "state", "revision", "audit_hash", "data", "waiting", "wake_at", "created_at", "created_by")

    def clones() -> Iterator[tuple[Any, ...]]:
        for number in range(count):
            row = rows[number % len(rows)]
            state = _renamed_uuids(row["state"])
            yield (first_id + number, row["version_id"], row["process_key"], row["place_code"], row["place_path"],
                   f"household:{next(household_ids)}", "running", 1, state, row["revision"], audit.GENESIS,
                   json.dumps(row["data"], ensure_ascii=False), json.dumps(row["waiting"], ensure_ascii=False),
                   stamp(row["wake_at"]), stamp(row["created_at"]), row["created_by"])

    return load(db_engine, "process_instances", columns, clones())


def _renamed_uuids(state: str) -> str:
    """The serialized workflow with every UUID in it replaced by a new one, the same one wherever it recurs."""
    fresh: dict[str, str] = {}
    return UUID_TEXT.sub(lambda m: fresh.setdefault(m.group(), str(uuid.uuid4())), state)


# --- synthetic cases, tasks and their audit trail -------------------------------------------------------------------

def build_work(db_engine: SqlEngine, size: Size, villages: list[PlaceRef], version_id: int, first_id: int) -> None:
    """``tasks // 4`` identification cases of the past year, four task rows each: the first ``ready`` still running
    with their last task READY (one in ``HOT_SHARE`` in the first county), the others completed; each case's
    started and completed events form its own audit chain."""
    cases = size.tasks // TASKS_PER_CASE
    hot = [v for v in villages if v.path.startswith(villages[0].path.rsplit("/", 3)[0] + "/")]
    instances: list[tuple[Any, ...]] = []
    tasks: list[tuple[Any, ...]] = []
    events: list[tuple[Any, ...]] = []
    event_ids = itertools.count(_next_id(db_engine, AuditEvent))
    for number in range(cases):
        instance_id = first_id + number
        running = number < size.ready
        if running and number % HOT_SHARE == 0:
            village = hot[number // HOT_SHARE % len(hot)]
        else:
            village = villages[number * 7919 % len(villages)]
        started = NOW - timedelta(days=1 + number * 37 % 360, minutes=number % 600)
        household = (number * 104729) % size.households + 1
        last_step = READY_AT[number // HOT_SHARE % len(READY_AT)] if running else len(STEPS) - 2
        steps = STEPS[last_step - TASKS_PER_CASE + 1:last_step + 1] if last_step >= TASKS_PER_CASE - 1 \
            else STEPS[:TASKS_PER_CASE]
        chain = audit.GENESIS
        at = started
        detail = {"key": "identification", "place": village.code, "data": {"channel": "cadre_screening"}}
        chain = _event(events, next(event_ids), chain, at, "bench", "instance_started", instance_id, None, detail)
        for index, (bpmn_id, name, role) in enumerate(steps):
            task_id = str(uuid.UUID(int=instance_id << 8 | index))
            ready = running and index == len(steps) - 1
            due = at + timedelta(days=7)
            done = None if ready else at + timedelta(days=2 + number % 4)
            tasks.append((task_id, instance_id, "identification", bpmn_id, name, role, village.code, village.path, 0,
                          "ready" if ready else "completed", stamp(due), stamp(at),
                          None if done is None else stamp(done), None if done is None else f"bench_{role}"))
            if done is not None:
                at = done
                chain = _event(events, next(event_ids), chain, at, f"bench_{role}", "task_completed", instance_id,
                               task_id, {"task": bpmn_id})
        instances.append((instance_id, version_id, "identification", village.code, village.path,
                          f"household:{household}", "running" if running else "completed", 0, "{}", len(steps),
                          chain, "{}", "[]", None if running else stamp(at), stamp(started), "bench"))
        if len(tasks) >= 200_000:
            _flush_work(db_engine, instances, tasks, events)
    _flush_work(db_engine, instances, tasks, events)


def _event(events: list[tuple[Any, ...]], event_id: int, chain: str, at: datetime, actor: str, type_: str,
           instance_id: int, task_id: str | None, detail: dict[str, Any]) -> str:
    digest = audit.digest(chain, at, actor, type_, instance_id, task_id, detail)
    events.append((event_id, stamp(at), actor, type_, instance_id, task_id, json.dumps(detail, ensure_ascii=False),
                   chain, digest))
    return digest


def _flush_work(db_engine: SqlEngine, instances: list[tuple[Any, ...]], tasks: list[tuple[Any, ...]],
                events: list[tuple[Any, ...]]) -> None:
    load(db_engine, "process_instances", ("id", "version_id", "process_key", "place_code", "place_path",
                                          "business_key", "status", "exclusive", "state", "revision", "audit_hash",
                                          "data", "waiting", "ended_at", "created_at", "created_by"), instances)
    load(db_engine, "tasks", ("id", "instance_id", "process_key", "bpmn_id", "name", "role", "place_code",
                              "place_path", "placed", "state", "due_at", "created_at", "completed_at",
                              "completed_by"), tasks)
    load(db_engine, "audit_events", ("id", "at", "actor", "type", "instance_id", "task_id", "detail", "prev_hash",
                                     "hash"), events)
    for rows in (instances, tasks, events):
        rows.clear()


def _next_id(db_engine: SqlEngine, model: type[Base]) -> int:
    with db_engine.connect() as connection:
        return (connection.execute(select(func.max(model.id))).scalar() or 0) + 1


# --- the whole region -----------------------------------------------------------------------------------------------

def build(url: str, size: Size, *, log: Any = print) -> Region:
    """Fill the empty database at ``url`` (its tables are created here) with a region of ``size``."""
    from monitoring import codelists, thresholds
    from monitoring.models import Place
    from web.app import create_app
    from web.boundary import engine as process_engine
    from web.extensions import db
    from web.shipped_processes import deploy_shipped

    started = time.perf_counter()
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"}, clock=FrozenClock(NOW))
    with app.app_context(), app.test_request_context():
        db_engine = db.engine
        Base.metadata.create_all(db_engine)
        villages = build_places(db_engine, size)
        build_households(db_engine, size, villages)
        _reset_sequences(db_engine)
        log(f"  places, {size.households} households and members: {time.perf_counter() - started:.0f} s")
        session = db.session
        village = villages[0]
        chain = [PlaceRef(code, path) for code, path in session.execute(
            select(Place.code, Place.path).where(Place.code.in_(village.path.strip("/").split("/")))
            .order_by(Place.path))]
        region = dict(zip(("region", "league", "county", "township", "village"), chain, strict=True))
        codelists.seed(session)
        for year in (NOW.year - 1, NOW.year):
            thresholds.set_threshold(session, thresholds.INCOME_LINE, REGION_CODE, year, 8600, "bench", NOW)
            thresholds.set_threshold(session, thresholds.EXPENSE_WARNING, region["county"].code, year, 10000,
                                     "bench", NOW)
        users = add_users(session, region)
        deploy_shipped(session)
        session.commit()
        in_village = list(session.execute(select(Household.id).where(
            Household.village_code == village.code, Household.monitoring_status == "not_monitored")
            .order_by(Household.id)).scalars())
        real = drive_cases(session, process_engine(), in_village[:size.real_cases])
        session.commit()
        log(f"  {len(real)} real cases at their notice: {time.perf_counter() - started:.0f} s")
        others = iter(range(in_village[-1] + 1, size.households + 1))
        clone_timers(db_engine, real, size.timers - len(real), others, _next_id(db_engine, ProcessInstance))
        version_id = session.execute(select(ProcessVersion.id).where(ProcessVersion.key == "identification")
                                     .order_by(ProcessVersion.version.desc()).limit(1)).scalar_one()
        build_work(db_engine, size, villages, version_id, _next_id(db_engine, ProcessInstance))
        _reset_sequences(db_engine)
        log(f"  {size.tasks} tasks, their cases and audit events: {time.perf_counter() - started:.0f} s")
        if db_engine.dialect.name == "postgresql":
            with db_engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text("VACUUM ANALYZE"))
        head = session.execute(select(Member.name, Member.id_number).join(Household)
                               .where(Household.village_code == village.code).order_by(Member.id).limit(1)).one()
        due = session.execute(select(func.count()).select_from(ProcessInstance).where(
            ProcessInstance.status == "running", ProcessInstance.wake_at < NOW)).scalar_one()
        found = Region(url, size, region["region"], region["league"], region["county"], region["township"],
                       region["village"], users, head.name, head.id_number[-6:], real[0], due,
                       time.perf_counter() - started)
        db.session.remove()
        db_engine.dispose()
    return found


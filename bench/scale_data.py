"""A synthetic region at production size, built in minutes, for the benchmarks that measure growth.

``build(url, size)`` fills an empty database with Inner Mongolia's shape: 12 leagues, ~100 counties, ~1,000
townships and 11,000 villages; 1,000,000 households with ~3 members each (Chinese names, valid 18-digit ID numbers),
100,000 of them monitoring objects with their status history; 1,000,000 task rows (50,000 READY, a fifth of them in
one county, so its inboxes hold thousands) with their instances and a year of audit events; and identification cases
run by the real engine — a few driven to their first public notice, then cloned (fresh task UUIDs) into ``timers``
instances whose notice timer is due, for the sweep.

Built for speed (a full region in a few minutes on two cores): what can be derived from a row's number — households,
members with their names and ID numbers, task rows — is made by the database itself (``INSERT … SELECT`` over a
series of numbers and small lookup tables), what only Python makes — the synthetic cases with their per-instance
audit chains, real and verifying (no row enters the global chain) — is made by a second thread while the database
loads the households, then goes through PostgreSQL ``COPY`` or SQLite ``executemany``. The load is one transaction
on a connection tuned for loading, with the tables' indexes built once at its end.

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
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine as SqlEngine  # noqa: E402
from sqlalchemy import create_engine, func, insert, literal, select, text  # noqa: E402
from sqlalchemy.engine import Connection  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

import monitoring.models  # noqa: E402,F401  (registers the domain's tables)
from engine import audit  # noqa: E402
from engine.clock import FrozenClock  # noqa: E402
from engine.models import AuditEvent, Base, ProcessInstance, ProcessVersion  # noqa: E402
from monitoring.id_number import CHECK_CHARS, WEIGHTS  # noqa: E402
from monitoring.models import Household, HouseholdStatusChange, Member  # noqa: E402
from web.demo_cases import identify, start_identification  # noqa: E402
from web.demo_steps import drive, travelling  # noqa: E402

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
RISK_JSON = tuple(json.dumps([risk]) for risk in RISK_TYPES)  # a monitored household's ``risk_types``
BIRTH_DAYS = 25_000  # the birth days of ID numbers, from 1950-01-01
SEQUENCES = 1_000  # the sequence numbers of ID numbers: each (area, birth day, sequence) one member
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
UUID_PIECES = re.compile(r"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})")  # split: odd pieces


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


# --- writing in bulk ------------------------------------------------------------------------------------------------

def stamp(at: datetime) -> str:
    """A UTC datetime as SQLAlchemy stores it in SQLite (naive, microseconds always written); PostgreSQL parses it."""
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


class Bulk:
    """One connection that writes a phase of the build in one transaction, tuned for loading (SQLite without a
    journal, PostgreSQL without synchronous commits or foreign-key triggers: every row is made consistent here), and
    the few SQL spellings the two databases differ in. Rows the server can derive from a number are made by the
    server (``INSERT … SELECT`` over ``numbers``); rows only Python can make go through COPY or ``executemany``."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.postgres = connection.dialect.name == "postgresql"
        if self.postgres:
            for setting in ("synchronous_commit TO off", "maintenance_work_mem TO '512MB'", "work_mem TO '64MB'",
                            "session_replication_role TO replica"):
                connection.exec_driver_sql(f"SET LOCAL {setting}")
        else:
            for pragma in ("journal_mode=OFF", "synchronous=OFF", "cache_size=-1000000", "temp_store=MEMORY",
                           "foreign_keys=OFF", "threads=2"):  # threads: CREATE INDEX sorts on both cores
                connection.exec_driver_sql(f"PRAGMA {pragma}")
            self.lookup("bench_thousand", {"n": "INTEGER"}, ((n,) for n in range(1000)))

    @classmethod
    @contextmanager
    def on(cls, url: str) -> Iterator[Bulk]:
        """A connection of its own (its settings die with it), committed at the end."""
        engine = create_engine(url, poolclass=NullPool)
        try:
            with engine.begin() as connection:
                yield cls(connection)
        finally:
            engine.dispose()

    def execute(self, sql: str, **params: Any) -> None:
        self.connection.execute(text(sql), params)

    def rows(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        """``rows`` into ``table`` through the driver itself: COPY on PostgreSQL, ``executemany`` on SQLite."""
        cursor = self.connection.connection.cursor()
        names = ", ".join(columns)
        count = 0
        if self.postgres:
            with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
            return count
        statement = f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})"
        rows = iter(rows)
        while batch := list(itertools.islice(rows, 50_000)):
            cursor.executemany(statement, batch)
            count += len(batch)
        return count

    def lookup(self, table: str, columns: dict[str, str], rows: Iterable[Sequence[Any]]) -> None:
        """A temporary table (column name -> SQL type, the first the key) of values made in Python, to join to."""
        declared = ", ".join(f"{name} {kind}" for name, kind in columns.items())
        key = next(iter(columns))
        self.connection.exec_driver_sql(f"CREATE TEMPORARY TABLE {table} ({declared}, PRIMARY KEY ({key}))")
        self.rows(table, tuple(columns), rows)

    def numbers(self, count: int) -> str:
        """A FROM-clause source of the column ``n``, 1 … ``count`` (up to a billion)."""
        if self.postgres:
            return f"generate_series(CAST(1 AS BIGINT), {count}) AS s(n)"
        levels = 1
        while 1000 ** levels < count:
            levels += 1
        digits = [f"d{level}" for level in range(levels)]
        value = " + ".join(f"{digit}.n * {1000 ** level}" for level, digit in enumerate(digits))
        top = digits[-1]
        return (f"(SELECT {value} + 1 AS n FROM {' CROSS JOIN '.join(f'bench_thousand {d}' for d in reversed(digits))}"
                f" WHERE {top}.n <= {(count - 1) // 1000 ** (levels - 1)} AND {value} < {count}) AS s")

    def json(self, expression: str) -> str:
        return f"CAST({expression} AS JSON)" if self.postgres else expression

    def timestamp(self, expression: str) -> str:
        """A text in ``stamp``'s format as the column stores it."""
        return f"CAST({expression} AS TIMESTAMP)" if self.postgres else expression

    def date_after(self, day: date, days: str) -> str:
        if self.postgres:
            return f"DATE '{day.isoformat()}' + CAST({days} AS INTEGER)"
        return f"date('{day.isoformat()}', '+' || ({days}) || ' days')"

    def days_later(self, stored: str, days: str) -> str:
        """A stored timestamp ``days`` days later, as stored."""
        if self.postgres:
            return f"{stored} + CAST({days} AS INTEGER) * INTERVAL '1 day'"
        return f"datetime({stored}, '+' || ({days}) || ' days') || '.000000'"

    def uuid(self, number: str) -> str:
        """``str(uuid.UUID(int=number))`` for a number below 2**48."""
        hexadecimal = f"lpad(to_hex({number}), 12, '0')" if self.postgres else f"printf('%012x', {number})"
        return f"'00000000-0000-0000-0000-' || {hexadecimal}"


def choice(number: str, values: Sequence[str]) -> str:
    """SQL for ``values[number % len(values)]`` (the values are this module's constants)."""
    whens = " ".join(f"WHEN {index} THEN '{value}'" for index, value in enumerate(values))
    return f"CASE ({number}) % {len(values)} {whens} END"


@contextmanager
def indexes_later(bulk: Bulk, tables: Sequence[str]) -> Iterator[None]:
    """The tables' indexes dropped while they fill and built once at the end: one sort each, not a random B-tree
    insertion per row."""
    indexes = [index for name in tables for index in Base.metadata.tables[name].indexes]
    for index in indexes:
        index.drop(bulk.connection)
    yield
    for index in indexes:
        index.create(bulk.connection)


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


PLACE_COLUMNS = ("code", "name", "level", "parent_code", "path")


def region_places(size: Size) -> tuple[list[tuple[str, str, str, str | None, str]], list[PlaceRef]]:
    """Region, leagues, counties, townships and villages with national-looking codes (``PLACE_COLUMNS``), and the
    villages in order (the first county's first)."""
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
    return rows, villages


def _weighted(digits: str, offset: int) -> int:
    """The part of an ID number's check sum (GB 11643) that ``digits`` at ``offset`` contribute: the check
    character is ``CHECK_CHARS[sum of the parts % 11]``, so each part is computed once, here, and summed in SQL."""
    return sum(int(digit) * weight for digit, weight in zip(digits, WEIGHTS[offset:], strict=False))


def _id_number_parts(bulk: Bulk, villages: list[PlaceRef]) -> None:
    """What a member's ID number is assembled from, each with its check-sum part and its digits reversed (the
    search's ``id_number_reversed``): the village's county area code (6 digits), a birth day of the 25,000 from
    1950 (8) and a sequence number (3, whose last digit is the sex: odd male)."""
    bulk.lookup("bench_villages", {"number": "BIGINT", "code": "TEXT", "path": "TEXT", "area": "TEXT",
                                   "area_weight": "BIGINT", "area_reversed": "TEXT"},
                ((number, v.code, v.path, v.code[:6], _weighted(v.code[:6], 0), v.code[:6][::-1])
                 for number, v in enumerate(villages)))
    born = (f"{date(1950, 1, 1) + timedelta(days=n):%Y%m%d}" for n in range(BIRTH_DAYS))
    bulk.lookup("bench_births", {"number": "BIGINT", "digits": "TEXT", "weight": "BIGINT", "reversed": "TEXT"},
                ((n, day, _weighted(day, 6), day[::-1]) for n, day in enumerate(born)))
    bulk.lookup("bench_sequences", {"number": "BIGINT", "digits": "TEXT", "weight": "BIGINT", "reversed": "TEXT",
                                    "sex": "TEXT"},
                ((n, f"{n:03d}", _weighted(f"{n:03d}", 14), f"{n:03d}"[::-1], "male" if n % 2 else "female")
                 for n in range(SEQUENCES)))
    # a household's members: households come in runs of five whose sizes repeat (1, 3, 5, 2, 4: fifteen members),
    # so a member's id follows from its household's number and its position
    slots, before = [], 0
    for k in range(5):
        for position in range(household_size(k + 1)):
            slots.append((len(slots), k, position, before + position + 1, RELATIONS[min(position, len(RELATIONS) - 1)]))
        before += household_size(k + 1)
    bulk.lookup("bench_slots", {"number": "BIGINT", "k": "BIGINT", "position": "BIGINT", "serial": "BIGINT",
                                "relation": "TEXT"}, slots)


def household_size(household_id: int) -> int:
    return 1 + household_id * 7 % 5  # 1…5 members, three on average


def build_households(bulk: Bulk, size: Size, villages: list[PlaceRef]) -> None:
    """Households spread evenly over the villages, every ``households // objects``-th one a monitoring object, with
    1 … 5 members each (three on average, Chinese names, valid unique ID numbers); then each object's inclusion in
    the status history (what dashboards and bulletins count). All made by the database from the household's number.
    """
    _id_number_parts(bulk, villages)
    every = max(1, size.households // size.objects)

    def village_of(household: str) -> str:
        return f"bench_villages v ON v.number = ({household} - 1) * {len(villages)} / {size.households}"

    monitored = f"s.n % {every} = 0 AND s.n / {every} <= {size.objects}"
    bulk.execute(f"""
        INSERT INTO households (id, village_code, place_path, group_name, address, phone, bank_account,
                                household_type, focus_groups, monitoring_status, monitoring_type, risk_types,
                                monitored_since, created_at)
        SELECT s.n, v.code, v.path, '第' || (s.n % 9 + 1) || '组', '', '', '',
               CASE WHEN s.n % 4 = 0 THEN 'poverty_alleviated' ELSE 'ordinary' END, {bulk.json("'[]'")},
               CASE WHEN {monitored} THEN 'monitored' ELSE 'not_monitored' END,
               CASE WHEN {monitored} THEN {choice("s.n", MONITORING_TYPES)} END,
               {bulk.json(f"CASE WHEN {monitored} THEN {choice('s.n', RISK_JSON)} ELSE '[]' END")},
               CASE WHEN {monitored} THEN {bulk.date_after(date(2025, 12, 1), "s.n % 365")} END,
               {bulk.timestamp(":created")}
        FROM {bulk.numbers(size.households)} JOIN {village_of("s.n")}""", created=stamp(NOW - timedelta(days=800)))
    check = _character(CHECK_CHARS, "v.area_weight + b.weight + q.weight")
    bulk.execute(f"""
        INSERT INTO members (id, household_id, position, name, id_number, id_number_reversed, place_path, relation,
                             sex, ethnicity, education, schooling, health, disability, labour_skill, work,
                             insurance, phone)
        SELECT m.id, m.household_id, m.position, {_member_name("m.id")},
               v.area || b.digits || q.digits || {check}, {check} || q.reversed || b.reversed || v.area_reversed,
               v.path, m.relation, q.sex, '', '', '', {bulk.json("'[]'")}, '', '', '', '', ''
        FROM (SELECT s.n AS household_id, 15 * ((s.n - 1) / 5) + slot.serial AS id, slot.position, slot.relation
              FROM {bulk.numbers(size.households)} JOIN bench_slots slot ON slot.k = (s.n - 1) % 5) m
        JOIN {village_of("m.household_id")}
        JOIN bench_births b ON b.number = m.id % {BIRTH_DAYS}
        JOIN bench_sequences q ON q.number = m.id / {BIRTH_DAYS} % {SEQUENCES}""")
    columns = ["household_id", "from_status", "to_status", "monitoring_type", "reason", "changed_on", "changed_at",
               "changed_by"]
    bulk.connection.execute(insert(HouseholdStatusChange).from_select(columns, select(
        Household.id, literal("not_monitored"), literal("monitored"), Household.monitoring_type, literal(""),
        Household.monitored_since, literal(NOW), literal("bench")).where(Household.monitored_since.is_not(None))))


def _character(alphabet: str, index: str) -> str:
    """SQL for ``alphabet[index % len(alphabet)]`` (``substr`` counts characters on both databases)."""
    return f"substr('{alphabet}', CAST(({index}) % {len(alphabet)} + 1 AS INTEGER), 1)"


def _member_name(number: str) -> str:
    """SQL for a Chinese name of two or three characters, varied enough that a full name matches few people in a
    region."""
    return (f"{_character(SURNAMES, f'{number} * 7')} || {_character(GIVEN, f'{number} * 13')} || "
            f"CASE WHEN {number} % 3 = 0 THEN '' ELSE {_character(GIVEN, f'{number} * 31 / 7')} END")


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


def clone_timers(bulk: Bulk, originals: list[int], count: int, household_ids: Iterator[int]) -> int:
    """``count`` copies of the waiting cases, each about another household, each state's task UUIDs made new (the
    task mirror's keys), so each fires its own timer and makes its own next task."""
    rows = bulk.connection.execute(select(ProcessInstance.__table__).where(
        ProcessInstance.id.in_(originals))).mappings().all()
    columns = ("id", "business_key", "state", "version_id", "process_key", "place_code", "place_path", "status",
               "exclusive", "revision", "audit_hash", "data", "waiting", "wake_at", "created_at", "created_by")
    # what a copy keeps of its original, and its state cut at the UUIDs
    kept = [(row["version_id"], row["process_key"], row["place_code"], row["place_path"], "running", True,
             row["revision"], audit.GENESIS, json.dumps(row["data"], ensure_ascii=False),
             json.dumps(row["waiting"], ensure_ascii=False), stamp(row["wake_at"]), stamp(row["created_at"]),
             row["created_by"]) for row in rows]
    states = [UUID_PIECES.split(row["state"]) for row in rows]
    first_id = _next_id(bulk.connection, ProcessInstance)

    def clones() -> Iterator[tuple[Any, ...]]:
        for number in range(count):
            yield (first_id + number, f"household:{next(household_ids)}", _renamed_uuids(states[number % len(rows)]),
                   *kept[number % len(rows)])

    return bulk.rows("process_instances", columns, clones())


def _renamed_uuids(pieces: list[str]) -> str:
    """A serialized workflow (split by ``UUID_PIECES``: every odd piece a UUID) with every UUID replaced by a new
    one, the same one wherever it recurs."""
    fresh: dict[str, str] = {}
    renamed = pieces[:]
    for index in range(1, len(pieces), 2):
        if pieces[index] not in fresh:
            fresh[pieces[index]] = str(uuid.uuid4())
        renamed[index] = fresh[pieces[index]]
    return "".join(renamed)


# --- synthetic cases, tasks and their audit trail -------------------------------------------------------------------

INSTANCE_COLUMNS = ("id", "version_id", "process_key", "place_code", "place_path", "business_key", "status",
                    "exclusive", "state", "revision", "audit_hash", "data", "waiting", "ended_at", "created_at",
                    "created_by")
EVENT_COLUMNS = ("id", "at", "actor", "type", "instance_id", "task_id", "detail", "prev_hash", "hash")


def build_work(bulk: Bulk, cases: list[Case]) -> None:
    """The synthetic cases with their audit events, and their task rows made by the database from each case's
    plan."""
    bulk.lookup("bench_steps", {"number": "BIGINT", "bpmn_id": "TEXT", "name": "TEXT", "role": "TEXT"},
                ((number, *step) for number, step in enumerate(STEPS)))
    bulk.lookup("bench_task_slots", {"number": "BIGINT"}, ((i,) for i in range(TASKS_PER_CASE)))
    plan = {"instance_id": "BIGINT", "first_step": "BIGINT", "ready_slot": "BIGINT", "step_days": "BIGINT"}
    bulk.lookup("bench_plans", plan, ())
    bulk.rows("process_instances", INSTANCE_COLUMNS, (instance for instance, _events, _plan in cases))
    bulk.rows("audit_events", EVENT_COLUMNS, (event for _instance, events, _plan in cases for event in events))
    bulk.rows("bench_plans", tuple(plan), (case_plan for _instance, _events, case_plan in cases))
    at = "i.created_at"
    bulk.execute(f"""
        INSERT INTO tasks (id, instance_id, process_key, bpmn_id, name, role, place_code, place_path, placed, state,
                           due_at, created_at, completed_at, completed_by)
        SELECT {bulk.uuid("p.instance_id * 256 + t.number")}, p.instance_id, 'identification', step.bpmn_id,
               step.name, step.role, i.place_code, i.place_path, false,
               CASE WHEN t.number = p.ready_slot THEN 'ready' ELSE 'completed' END,
               {bulk.days_later(at, "t.number * p.step_days + 7")}, {bulk.days_later(at, "t.number * p.step_days")},
               CASE WHEN t.number <> p.ready_slot THEN {bulk.days_later(at, "(t.number + 1) * p.step_days")} END,
               CASE WHEN t.number <> p.ready_slot THEN 'bench_' || step.role END
        FROM bench_plans p JOIN process_instances i ON i.id = p.instance_id CROSS JOIN bench_task_slots t
        JOIN bench_steps step ON step.number = p.first_step + t.number""")


Case = tuple[tuple[Any, ...], list[tuple[Any, ...]], tuple[int, int, int, int]]


def synthetic_cases(size: Size, villages: list[PlaceRef], version_id: int, first_id: int,
                    first_event_id: int) -> list[Case]:
    """``tasks // 4`` identification cases of the past year, four task rows each: the first ``ready`` still running
    with their last task READY (one in ``HOT_SHARE`` in the first county), the others completed. Each case: its
    instance row, its audit events (started, then one per completed task, a chain hashed the way ``engine.audit``
    does: only Python does that) and its plan (first step, the READY task's slot or -1, days between steps) from
    which the database makes its task rows. Pure Python, so it runs on the other core while the database loads."""
    hot = [v for v in villages if v.path.startswith(villages[0].path.rsplit("/", 3)[0] + "/")]
    event_ids = itertools.count(first_event_id)
    cases = []
    for number in range(size.tasks // TASKS_PER_CASE):
        instance_id = first_id + number
        running = number < size.ready
        if running and number % HOT_SHARE == 0:
            village = hot[number // HOT_SHARE % len(hot)]
        else:
            village = villages[number * 7919 % len(villages)]
        started = NOW - timedelta(days=1 + number * 37 % 360, minutes=number % 600)
        household = (number * 104729) % size.households + 1
        last_step = READY_AT[number // HOT_SHARE % len(READY_AT)] if running else len(STEPS) - 2
        first_step = max(0, last_step - TASKS_PER_CASE + 1)
        step_days = 2 + number % 4
        events: list[tuple[Any, ...]] = []
        chain = _event(events, next(event_ids), audit.GENESIS, started, "bench", "instance_started", instance_id,
                       None, _detail(place=village.code))
        at = started
        for slot in range(TASKS_PER_CASE - 1 if running else TASKS_PER_CASE):
            bpmn_id, _name, role = STEPS[first_step + slot]
            at = started + timedelta(days=(slot + 1) * step_days)
            chain = _event(events, next(event_ids), chain, at, f"bench_{role}", "task_completed", instance_id,
                           task_uuid(instance_id, slot), _detail(task=bpmn_id))
        instance = (instance_id, version_id, "identification", village.code, village.path, f"household:{household}",
                    "running" if running else "completed", False, "{}", TASKS_PER_CASE, chain, "{}", "[]",
                    None if running else stamp(at), stamp(started), "bench")
        cases.append((instance, events, (instance_id, first_step, TASKS_PER_CASE - 1 if running else -1, step_days)))
    return cases


def task_uuid(instance_id: int, slot: int) -> str:
    """``str(uuid.UUID(int=instance_id << 8 | slot))``, the key of a synthetic case's task (``Bulk.uuid`` in SQL)."""
    return f"00000000-0000-0000-0000-{instance_id << 8 | slot:012x}"


@functools.cache
def _detail(place: str | None = None, task: str | None = None) -> tuple[dict[str, Any], str]:
    """An event's detail and its JSON, made once: a case's start names its village, a completion its task."""
    detail = {"task": task} if task else {"key": "identification", "place": place,
                                          "data": {"channel": "cadre_screening"}}
    return detail, json.dumps(detail, ensure_ascii=False)


def _event(events: list[tuple[Any, ...]], event_id: int, chain: str, at: datetime, actor: str, type_: str,
           instance_id: int, task_id: str | None, detail: tuple[dict[str, Any], str]) -> str:
    digest = audit.digest(chain, at, actor, type_, instance_id, task_id, detail[0])
    events.append((event_id, stamp(at), actor, type_, instance_id, task_id, detail[1], chain, digest))
    return digest


def _next_id(connection: Connection, model: type[Base]) -> int:
    return (connection.execute(select(func.max(model.id))).scalar() or 0) + 1


# --- the whole region -----------------------------------------------------------------------------------------------

REGION_TABLES = ("households", "members", "household_status_changes", "household_risks")
WORK_TABLES = ("process_instances", "tasks", "audit_events")


class Stopwatch:
    """Each phase of the build logged as it ends: wall seconds, and this process's CPU seconds (all threads, SQLite's
    work included; a PostgreSQL server's own work shows only in the wall time)."""

    def __init__(self, log: Any) -> None:
        self.log, self.started = log, time.perf_counter()
        self.wall, self.cpu = self.started, time.process_time()

    def lap(self, what: str) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        self.log(f"  {what}: {wall - self.wall:.1f} s wall, {cpu - self.cpu:.1f} s CPU in this process")
        self.wall, self.cpu = wall, cpu

    def total(self) -> float:
        return time.perf_counter() - self.started



def vacuum(db_engine: Any) -> None:
    """``VACUUM ANALYZE`` on PostgreSQL: every page marked all-visible again, so index-only scans (a region's count of
    its running cases) read no table pages, and fresh statistics, as autovacuum leaves a database in time. Nothing on
    SQLite."""
    if db_engine.dialect.name == "postgresql":
        with db_engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))

def build(url: str, size: Size, *, log: Any = print) -> Region:
    """Fill the empty database at ``url`` (its tables are created here) with a region of ``size``."""
    from monitoring import codelists, thresholds
    from monitoring.household_copies import fill_household_risks
    from monitoring.models import Place
    from web.app import create_app
    from web.boundary import engine as process_engine
    from web.extensions import db
    from web.shipped_processes import deploy_shipped

    watch = Stopwatch(log)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"}, clock=FrozenClock(NOW))
    with app.app_context(), app.test_request_context():
        db_engine = db.engine
        Base.metadata.create_all(db_engine)
        session = db.session
        codelists.seed(session)
        deploy_shipped(session)
        session.commit()
        version_id = session.execute(select(ProcessVersion.id).where(ProcessVersion.key == "identification")
                                     .order_by(ProcessVersion.version.desc()).limit(1)).scalar_one()
        first_ids = _next_id(session.connection(), ProcessInstance), _next_id(session.connection(), AuditEvent)
        db.session.remove()
        db_engine.dispose()  # the bulk phase writes alone (SQLite leaves its journal only then)
        watch.lap("tables, code lists, processes deployed")
        places, villages = region_places(size)
        with ThreadPoolExecutor(1) as pool:
            cases = pool.submit(synthetic_cases, size, villages, version_id, *first_ids)
            with Bulk.on(url) as bulk, indexes_later(bulk, REGION_TABLES + WORK_TABLES):
                bulk.rows("places", PLACE_COLUMNS, places)
                build_households(bulk, size, villages)
                fill_household_risks(bulk.connection)
                watch.lap(f"{len(places)} places, {size.households} households, their members and risks")
                build_work(bulk, cases.result())
                del cases  # some 2 GB at full size, not to be held while the indexes sort
                watch.lap(f"{size.tasks} tasks, their cases and audit events (made meanwhile by another thread)")
        watch.lap("indexes")
        _reset_sequences(db_engine)
        village = villages[0]
        chain = [PlaceRef(code, path) for code, path in session.execute(
            select(Place.code, Place.path).where(Place.code.in_(village.path.strip("/").split("/")))
            .order_by(Place.path))]
        region = dict(zip(("region", "league", "county", "township", "village"), chain, strict=True))
        for year in (NOW.year - 1, NOW.year):
            thresholds.set_threshold(session, thresholds.INCOME_LINE, REGION_CODE, year, 8600, "bench", NOW)
            thresholds.set_threshold(session, thresholds.EXPENSE_WARNING, region["county"].code, year, 10000,
                                     "bench", NOW)
        users = add_users(session, region)
        session.commit()
        in_village = list(session.execute(select(Household.id).where(
            Household.village_code == village.code, Household.monitoring_status == "not_monitored")
            .order_by(Household.id)).scalars())
        real = drive_cases(session, process_engine(), in_village[:size.real_cases])
        session.commit()
        db.session.remove()
        db_engine.dispose()
        with Bulk.on(url) as bulk:
            clone_timers(bulk, real, size.timers - len(real), iter(range(in_village[-1] + 1, size.households + 1)))
        _reset_sequences(db_engine)
        watch.lap(f"users, {len(real)} real cases driven to their notice, {size.timers - len(real)} copies")
        if db_engine.dialect.name == "postgresql":
            vacuum(db_engine)
            watch.lap("VACUUM ANALYZE")
        head = session.execute(select(Member.name, Member.id_number).join(Household)
                               .where(Household.village_code == village.code).order_by(Member.id).limit(1)).one()
        due = session.execute(select(func.count()).select_from(ProcessInstance).where(
            ProcessInstance.status == "running", ProcessInstance.wake_at < NOW)).scalar_one()
        found = Region(url, size, region["region"], region["league"], region["county"], region["township"],
                       region["village"], users, head.name, head.id_number[-6:], real[0], due, watch.total())
        db.session.remove()
        db_engine.dispose()
    return found

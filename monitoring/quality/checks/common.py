"""SQL pieces several checks share: present members, a household's size and latest measurement, net income and the
income line in force, measures carried out, a member's birth date and age from the ID number.

Every piece reads only the household's own rows (and the thresholds), so a household trips a check the same
whichever place the check runs over: a county's run never closes a finding the nightly run opened.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Integer, and_, case, cast, exists, extract, func, literal, null, select
from sqlalchemy.orm import Session, aliased

from engine.scope import below
from monitoring import thresholds
from monitoring.codes import ABLE_TO_WORK_SKILLS, label
from monitoring.id_number import EARLIEST_BIRTH
from monitoring.json_lists import list_items
from monitoring.models import Household, Measure, Measurement, MeasureStatus, Member, MonitoringStatus, Place, Threshold
from monitoring.quality.catalogue import CheckScope, Trip
from monitoring.quality.records import live_households
from monitoring.rules import INCOME_FIELDS, per_capita_income

ELIMINATED = MonitoringStatus.ELIMINATED
MONITORED = MonitoringStatus.MONITORED
MONITORING_OBJECTS = (MONITORED, ELIMINATED)  # 监测对象: monitored now, or eliminated and kept on the rolls
UNRECORDED = "未登记日期"
CARRIED_OUT = (MeasureStatus.IN_PROGRESS, MeasureStatus.DONE)  # 已实施: begun or finished; planned is a promise


def present(member: Any = Member) -> ColumnElement[bool]:
    """A member still in the household (one who left stays as a former member and counts for nothing)."""
    return member.left_on.is_(None)


def household_size(household: Any = Household) -> ColumnElement[int]:
    """The household's present members, counted in SQL (``ix_members_present``)."""
    member = aliased(Member)
    return (select(func.count(member.id)).where(member.household_id == household.id, present(member))
            .scalar_subquery())


def able_members(household: Any = Household) -> ColumnElement[int]:
    """The household's present members able to work (普通、技能、弱劳动力), counted in SQL."""
    member = aliased(Member)
    return (select(func.count(member.id))
            .where(member.household_id == household.id, present(member), member.labour_skill.in_(ABLE_TO_WORK_SKILLS))
            .scalar_subquery())


def latest(measurement: Any) -> ColumnElement[bool]:
    """``measurement`` is its household's latest: no measurement of a later year."""
    later = aliased(Measurement)
    return ~exists().where(later.household_id == measurement.household_id, later.year > measurement.year)


def net_income(measurement: Any) -> ColumnElement[Decimal]:
    """家庭纯收入 in SQL, from the fields ``monitoring.rules.net_income`` adds (production costs subtracted)."""
    total: ColumnElement[Decimal] = getattr(measurement, INCOME_FIELDS[0])
    for name in INCOME_FIELDS[1:]:
        total = total + getattr(measurement, name)
    return total - measurement.business_expenses


def no_income(measurement: Any) -> ColumnElement[bool]:
    """None of the four income sources recorded (each 0: the form's default)."""
    return and_(*(getattr(measurement, name) == 0 for name in INCOME_FIELDS))


def under_line(net: ColumnElement[Decimal], size: ColumnElement[int], line: ColumnElement[Decimal]) -> \
        ColumnElement[bool]:
    """Per-capita net income, rounded half up to cents as ``monitoring.rules`` rounds it, is under the line.

    In cents (N net, L line, n members) it rounds below L exactly when N / n < L - 1/2, that is when the integers
    2N and (2L - 1) n satisfy 2N < (2L - 1) n, or 2N + 1/2 < (2L - 1) n: the half keeps SQLite's floating point
    (amounts are REAL there) from deciding a tie. False for a household without members or without a line."""
    return and_(size > 0, net * 200 + 0.5 < (line * 200 - 1) * size)


def income_line(session: Session, place_path: ColumnElement[str], year: ColumnElement[int],
                scope_path: str) -> ColumnElement[Decimal]:
    """The income line in force for a household's place and a year, as ``monitoring.thresholds.current_for`` reads
    it (the nearest place up the tree that sets one, its newest value), written into the statement as a CASE over
    the few places that set a line for the scope — the deepest first; NULL where no line is set."""
    setters = session.execute(
        select(Place.path, Threshold.year).distinct().join(Place, Place.code == Threshold.place_code)
        .where(Threshold.kind == thresholds.INCOME_LINE)).all()
    wanted = {(path, year) for path, year in setters if scope_path.startswith(path) or path.startswith(scope_path)}
    if not wanted:
        return null()
    amounts = thresholds.current_for(session, thresholds.INCOME_LINE, wanted)
    deepest_first = sorted(wanted, key=lambda pair: (-len(pair[0]), pair))
    return case(*((and_(year == line_year, below(place_path, path)), amounts[path, line_year])
                  for path, line_year in deepest_first), else_=null())


def under_the_line(session: Session, scope: CheckScope, *conditions: ColumnElement[bool]) -> Iterator[Trip]:
    """The households meeting ``conditions`` whose latest measurement's per-capita net income is under the line in
    force for its year and their place, with the year, the income and the line (Q103, Q403)."""
    size = household_size()
    line = income_line(session, Household.place_path, Measurement.year, scope.place_path)
    incomes = [getattr(Measurement, name) for name in (*INCOME_FIELDS, "business_expenses")]
    rows = session.execute(
        select(Household.id, size.label("size"), line.label("line"), Measurement.year, *incomes).select_from(Household)
        .join(Measurement, and_(Measurement.household_id == Household.id, latest(Measurement)))
        .where(live_households(scope), *conditions, under_line(net_income(Measurement), size, line)))
    for row in rows:  # a row has the income fields by name, as per_capita_income reads them (no ORM object)
        yield Trip(row.id, {"year": row.year, "income": amount(per_capita_income(row, row.size)),
                            "line": amount(row.line)})


def measures_of(household: Any, *conditions: ColumnElement[bool]) -> ColumnElement[bool]:
    """The household has a measure meeting ``conditions`` (a stopped measure is one only if a condition says so)."""
    return exists().where(Measure.household_id == household.id, *conditions)


def current(measure: Any = Measure) -> ColumnElement[bool]:
    """A measure of the plan: anything but stopped (a stopped measure never counts, monitoring.assistance_rules)."""
    return measure.status != MeasureStatus.STOPPED


def carried_out(measure: Any = Measure) -> ColumnElement[bool]:
    return measure.status.in_(CARRIED_OUT)


def json_list_has(session: Session, values: ColumnElement, codes: tuple[str, ...]) -> ColumnElement[bool]:
    """A JSON list column (a member's health) holds one of ``codes``."""
    items = list_items(session.get_bind().dialect.name, values)
    return exists(select(literal(1)).select_from(items).where(items.c.value.in_(codes)))


def birth_digits(id_number: ColumnElement[str]) -> ColumnElement[str]:
    """The birth date an 18-character ID number carries, as its eight digits YYYYMMDD: compared as text, they order
    as the dates do, on both databases, without parsing a date in SQL."""
    return func.substr(id_number, 7, 8)


def birth_known(id_number: ColumnElement[str], today: date) -> ColumnElement[bool]:
    """The ID number is 18 characters long and its birth digits lie between the earliest birth a resident ID may carry
    and today (a malformed one is Q501's finding, not an age)."""
    return and_(func.length(id_number) == 18,
                birth_digits(id_number).between(digits_of(EARLIEST_BIRTH), digits_of(today)))


def digits_of(day: date) -> str:
    return day.strftime("%Y%m%d")


def years_before(today: date, years: int) -> date:
    """The day ``years`` years before today (a 29 February gives the 28th): born after it, one is not yet that old."""
    year = today.year - years
    return today.replace(year=year, day=min(today.day, calendar.monthrange(year, today.month)[1]))


def months_before(today: date, months: int) -> date:
    """The same day ``months`` months before today, or that month's last day when it is shorter."""
    index = today.year * 12 + today.month - 1 - months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(today.day, calendar.monthrange(year, month + 1)[1]))


def age_on(birth: str, today: date) -> int | None:
    """Full years of age on ``today`` for birth digits YYYYMMDD that SQL found within bounds; None when they are no
    day at all (19800230, 19a01010): such a number is Q501's finding, and its holder has no age to check."""
    try:
        born = date(int(birth[:4]), int(birth[4:6]), int(birth[6:8]))
    except ValueError:
        return None
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def day_of(value: date | None) -> str:
    """A recorded date as a message shows it; a household marked eliminated (or monitored) without its date is still
    found by the checks that read the mark, and its message says the date is missing rather than failing."""
    return value.isoformat() if value is not None else UNRECORDED


def born_on(birth: str) -> str:
    """Birth digits as a date a cadre reads: 1980-01-01."""
    return f"{birth[:4]}-{birth[4:6]}-{birth[6:8]}"


def year_of(column: ColumnElement[date]) -> ColumnElement[int]:
    """A date's year as an integer on both databases (PostgreSQL's extract gives a numeric)."""
    return cast(extract("year", column), Integer)


def labels(list_key: str, codes: Any, joiner: str = "、") -> str:
    """Codes as their Chinese labels, for a message."""
    return joiner.join(label(list_key, code) for code in codes)


def amount(value: Decimal | float | int) -> str:
    """An amount of yuan as a message shows it, to the cent."""
    return f"{Decimal(value).quantize(Decimal('0.01'))}"

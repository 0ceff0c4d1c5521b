"""Checks on members' ID numbers (身份证号, GB 11643-1999; domain.md §10): a number that is not a valid resident ID,
and one person on the rolls twice. Messages name the member, never the number."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from sqlalchemy import ColumnElement, Integer, and_, case, cast, exists, func, literal, or_, select
from sqlalchemy.orm import Session, aliased

from monitoring.id_number import CHECK_CHARS, EARLIEST_BIRTH, PROVINCE_CODES, WEIGHTS, check_id_number
from monitoring.models import Household, Member
from monitoring.quality.catalogue import CheckScope, Severity, Trip, check
from monitoring.quality.checks.common import birth_digits, digits_of, present
from monitoring.quality.records import live_households

THIRTY_DAY_MONTHS = ("04", "06", "09", "11")


def valid_id_number(dialect: str, number: ColumnElement[str], today: date) -> ColumnElement[bool]:
    """``monitoring.id_number.check_id_number`` in SQL, for a number as stored (normalized by the forms; a
    lower-case x is taken as X): 18 characters, 17 digits, a province, a real birth day between the earliest a
    resident ID may carry and today, and the check character of ISO 7064 MOD 11-2 (the weighted digits' sum).

    Written for a region's millions of members: the 17 digits are tested by SQLite's GLOB and by PostgreSQL's
    ``translate`` (ten nested ``replace`` calls, the one spelling both databases know, cost SQLite as much as all
    the rest). Everything past that test sits in a CASE, so PostgreSQL never casts a letter to a number."""
    if dialect == "sqlite":
        digits = number.op("GLOB")("[0-9]" * 17 + "?")
    else:
        digits = and_(func.length(number) == 18, func.translate(func.substr(number, 1, 17), "0123456789", "") == "")
    total = sum((cast(func.substr(number, position, 1), Integer) * weight
                 for position, weight in enumerate(WEIGHTS, start=1)), start=literal(0, Integer))
    year = cast(func.substr(number, 7, 4), Integer)
    month, day = func.substr(number, 11, 2), func.substr(number, 13, 2)
    leap = or_(and_(year % 4 == 0, year % 100 != 0), year % 400 == 0)
    last_day = case((month == "02", case((leap, "29"), else_="28")), (month.in_(THIRTY_DAY_MONTHS), "30"),
                    else_="31")
    return case((digits,
                 and_(func.substr(number, 1, 2).in_(sorted(PROVINCE_CODES)),
                      birth_digits(number).between(digits_of(EARLIEST_BIRTH), digits_of(today)),
                      month.between("01", "12"), day.between("01", last_day),
                      func.upper(func.substr(number, 18, 1)) == func.substr(CHECK_CHARS, total % 11 + 1, 1))),
                else_=False)


@check("Q501", Severity.ERROR, "身份证号无效",
       "{name} 的身份证号{problem}",
       ("id_number",),
       "GB 11643-1999《公民身份号码》（校验码 ISO 7064 MOD 11-2）；domain.md §10")
def invalid_id_number(session: Session, scope: CheckScope) -> Iterator[Trip]:
    """SQL finds the numbers that are not valid (``valid_id_number``); ``check_id_number`` then says why, in the
    words the forms use. A number SQL finds and the function accepts (full-width digits, which it normalizes) is no
    finding. The members the forms let through are valid: what this finds came in around them (imports, older
    data)."""
    rows = session.execute(
        select(Member.household_id, Member.id, Member.name, Member.id_number)
        .join(Household, Household.id == Member.household_id)
        .where(live_households(scope), present(),
               ~valid_id_number(session.get_bind().dialect.name, Member.id_number, scope.today)))
    for household_id, member_id, name, number in rows:
        problem = check_id_number(number, scope.today)
        if problem is not None:
            yield Trip(household_id, {"name": name, "problem": problem}, f"member:{member_id}")


@check("Q502", Severity.ERROR, "身份证号与另一在册成员重复",
       "{name} 的身份证号与另一名在册成员相同（写法不同）：同一人不得重复在册",
       ("id_number", "members"),
       "方案二（以户为单位，一人一户）；各省问题数据清洗规则（身份证号重复）")
def duplicate_id_number(session: Session, scope: CheckScope) -> Iterator[Trip]:
    """The database refuses one number held by two present members (``uq_members_present_id_number``), so a
    duplicate can only hide behind another spelling: a number stored with a lower-case x (as rows written around the
    forms may be; the column holds 18 characters, so no blanks around a full number) while its upper-case form is on
    the rolls. The member stored so is the finding; the other may lie in another county, so the message names
    neither its name nor its place."""
    other = aliased(Member)
    normalized = func.upper(Member.id_number)
    rows = session.execute(
        select(Member.household_id, Member.id, Member.name)
        .join(Household, Household.id == Member.household_id)
        .where(live_households(scope), present(), Member.id_number != normalized,
               exists().where(other.id_number == normalized, present(other), other.id != Member.id)))
    for household_id, member_id, name in rows:
        yield Trip(household_id, {"name": name}, f"member:{member_id}")

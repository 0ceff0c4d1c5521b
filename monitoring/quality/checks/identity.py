"""Checks on members' ID numbers (身份证号, GB 11643-1999; domain.md §10): a number that is not a valid resident ID,
and one person on the rolls twice. Messages name the member, never the number."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, aliased

from monitoring.id_number import check_id_number
from monitoring.models import Household, Member
from monitoring.quality.catalogue import CheckScope, Severity, Trip, check
from monitoring.quality.checks.common import present
from monitoring.quality.records import live_households

ROWS_PER_FETCH = 10_000  # a region's members stream through in chunks, never all in memory


@check("Q501", Severity.ERROR, "身份证号无效",
       "{name} 的身份证号{problem}",
       ("id_number",),
       "GB 11643-1999《公民身份号码》（校验码 ISO 7064 MOD 11-2）；domain.md §10")
def invalid_id_number(session: Session, scope: CheckScope) -> Iterator[Trip]:
    """Not SQL: the check digit is a weighted sum modulo 11 over the 17 digits, and a birth date must be a real day
    — both written once, in ``monitoring.id_number``, which every form already checks with. So this check reads the
    four columns it needs of every present member in the scope (streamed) and asks that function; the members
    that forms let through are valid, so what it finds came in around them (imports, older data)."""
    rows = session.execute(
        select(Member.household_id, Member.id, Member.name, Member.id_number)
        .join(Household, Household.id == Member.household_id)
        .where(live_households(scope), present())
        .execution_options(yield_per=ROWS_PER_FETCH))
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

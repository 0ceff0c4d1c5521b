"""Households and members: creation with validation per field, measurements, scoped reads."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, func, literal_column, select, true
from sqlalchemy.orm import Session, selectinload

from engine.assignment import Actor
from engine.calendar import CHINA_TZ
from engine.errors import Conflict, Forbidden, InvalidData, NotFound
from engine.limits import string_length, to_decimal
from engine.paging import Key, Page, Window, decode_cursor, page
from engine.queries import in_scope
from engine.scope import below, within
from engine.text import read_text, trimmed
from engine.value_lists import one_of
from monitoring import department_access
from monitoring.change_models import HouseholdChange
from monitoring.codelists import labels
from monitoring.codes import CODE_LISTS, check_selection
from monitoring.id_number import check_id_number, normalize_id_number, sex_from_id
from monitoring.models import Household, HouseholdFeedback, Measurement, MeasurementHistory, Member, Place, PlaceLevel
from monitoring.permissions import HOUSEHOLD_REGISTRARS
from monitoring.rules import GUARANTEE_FLAGS, INCOME_FIELDS, RIGID_EXPENSE_FIELDS, per_capita_income
from monitoring.thresholds import YEARS

HEAD = "head"
MEMBER_CODE_FIELDS = ("relation", "sex", "ethnicity", "education", "schooling", "labour_skill", "insurance")
MEMBER_FREE_TEXTS = ("disability", "work", "phone")
MEMBER_TEXT_FIELDS = (*MEMBER_CODE_FIELDS, *MEMBER_FREE_TEXTS)
HOUSEHOLD_TEXTS = {"group": Household.group_name, "address": Household.address, "phone": Household.phone,
                   "bank_account": Household.bank_account}  # field -> column
MAX_FOCUS_GROUPS, MAX_FOCUS_GROUP_LENGTH = 10, 50  # free labels kept in a JSON column
MAX_MEMBERS = 30  # as the authorization form (annex 7) allows
MONEY_FIELDS = (*INCOME_FIELDS, "business_expenses", "claims_income", *RIGID_EXPENSE_FIELDS)
SEX_CODES = {label: code for code, label in CODE_LISTS["sex"]}


def visible_household(session: Session, household_id: int, actor: Actor) -> Household:
    """A household at the actor's place or below, or one a hit on a department's own data links it to; else 404."""
    if actor.place_scope:
        return in_scope(session, Household, household_id, actor)
    household = session.get(Household, household_id)
    if household is None or not department_access.is_linked(session, actor, household_id):
        raise NotFound(f"Household {household_id}")
    return household


def check_not_merged(household: Household) -> None:
    """A household merged into another (合户, monitoring.natural_changes) is kept as it was, read-only: no case
    starts for it and no change is recorded on it."""
    if household.merged_into_id is not None:
        raise Conflict("该户已并入其他农户，只能查看")


def create_household(session: Session, actor: Actor, data: dict[str, Any], at: datetime) -> Household:
    """A new household in a village within the actor's scope; every field checked, members' ID numbers digit
    by digit; a refusal names each field and stores nothing."""
    if actor.role not in HOUSEHOLD_REGISTRARS:
        raise Forbidden("无权登记农户")
    village_code = data.get("village", "")
    if not isinstance(village_code, str):
        raise InvalidData("农户须登记在嘎查村", {"village": "应为嘎查村代码"})
    village = session.get(Place, village_code)
    if village is None or not actor.sees(village.path):
        raise NotFound(f"place {village_code}")
    if village.level != PlaceLevel.VILLAGE:
        raise InvalidData("农户须登记在嘎查村", {"village": "应为嘎查村代码"})
    fields: dict[str, str] = {}
    household_type = data.get("household_type", "ordinary")
    if not isinstance(household_type, str) or household_type not in labels(session, "household_type"):
        fields["household_type"] = "户类型无效"
    texts = {name: read_text(data.get(name), name, fields, string_length(column), required=False)
             for name, column in HOUSEHOLD_TEXTS.items()}
    focus_groups = _focus_groups(data.get("focus_groups", []), fields)
    members = _members(session, data.get("members"), fields)
    if fields:
        raise InvalidData("农户信息有误", fields)
    household = Household(
        village_code=village.code, place_path=village.path, household_type=household_type,
        group_name=texts["group"], address=texts["address"], phone=texts["phone"],
        bank_account=texts["bank_account"], focus_groups=focus_groups, created_at=at, members=members,
    )
    session.add(household)
    session.flush()
    return household


def _focus_groups(raw: Any, fields: dict[str, str]) -> list[str]:
    """Free labels (重点人群), each a short clean text, none twice."""
    if not isinstance(raw, list) or len(raw) > MAX_FOCUS_GROUPS:
        fields["focus_groups"] = f"应为不超过{MAX_FOCUS_GROUPS}项的文本列表"
        return []
    groups = [read_text(item, f"focus_groups.{index}", fields, MAX_FOCUS_GROUP_LENGTH)
              for index, item in enumerate(raw)]
    if len(set(groups)) != len(groups):
        fields.setdefault("focus_groups", "不能重复")
    return groups


def _code_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(code, str) for code in value)


def _members(session: Session, raw: Any, fields: dict[str, str], household_id: int | None = None) -> list[Member]:
    if not isinstance(raw, list) or not raw:
        fields["members"] = "至少登记一名家庭成员"
        return []
    if len(raw) > MAX_MEMBERS:
        fields["members"] = f"至多登记{MAX_MEMBERS}名家庭成员"
        return []
    members, seen = [], {}
    codes = {key: labels(session, key) for key in (*MEMBER_CODE_FIELDS, "health")}
    for index, item in enumerate(raw):
        member = read_member(session, item, f"members.{index}", index, fields, codes, seen, household_id)
        if member is not None:
            members.append(member)
    heads = [m for m in members if m.relation == HEAD]
    if members and len(heads) != 1:
        fields.setdefault("members", "须有且只有一名户主 (relation = head)")
    return members


def read_member(session: Session, item: Any, where: str, index: int, fields: dict[str, str],
                codes: dict[str, dict[str, str]] | None = None, seen: dict[str, int] | None = None,
                household_id: int | None = None, unnamed: str | None = None) -> Member | None:
    """One member as registered (``where`` prefixes each field's reason): name, ID number with its check digit and
    present in no other household, codes of the lists in force. A natural change (birth, marriage, moving in) adds
    one by this same rule. A reason names the member by name, else as ``unnamed`` (新成员) or by position."""
    if not isinstance(item, dict):
        fields[where] = "应为对象"
        return None
    codes = codes if codes is not None else {key: labels(session, key) for key in (*MEMBER_CODE_FIELDS, "health")}
    seen = seen if seen is not None else {}
    name = read_text(item.get("name"), f"{where}.name", fields, string_length(Member.name), label="姓名")
    who = f"成员“{name}”" if name else unnamed or f"第{index + 1}名成员"
    raw_id = item.get("id_number", "")
    id_number = normalize_id_number(raw_id) if isinstance(raw_id, str) else ""
    problem = check_id_number(id_number) if isinstance(raw_id, str) else "应为文本"
    if problem:
        fields[f"{where}.id_number"] = f"{who}的身份证号{problem}"
    elif id_number in seen:
        fields[f"{where}.id_number"] = f"{who}的身份证号与第{seen[id_number] + 1}名成员重复"
    else:
        seen[id_number] = index
        elsewhere = select(Member.id).where(Member.id_number == id_number, Member.left_on.is_(None))
        if household_id:
            elsewhere = elsewhere.where(Member.household_id != household_id)
        if session.execute(elsewhere).first():
            fields[f"{where}.id_number"] = f"{who}已登记在其他农户中"
    health = item.get("health", [])
    health_problem = check_selection("health", health, codes["health"]) if _code_list(health) else "应为代码列表"
    if health_problem:
        fields[f"{where}.health"] = f"{who}的健康状况: {health_problem}"
    values = {key: _member_code(item, key, codes[key], f"{where}.{key}", fields) for key in MEMBER_CODE_FIELDS}
    values.update({key: read_text(item.get(key), f"{where}.{key}", fields, string_length(getattr(Member, key)),
                                  required=False) for key in MEMBER_FREE_TEXTS})
    member = Member(position=index, name=name, id_number=id_number,
                    health=list(health) if _code_list(health) else [], **values)
    if not problem and not member.sex:
        member.sex = SEX_CODES[sex_from_id(id_number)]
    return member


def _member_code(item: dict[str, Any], key: str, known: dict[str, str], where: str, fields: dict[str, str]) -> str:
    """A code of the list in force; only the relation is required."""
    value = item.get(key) or ""
    if value == "" and key != "relation":
        return ""
    if not isinstance(value, str) or value not in known:
        fields[where] = "必填" if value == "" else "应为代码表中的代码"
        return ""
    return value


def record_measurement(session: Session, household: Household, values: dict[str, Any], username: str,
                       at: datetime, measured_on: date | None = None) -> Measurement:
    """Store a year's income and expenses into the household record (one row per year, updated in place), and
    keep the measurement's day (``at``'s day in China unless given) and per-capita income in its history, which
    a re-measurement of the same year does not overwrite."""
    fields: dict[str, str] = {}
    year = values.get("year") or at.year
    if isinstance(year, bool) or not isinstance(year, int) or year not in YEARS:
        year, fields["year"] = at.year, "年份无效"
    amounts = {}
    for name in MONEY_FIELDS:
        try:
            amounts[name] = to_decimal(values.get(name) or 0, getattr(Measurement, name))
        except ValueError as exc:
            fields[name] = str(exc)
    if fields:
        raise InvalidData("收支信息有误", fields)
    row = next((m for m in household.measurements if m.year == year), None)
    if row is None:
        row = Measurement(household_id=household.id, year=year)
        household.measurements.append(row)
    for name, amount in amounts.items():
        setattr(row, name, amount)
    for flag in GUARANTEE_FLAGS:
        setattr(row, flag, bool(values.get(flag, False)))
    row.recorded_at, row.recorded_by = at, username
    session.add(MeasurementHistory(household_id=household.id, year=year,
                                   measured_on=measured_on or at.astimezone(CHINA_TZ).date(),
                                   per_capita_income=per_capita_income(row, household.size), recorded_at=at,
                                   recorded_by=username))
    session.flush()
    return row


def replace_members(session: Session, household: Household, raw: list[dict[str, Any]]) -> None:
    """Annex 7 data go into the household record itself: the members as collected replace the old list, each one
    already present updated in place (matched by ID number, so it keeps its identity and what refers to it); a
    member a natural change names is not dropped by a form (leaving is a change of its own)."""
    fields: dict[str, str] = {}
    members = _members(session, raw, fields, household.id)
    if fields:
        raise InvalidData("家庭成员信息有误", fields)
    present = {m.id_number: m for m in household.members}
    for member in members:
        kept = present.pop(member.id_number, None)
        if kept is None:
            household.members.append(member)
            continue
        for key in (*MEMBER_TEXT_FIELDS, "position", "name", "health"):
            setattr(kept, key, getattr(member, key))
    named = session.execute(select(Member.name).where(Member.id.in_([m.id for m in present.values()]),
                                                      Member.id.in_(select(HouseholdChange.member_id)))).scalar()
    if named is not None:
        raise InvalidData("家庭成员信息有误", {
            "members": f"成员“{named}”有人口自然变更记录，不能从信息采集表中删除；离开本户请登记人口自然变更"})
    for gone in present.values():
        household.members.remove(gone)
    session.flush()


HOUSEHOLD_ORDER = (Key(Household.id),)  # registration order: a new household joins the end of the list


@dataclass(frozen=True)
class Search:
    """A household search as the list page and the API ask it; empty fields do not filter."""

    village: str | None = None
    status: str | None = None
    monitoring_type: str | None = None
    q: str | None = None
    where: tuple[Any, ...] = ()  # a report's conditions (monitoring.statistics), e.g. identified in a quarter


def search_query(session: Session, actor: Actor, search: Search) -> Select[tuple[Household]]:
    """Households the actor sees; ``q`` finds them by a member (``member_matches``) of the actor's area, whose
    households are then the area's: their path is not tested again (PostgreSQL, misjudging the path's range, read
    a county's 10,000 households to find a surname's 300 by id, once for the count and once for the page)."""
    return _search(session, actor, search)[0].options(selectinload(Household.members))


def _search(session: Session, actor: Actor, search: Search) -> tuple[Select[tuple[Household]], list[int] | None]:
    """``search_query`` without its loading, and the ids of all the households it selects when they are known
    already (sorted): the households a search by ``q`` alone found by their members in the actor's area.

    ``q``'s households are found from the members' side: the member carries its household's place
    (``members.place_path``), so the name's index cuts a county's or a village's namesakes from the region's without
    visiting a household, and an ID tail's few members are checked in their rows. The households are then read by
    id — the planners cannot be left to join: PostgreSQL misestimates a prefix range on a path or a name by orders of
    magnitude, and drove a county's search from its 10,000 households, or a village's surname through the name's
    whole range once per household."""
    query = select(Household)
    if not actor.place_scope:
        query = query.where(Household.id.in_(department_access.linked_household_ids(session, actor)))
    elif not search.q:
        query = query.where(within(Household.place_path, actor))
    if search.village:
        query = query.where(Household.village_code == search.village)
    if search.status:
        query = query.where(Household.monitoring_status == search.status)
    if search.monitoring_type:
        query = query.where(Household.monitoring_type == search.monitoring_type)
    query = query.where(*search.where)
    if not search.q:
        return query, None
    found = select(Member.household_id).where(member_matches(search.q), within(Member.place_path, actor)
                                              if actor.place_scope else true())
    listed = sorted(set(session.execute(found.limit(LISTED_CAP)).scalars()))
    if len(listed) == LISTED_CAP:
        return query.where(Household.id.in_(found)), None
    alone = actor.place_scope and not (search.village or search.status or search.monitoring_type or search.where)
    return query.where(one_of(session, Household.id, listed)), listed if alone else None


LISTED_CAP = 10_000  # members found passed to the page's query as their households' ids, at most
# What a list of households shows of their members (the head's name and ID number, the size: ``household_summary``,
# the list page): a county surname's page of fifty households has some 150 members, each made an object
LISTED_MEMBERS = selectinload(Household.members).load_only(Member.household_id, Member.position, Member.name,
                                                           Member.id_number, Member.relation)


ID_TAIL = re.compile(r"[0-9]*[0-9X]")  # the last digits of an ID number, its check character included


def member_matches(q: str) -> ColumnElement[bool]:
    """A member ``q`` finds: digits are the last digits of an ID number (the check character X too), anything else
    the start of a name — a full name, a surname, a surname and the first of a given name, as a cadre types them;
    the name's first character is named as well, so an area's names are one range of ``ix_members_initial``
    (first character, place, name) and not the region's range of the name, filtered by place. A surname alone is
    that character alone: with the name's range beside it, PostgreSQL took the range for a handful of rows and read
    the region's namesakes in ``ix_members_name`` to keep a county's (594 pages for 292 members, 4.0 ms; 0.4 ms).
    Both are prefixes, so both are index ranges (``ix_members_id_tail`` on the reversed number, ``ix_members_name``)
    instead of a scan of every member of the region."""
    tail = normalize_id_number(q)
    if ID_TAIL.fullmatch(tail):
        return below(Member.id_number_reversed, tail[::-1])
    name = trimmed(q)
    if not name:
        return false()
    initial = func.substr(Member.name, literal_column("1"), literal_column("1")) == name[0]
    if len(name) == 1:
        return initial
    if ord(name[-1]) == sys.maxunicode:  # no range above the last code point: no name ends with it
        return false()
    return and_(initial, below(Member.name, name))


def search_page(session: Session, actor: Actor, search: Search, window: Window) -> Page[Household]:
    """A page of the search, its households with the members a list shows. When ``_search`` knows every household's
    id, they are counted and paged here and only the page's are read (a county surname's count read its 300
    households a second time, and its page all 300 to keep 51); the query is then theirs alone, as ``_search``'s."""
    query, listed = _search(session, actor, search)
    if listed is None:
        return page(session, query.options(LISTED_MEMBERS), HOUSEHOLD_ORDER, window)
    after = decode_cursor(window.after, HOUSEHOLD_ORDER)[0] if window.after else None
    shown = [i for i in listed if after is None or i > after][:window.limit + 1]
    found = page(session, select(Household).where(one_of(session, Household.id, shown)).options(LISTED_MEMBERS),
                 HOUSEHOLD_ORDER, window, with_total=False)
    return Page(found.rows, len(listed), found.next_cursor)


def feedback_of(session: Session, household_id: int) -> list[HouseholdFeedback]:
    """What the household was told when its cases ended without inclusion, oldest first."""
    return list(session.execute(select(HouseholdFeedback).where(HouseholdFeedback.household_id == household_id)
                                .order_by(HouseholdFeedback.id)).scalars())

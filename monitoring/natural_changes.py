"""Natural changes of a household's population (人口自然变更, §四(三)): births, deaths, marriages in and out, moving
in and out, a split and a merge — one rule behind the API and the pages.

A change is recorded as soon as it happens, by the household's village, and changes the household at once: a
member who arrives is registered by the same rule as at registration (``households.read_member``); a member who
leaves is kept, flagged with the day and the change (``Member.left_on``), never deleted; a split moves the chosen
members (the same rows: their identity, hits and history go with them) into a new household of the village; a
merge moves every member present into another household and keeps the merged one, read-only. Household size is
the members present, so the per-capita income of every measurement is computed from it when read. Marking (标注)
for the national record is apart (``monitoring.change_marking``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from engine.assignment import Actor
from engine.calendar import CHINA_TZ
from engine.errors import Conflict, Forbidden, InvalidData
from engine.limits import fits_integer, string_length
from engine.models import InstanceStatus, ProcessInstance, ProcessVersion
from engine.text import read_text
from monitoring import cases, marking_windows
from monitoring.change_models import KIND_NAMES, ChangeKind, HouseholdChange
from monitoring.codelists import labels
from monitoring.households import HEAD, MAX_MEMBERS, check_not_merged, read_member, visible_household
from monitoring.id_number import birth_date, mask_id_number
from monitoring.models import Attachment, Household, Member, MonitoringStatus
from monitoring.permissions import NATURAL_CHANGE_RECORDERS

ARRIVALS = frozenset({ChangeKind.BIRTH, ChangeKind.MARRY_IN, ChangeKind.MOVE_IN})
DEPARTURES = frozenset({ChangeKind.DEATH, ChangeKind.MARRY_OUT, ChangeKind.MOVE_OUT})
COMMON_FIELDS = frozenset({"kind", "on", "note", "evidence_id"})
KIND_FIELDS = {**{kind: frozenset({"member"}) for kind in ARRIVALS},
               **{kind: frozenset({"member_id", "new_head_id"}) for kind in DEPARTURES},
               ChangeKind.SPLIT: frozenset({"member_ids", "head_id", "new_head_id"}),
               ChangeKind.MERGE: frozenset({"into_household_id", "head_relation"})}
NOTE_MAX = string_length(HouseholdChange.note)
STALE = "该户成员刚被他人变更，请刷新后重试"
MERGED_HEAD_RELATION = "other"  # the merged household's head, unless told how they relate to the new head


@dataclass(frozen=True)
class Plan:
    """A change checked whole: ``apply`` writes it (the change row is flushed, so it has its id)."""

    member_id: int | None
    apply: Callable[[HouseholdChange], None]


def check_recorder(actor: Actor) -> None:
    """Only the village records (``permissions.NATURAL_CHANGE_RECORDERS``); asked before anything is looked up."""
    if actor.role not in NATURAL_CHANGE_RECORDERS or not actor.place_scope:
        raise Forbidden("只有嘎查村可以登记人口自然变更")


def may_record(actor: Actor, household: Household) -> bool:
    """Whether the household page offers 登记人口自然变更."""
    return actor.role in NATURAL_CHANGE_RECORDERS and actor.place_scope and household.merged_into_id is None


def record_change(session: Session, actor: Actor, household_id: int, data: dict[str, Any],
                  now: datetime) -> HouseholdChange:
    """Record one change and apply it to the household; refused with every field's reason, nothing changed."""
    check_recorder(actor)
    household = visible_household(session, household_id, actor)
    check_not_merged(household)
    kind = data.get("kind")
    if not isinstance(kind, str) or kind not in KIND_FIELDS:
        raise InvalidData("变更类型有误", {"kind": "应为出生、死亡、婚入、婚出、迁入、迁出、分户或合户之一"})
    kind = ChangeKind(kind)
    fields = {name: "不能填写此项" for name in sorted(set(data) - COMMON_FIELDS - KIND_FIELDS[kind])}
    today = now.astimezone(CHINA_TZ).date()
    on = marking_windows.iso_date(data.get("on"), "on", "变更日期", fields)
    if on is not None and on > today:
        fields["on"] = f"变更日期不能晚于今天（{chinese_date(today)}）"
        on = None
    note = read_text(data.get("note"), "note", fields, NOTE_MAX, label="说明", required=False, multiline=True)
    evidence_id = _evidence(session, actor, data.get("evidence_id"), fields)
    plan = PLANNERS[kind](session, actor, household, data, on, fields, now)
    if fields:
        raise InvalidData(f"{KIND_NAMES[kind]}登记有误", fields)
    change = HouseholdChange(household_id=household.id, place_path=household.place_path, kind=kind, occurred_on=on,
                             member_id=plan.member_id, note=note, evidence_id=evidence_id, recorded_at=now,
                             recorded_by=actor.username, moved_member_ids=[])
    session.add(change)
    session.flush()
    plan.apply(change)
    session.flush()
    session.expire(household, ["members", "former_members"])
    return change


def _evidence(session: Session, actor: Actor, value: Any, fields: dict[str, str]) -> int | None:
    """The scanned proof: an attachment uploaded at a place the actor sees; optional, as a cadre on a visit may have
    none at hand (the note then says where the proof is kept)."""
    if value in (None, ""):
        return None
    attachment = session.get(Attachment, value) if is_id(value) else None
    if attachment is None or not actor.sees(attachment.place_path):
        fields["evidence_id"] = "证明材料无效，请重新上传"
        return None
    return attachment.id


def chinese_date(day: date) -> str:
    """2026年3月2日: how a message to a cadre names a day."""
    return f"{day.year}年{day.month}月{day.day}日"


def is_id(value: Any) -> bool:
    """A row id as JSON gives it: a positive integer a column holds (never a bool)."""
    return isinstance(value, int) and not isinstance(value, bool) and fits_integer(value) and value > 0


def _present_member(session: Session, household: Household, value: Any, field: str,
                    fields: dict[str, str]) -> Member | None:
    """A member present in this household; a member of another household reads like one that does not exist."""
    if value in (None, ""):
        fields[field] = "必填"
        return None
    member = session.get(Member, value) if is_id(value) else None
    if member is None or member.household_id != household.id:
        fields[field] = "本户没有该成员"
        return None
    if member.left_on is not None:
        fields[field] = f"{member.name}已于{chinese_date(member.left_on)}离开本户"
        return None
    return member


Since = dict[int | None, tuple[date, str]]  # member id (None: the household itself) -> first day here, and why


def presence(session: Session, household: Household) -> Since:
    """Since when the record knows each member is in this household — the day of the change that brought them (a
    birth, marriage or move in; a split or merge that moved them here) — and, under None, since when the household
    exists when a split made it. A registered household has no such day: it existed before it was registered."""
    rows = session.execute(select(HouseholdChange).where(
        ((HouseholdChange.household_id == household.id) & HouseholdChange.kind.in_(ARRIVALS))
        | ((HouseholdChange.related_household_id == household.id)
           & HouseholdChange.kind.in_((ChangeKind.SPLIT, ChangeKind.MERGE))))
        .order_by(HouseholdChange.occurred_on, HouseholdChange.id)).scalars()
    since: Since = {}
    for change in rows:  # oldest first: a later arrival of the same member wins
        if change.kind in ARRIVALS:
            since[change.member_id] = (change.occurred_on, f"{KIND_NAMES[ChangeKind(change.kind)]}本户的日期")
        elif change.kind == ChangeKind.MERGE:
            since.update(dict.fromkeys(change.moved_member_ids, (change.occurred_on, "随合户并入本户的日期")))
        else:
            since[None] = (change.occurred_on, "本户分户设立的日期")
    return since


def _not_before_arrival(member: Member, on: date | None, since: Since, fields: dict[str, str]) -> None:
    """A member leaves (dies, marries out, moves out, is split off or merged away) only after being born, arriving
    in this household and the household existing; the refusal names the earliest day and why."""
    if on is None:
        return
    bounds = [(birth_date(member.id_number), f"{member.name}的出生日期")]
    if member.id is not None and member.id in since:
        day, why = since[member.id]
        bounds.append((day, f"{member.name}{why}"))
    if None in since:
        bounds.append(since[None])
    earliest, why = max(bounds, key=lambda bound: bound[0])
    if on < earliest:
        fields["on"] = f"变更日期不能早于{chinese_date(earliest)}（{why}）"


def _running_cases(session: Session, household_id: int) -> list[str]:
    """The names of the household's running processes (识别认定, 风险消除 …), each once, as a cadre knows them."""
    names = session.execute(
        select(ProcessVersion.name).join(ProcessInstance, ProcessInstance.version_id == ProcessVersion.id).where(
            ProcessInstance.business_key == cases.business_key(household_id),
            ProcessInstance.status == InstanceStatus.RUNNING).order_by(ProcessInstance.id)).scalars()
    return list(dict.fromkeys(f"“{name}”" for name in names))


def _no_running_case(session: Session, household: Household, field: str, fields: dict[str, str]) -> None:
    """A split or merge changes who the household is; a case deciding on it (identification, elimination,
    assistance) was started for the household as it was, so the change waits until that case ends."""
    running = _running_cases(session, household.id)
    if running:
        fields[field] = f"该户有进行中的{'、'.join(running)}案件，案件办结后再分户或合户"


def _next_position(household: Household) -> int:
    return max((m.position for m in household.members), default=-1) + 1


def _claim(session: Session, household: Household, members: list[Member]) -> None:
    """The members are still present in the household as this request read them: a conditional UPDATE, so of two
    cadres recording one member's departure (or moving the same members) at once, the second gets a 409."""
    ids = [m.id for m in members]
    claimed = session.execute(update(Member).where(Member.id.in_(ids), Member.household_id == household.id,
                                                   Member.left_on.is_(None))
                              .values(household_id=household.id).execution_options(synchronize_session=False))
    if claimed.rowcount != len(ids):
        raise Conflict(STALE)


def _claim_household(session: Session, household: Household) -> None:
    """The household is not merged away since this request read it (a conditional UPDATE, as for members)."""
    claimed = session.execute(update(Household).where(Household.id == household.id, Household.merged_into_id.is_(None))
                              .values(merged_into_id=None).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        raise Conflict(STALE)


# --- the kinds ----------------------------------------------------------------------------------------------------

def _arrival(session: Session, actor: Actor, household: Household, data: dict[str, Any], on: date | None,
             fields: dict[str, str], now: datetime) -> Plan:
    """出生, 婚入, 迁入: a new member, checked as at registration; never a second head."""
    kind = data["kind"]
    if len(household.members) >= MAX_MEMBERS:
        fields["member"] = f"每户至多{MAX_MEMBERS}名家庭成员"
    member = read_member(session, data.get("member"), "member", len(household.members), fields,
                         household_id=household.id, unnamed="新成员")
    if member is None:
        return Plan(None, lambda change: None)
    if member.relation == HEAD:
        fields["member.relation"] = "本户已有户主；更换户主请在户主离开时指定新户主"
    if "member.id_number" not in fields and member.id_number:
        _not_registered_here(session, household, member)
        born = birth_date(member.id_number)
        if kind == ChangeKind.BIRTH and on is not None and on != born:
            fields["on"] = f"出生登记的日期应为身份证号中的出生日期（{chinese_date(born)}）"
        elif kind != ChangeKind.BIRTH:  # a birth's day is the ID number's, even before a split made the household
            _not_before_arrival(member, on, presence(session, household), fields)

    def apply(change: HouseholdChange) -> None:
        _claim_household(session, household)
        member.position = _next_position(household)
        try:
            with session.begin_nested():  # a savepoint, so that a refused insert still lets us look why
                household.members.append(member)
                session.flush()
        except IntegrityError:  # the same person registered meanwhile: by this same request sent twice, or elsewhere
            with session.no_autoflush:
                _not_registered_here(session, household, member)
            raise Conflict(f"{member.name}刚被登记在其他农户中，请刷新后核对") from None
        change.member_id = member.id

    return Plan(None, apply)


def _not_registered_here(session: Session, household: Household, member: Member) -> None:
    """The person is present in this household already: the same request sent twice (a double tap, two cadres
    recording one birth at once) — a 409 that says so, not "registered elsewhere"."""
    if session.execute(select(Member.id).where(Member.household_id == household.id, Member.left_on.is_(None),
                                               Member.id_number == member.id_number)).first():
        raise Conflict(f"{member.name}（身份证号{mask_id_number(member.id_number)}）已登记在本户，是重复提交；"
                       "请刷新查看，不要再次登记")


def _departure(session: Session, actor: Actor, household: Household, data: dict[str, Any], on: date | None,
               fields: dict[str, str], now: datetime) -> Plan:
    """死亡, 婚出, 迁出: the member stays on the record, flagged as left; a head who leaves names the new head."""
    member = _present_member(session, household, data.get("member_id"), "member_id", fields)
    if member is None:
        return Plan(None, lambda change: None)
    _not_before_arrival(member, on, presence(session, household), fields)
    new_head = _new_head(session, household, data, [member], member.relation == HEAD, fields)

    def apply(change: HouseholdChange) -> None:
        _claim(session, household, [member, *([new_head] if new_head else [])])
        member.left_on, member.left_change_id = on, change.id
        if new_head is not None:
            new_head.relation = HEAD

    return Plan(member.id, apply)


def _new_head(session: Session, household: Household, data: dict[str, Any], leaving: list[Member],
              head_leaves: bool, fields: dict[str, str]) -> Member | None:
    """The member who becomes head when the head leaves (``new_head_id``): one who stays; the household's last
    members may leave all at once only by a death or move of its last person (nobody is left to name)."""
    value = data.get("new_head_id")
    if not head_leaves:
        if value not in (None, ""):
            fields["new_head_id"] = "户主没有离开本户，不能指定新户主"
        return None
    staying = [m for m in household.members if m not in leaving]
    if not staying:
        return None
    if value in (None, ""):
        fields["new_head_id"] = "户主离开本户，须指定新户主"
        return None
    new_head = _present_member(session, household, value, "new_head_id", fields)
    if new_head is not None and new_head in leaving:
        fields["new_head_id"] = "新户主须是留在本户的成员"
        return None
    return new_head


def _split(session: Session, actor: Actor, household: Household, data: dict[str, Any], on: date | None,
           fields: dict[str, str], now: datetime) -> Plan:
    """分户: the chosen members (not none, not all) form a new household of the same village with one of them as
    head. The new household is not a monitoring object: it enters monitoring only by its own identification."""
    moving = _chosen_members(session, household, data.get("member_ids"), fields)
    head = None
    if moving:
        if len(moving) == len(household.members):
            fields["member_ids"] = "不能分出全部成员：全户迁移请登记合户或迁出"
        head_value = data.get("head_id")
        head = session.get(Member, head_value) if is_id(head_value) else None
        if head is None or head not in moving:
            fields["head_id"] = "新户户主须是分出的成员之一"
        since = presence(session, household)
        for member in moving:
            _not_before_arrival(member, on, since, fields)
    old_head_leaves = any(m.relation == HEAD for m in moving)
    stay_head = _new_head(session, household, data, moving, old_head_leaves, fields) if moving else None
    _no_running_case(session, household, "household", fields)

    def apply(change: HouseholdChange) -> None:
        _claim(session, household, [*moving, *([stay_head] if stay_head else [])])
        new = Household(village_code=household.village_code, place_path=household.place_path,
                        group_name=household.group_name, address=household.address,
                        household_type=household.household_type, focus_groups=[],
                        monitoring_status=MonitoringStatus.NOT_MONITORED, risk_types=[], created_at=now,
                        split_from_id=household.id)
        session.add(new)
        session.flush()
        moving.sort(key=lambda m: m is not head)  # its head first, as a merge moves them
        for position, member in enumerate(moving):
            member.position = position
            member.relation = HEAD if member is head else (member.relation if member.relation != HEAD else
                                                            MERGED_HEAD_RELATION)
            new.members.append(member)
        if stay_head is not None:
            stay_head.relation = HEAD
        change.related_household_id = new.id
        change.moved_member_ids = [m.id for m in moving]

    return Plan(None, apply)


def _chosen_members(session: Session, household: Household, value: Any, fields: dict[str, str]) -> list[Member]:
    """The members ticked for a split: a list of present members of this household, each once."""
    if not isinstance(value, list) or not value:
        fields["member_ids"] = "请选择分出的成员"
        return []
    if len(value) > MAX_MEMBERS:
        fields["member_ids"] = f"至多{MAX_MEMBERS}名成员"
        return []
    chosen: list[Member] = []
    for index, item in enumerate(value):
        member = _present_member(session, household, item, f"member_ids.{index}", fields)
        if member is not None and member in chosen:
            fields[f"member_ids.{index}"] = f"{member.name}重复"
        elif member is not None:
            chosen.append(member)
    return chosen if len(chosen) == len(value) else []


def _merge(session: Session, actor: Actor, household: Household, data: dict[str, Any], on: date | None,
           fields: dict[str, str], now: datetime) -> Plan:
    """合户: every member present joins another household the actor records for (its head stays head); this
    household is kept, merged and read-only. A monitoring object is not merged away: its status would vanish with
    it, so the other household is merged into it instead."""
    value = data.get("into_household_id")
    target = session.get(Household, value) if is_id(value) else None
    if target is None or not actor.sees(target.place_path):
        fields["into_household_id"] = "没有该农户，或不在本嘎查村"
        target = None
    elif target.id == household.id:
        fields["into_household_id"] = "不能合并到本户"
        target = None
    elif target.merged_into_id is not None:
        fields["into_household_id"] = "该户已合并到其他农户，不能再并入"
        target = None
    elif len(target.members) + len(household.members) > MAX_MEMBERS:
        fields["into_household_id"] = f"合户后超过每户{MAX_MEMBERS}名成员"
    relation = data.get("head_relation") or MERGED_HEAD_RELATION
    if not isinstance(relation, str) or relation == HEAD or relation not in labels(session, "relation"):
        fields["head_relation"] = "应为与户主关系代码（不能是户主）"
    if household.monitoring_status == MonitoringStatus.MONITORED:
        fields["household"] = "该户是监测对象，不能并入他户：请将对方户并入本户"
    if not household.members:
        fields["household"] = "该户已没有在户成员"
    _no_running_case(session, household, "household", fields)
    if target is not None:
        _no_running_case(session, target, "into_household_id", fields)
        since = presence(session, household)
        for member in household.members:
            _not_before_arrival(member, on, since, fields)

    def apply(change: HouseholdChange) -> None:
        moving = sorted(household.members, key=lambda m: m.relation != HEAD)  # its head first: it names the household
        for claimed in sorted((household, target), key=lambda h: h.id):  # one order: two crossing merges never deadlock
            _claim_household(session, claimed)
        _claim(session, household, moving)
        start = _next_position(target)
        for offset, member in enumerate(moving):
            member.position = start + offset
            if member.relation == HEAD:
                member.relation = relation
            target.members.append(member)
        household.merged_into_id, household.merged_on = target.id, on
        change.related_household_id = target.id
        change.moved_member_ids = [m.id for m in moving]

    return Plan(None, apply)


PLANNERS = {**{kind: _arrival for kind in ARRIVALS}, **{kind: _departure for kind in DEPARTURES},
            ChangeKind.SPLIT: _split, ChangeKind.MERGE: _merge}


# --- reading --------------------------------------------------------------------------------------------------------

def changes_of(session: Session, household_id: int) -> list[HouseholdChange]:
    """The household's changes, newest first, and those that brought members in from a split or merge elsewhere."""
    return list(session.execute(select(HouseholdChange).where(
        (HouseholdChange.household_id == household_id) | (HouseholdChange.related_household_id == household_id))
        .order_by(HouseholdChange.occurred_on.desc(), HouseholdChange.id.desc())).scalars())


def household_names(session: Session, household_ids: Iterable[int]) -> dict[int, str]:
    """How a household is named to a cadre, by its head: 巴特尔户. A household merged away is named by the head it
    had (its merge moved the head first), one whose members all left by the last head who left; its number only
    when nobody names it."""
    ids = set(household_ids)
    if not ids:
        return {}
    households = session.execute(select(Household).where(Household.id.in_(ids)).options(
        selectinload(Household.members), selectinload(Household.former_members))).scalars().all()
    merged_heads = {c.household_id: c.moved_member_ids[0] for c in session.execute(select(HouseholdChange).where(
        HouseholdChange.household_id.in_(ids), HouseholdChange.kind == ChangeKind.MERGE)).scalars()
        if c.moved_member_ids}
    moved = {m.id: m.name for m in session.execute(select(Member).where(Member.id.in_(merged_heads.values())))
             .scalars()} if merged_heads else {}
    names = {}
    for household in households:
        former_heads = [m.name for m in household.former_members if m.relation == HEAD]
        head = (household.head.name if household.head else moved.get(merged_heads.get(household.id))
                or (former_heads[-1] if former_heads else None))
        names[household.id] = f"{head}户" if head else f"{household.id}号户"
    return names


def members_named(session: Session, changes: list[HouseholdChange]) -> dict[int, Member]:
    """Every member the changes name (who came or left, who moved), by id, in one query."""
    ids = {i for c in changes for i in (c.member_id, *c.moved_member_ids) if i is not None}
    if not ids:
        return {}
    return {m.id: m for m in session.execute(select(Member).where(Member.id.in_(ids))).scalars()}

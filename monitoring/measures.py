"""A household's assistance plan (帮扶计划): the county plans measures, each measure's lead department records
what it did. Pages and API call these functions; every refusal names its field and changes nothing.

Status moves forward: planned → in progress → done, or stopped at any point before done. A done or stopped
measure is closed: only the county (or an administrator) changes it again, giving a reason, which the history
keeps. Done needs the day it was done and what was done.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Select, false, select
from sqlalchemy.orm import Session, object_session

from engine.assignment import Actor
from engine.errors import Forbidden, InvalidData, NotFound
from engine.forms import FIRST_YEAR, LAST_YEAR, form_date
from engine.limits import string_length, to_decimal
from engine.paging import Key, Page, Window, page
from engine.scope import below, within
from engine.text import read_text
from monitoring import department_access, households
from monitoring.assistance_rules import PlanCheck, check_plan
from monitoring.codelists import labels
from monitoring.codes import MEASURE_LEAD_DEPARTMENTS, subtype_list
from monitoring.models import Household, Measure, MeasureChange, MeasureStatus, MonitoringStatus
from monitoring.permissions import MEASURE_PLANNERS

CLOSED = frozenset({MeasureStatus.DONE, MeasureStatus.STOPPED})
NEXT_STATUSES: dict[str, frozenset[str]] = {
    MeasureStatus.PLANNED: frozenset({MeasureStatus.IN_PROGRESS, MeasureStatus.DONE, MeasureStatus.STOPPED}),
    MeasureStatus.IN_PROGRESS: frozenset({MeasureStatus.DONE, MeasureStatus.STOPPED}),
}
STATUS_LABELS = {MeasureStatus.PLANNED: "计划中", MeasureStatus.IN_PROGRESS: "实施中", MeasureStatus.DONE: "已完成",
                 MeasureStatus.STOPPED: "已终止"}
PLAN_FIELDS = ("category", "subtype", "content", "department", "responsible", "start_on", "end_on", "amount")
PROGRESS_FIELDS = ("status", "done_on", "result", "amount", "reason")
MEASURE_ORDER = (Key(Measure.id),)


@dataclass(frozen=True)
class Saved:
    """A measure as saved, with the household's plan checked after the save."""

    measure: Measure
    check: PlanCheck


# --- who sees what -----------------------------------------------------------------------------------------------

def _department_measures(session: Session, actor: Actor) -> Select[tuple[Measure]]:
    """The measures a department leads in households of its county (nothing for an account without one)."""
    department = department_access.department_of(session, actor)
    return (select(Measure).join(Household, Household.id == Measure.household_id)
            .where(Measure.department == department if department else false(),
                   below(Household.place_path, actor.place_path)))


def measures_in_view(session: Session, actor: Actor) -> Select[tuple[Measure]]:
    """Every measure of the households the actor sees by place; a department's own measures otherwise."""
    if not actor.place_scope:
        return _department_measures(session, actor)
    return select(Measure).join(Household, Household.id == Measure.household_id).where(
        within(Household.place_path, actor))


def measures_of(session: Session, actor: Actor, household_id: int) -> list[Measure]:
    """A household's measures as the actor may read them: all of them in scope, a department's own otherwise."""
    households.visible_household(session, household_id, actor)
    if actor.place_scope:
        query = select(Measure).where(Measure.household_id == household_id)
    else:
        query = _department_measures(session, actor).where(Measure.household_id == household_id)
    return list(session.execute(query.order_by(Measure.id)).scalars())


def household_with_plan(session: Session, actor: Actor, household_id: int) -> Household:
    """A household whose whole plan the actor reads: one it sees by place (a department sees its measures only)."""
    if not actor.place_scope:
        raise NotFound(f"Household {household_id}")
    return households.visible_household(session, household_id, actor)


def visible_measure(session: Session, measure_id: int, actor: Actor) -> Measure:
    """A measure of a household the actor sees by place, or one its department leads; else 404."""
    if actor.place_scope:
        measure = session.get(Measure, measure_id)
        if measure is None:
            raise NotFound(f"measure {measure_id}")
        households.visible_household(session, measure.household_id, actor)
        return measure
    measure = session.execute(_department_measures(session, actor).where(Measure.id == measure_id)).scalar()
    if measure is None:
        raise NotFound(f"measure {measure_id}")
    return measure


def page_of(session: Session, query: Select[tuple[Measure]], window: Window) -> Page[Measure]:
    return page(session, query, MEASURE_ORDER, window)


def measures_page(session: Session, actor: Actor, status: str | None, window: Window) -> Page[Measure]:
    """The list of measures (帮扶措施) in the actor's view, optionally of one status, oldest first."""
    query = measures_in_view(session, actor)
    if status:
        query = query.where(Measure.status == status)
    return page_of(session, query, window)


def plan_check(session: Session, household: Household) -> PlanCheck:
    measures = session.execute(select(Measure).where(Measure.household_id == household.id)).scalars().all()
    return check_plan(household, measures)


# --- planning ----------------------------------------------------------------------------------------------------

def plannable_household(session: Session, actor: Actor, household_id: int) -> Household:
    """A household whose plan the actor keeps: the county's (or an administrator's) in scope; 403 for others who
    see it, 404 for those who do not."""
    household = households.visible_household(session, household_id, actor)
    if not actor.place_scope or actor.role not in MEASURE_PLANNERS:
        raise Forbidden("只有旗县乡村振兴部门可以制定帮扶计划")
    return household


def _planning_household(session: Session, actor: Actor, household_id: int, category: Any) -> Household:
    """The county plans for households in its scope; a department adds a measure of a category it leads for a
    household of its county (api.md); any other role reads only."""
    if actor.place_scope:
        return plannable_household(session, actor, household_id)
    household = session.get(Household, household_id)
    if household is None or not household.place_path.startswith(actor.place_path):
        raise NotFound(f"Household {household_id}")
    department = department_access.department_of(session, actor)
    if department is None or MEASURE_LEAD_DEPARTMENTS.get(category) != department:
        raise NotFound(f"Household {household_id}")
    return household


def _date(value: Any, field: str, fields: dict[str, str], label: str, required: bool) -> date | None:
    """An ISO date (2026-12-01) in the years a form takes (``engine.forms``); the reason in ``fields[field]``
    otherwise."""
    if value is None or value == "":
        if required:
            fields[field] = f"{label}必填"
        return None
    day = form_date(value)
    if day is None:
        fields[field] = f"{label}应为{FIRST_YEAR}至{LAST_YEAR}年间的日期，如 2026-12-01"
    return day


NOT_AN_AMOUNT = "金额应为数字（元），如 1200 或 1200.50"


def _amount(value: Any, fields: dict[str, str]) -> Any:
    if value is None or value == "":
        return None
    try:
        return to_decimal(value, Measure.amount)
    except ValueError as exc:
        fields["amount"] = NOT_AN_AMOUNT if str(exc) == "应为金额" else f"金额{exc}"
        return None


def form_amount(text: str) -> Decimal | str | None:
    """A page's amount field as the number it writes (blank: none); text that writes no number stays text, which
    ``plan_measure`` refuses as the API's "100" is refused: a new measure's amount is a number."""
    try:
        return Decimal(text.strip()) if text.strip() else None
    except InvalidOperation:
        return text


PROGRESS_LABELS = {"status": "状态", "done_on": "完成日期", "result": "完成情况", "reason": "更正理由"}


def _check_new(data: dict[str, Any]) -> None:
    """A new measure is its plan: what was done is recorded later by its lead department (``record_progress``),
    and a field that is no plan field is refused, never dropped. Its amount is a number, not a text or a flag."""
    progress = [name for name in PROGRESS_LABELS if name in data]
    fields = {name: f"新增措施时不能填写{PROGRESS_LABELS[name]}，实施后由牵头部门登记进展" for name in progress}
    fields.update({name: "不是帮扶措施的字段" for name in sorted(set(data) - set(PLAN_FIELDS) - set(progress))})
    amount = data.get("amount")
    if amount is not None and (isinstance(amount, bool) or not isinstance(amount, int | float | Decimal)):
        fields["amount"] = NOT_AN_AMOUNT
    if fields:
        named = "、".join(PROGRESS_LABELS[name] for name in progress)
        raise InvalidData(f"新增措施时不能填写{named}" if progress else "帮扶措施有误", fields)


PLAN_LABELS = {"category": "措施类别", "subtype": "措施子类", "content": "措施内容", "department": "牵头部门",
               "responsible": "帮扶责任人", "start_on": "开始日期", "end_on": "结束日期", "amount": "金额"}


def _read_plan(session: Session, actor: Actor, household: Household, data: dict[str, Any],
               done_on: date | None = None) -> dict[str, Any]:
    """The plan fields of a measure, checked as one: a new measure and an edited one pass the same rules.
    ``done_on`` is the day an edited measure was done, which its start may not follow."""
    if household.monitoring_status != MonitoringStatus.MONITORED:
        raise InvalidData("只有监测对象可以制定帮扶计划", {"household": "该户不是监测对象"})
    fields: dict[str, str] = {}
    category = data.get("category")
    if not isinstance(category, str) or category not in labels(session, "assistance_measure"):
        fields["category"] = "应为帮扶措施代码表中的代码"
        category = None
    subtype = data.get("subtype")
    if category and (not isinstance(subtype, str) or subtype not in labels(session, subtype_list(category))):
        fields["subtype"] = "应为该类帮扶措施的子类代码"
    department = data.get("department") or None
    if not actor.place_scope:
        own = department_access.department_of(session, actor)
        if department not in (None, own):
            fields["department"] = "行业部门只能登记本部门牵头的措施"
        department = own
    elif department is not None and (not isinstance(department, str)
                                     or department not in labels(session, "department")):
        fields["department"] = "应为部门代码表中的代码"
    content = read_text(data.get("content"), "content", fields, string_length(Measure.content),
                        label="措施内容", multiline=True)
    responsible = read_text(data.get("responsible"), "responsible", fields, string_length(Measure.responsible),
                            label="帮扶责任人")
    start_on = _date(data.get("start_on"), "start_on", fields, "开始日期", required=True)
    end_on = _date(data.get("end_on"), "end_on", fields, "结束日期", required=False)
    if start_on and household.monitored_since and start_on < household.monitored_since:
        fields["start_on"] = f"开始日期不能早于识别纳入日期 {household.monitored_since.isoformat()}"
    elif start_on and done_on and done_on < start_on:
        fields["start_on"] = f"开始日期不能晚于完成日期 {done_on.isoformat()}"
    if start_on and end_on and end_on < start_on:
        fields["end_on"] = "结束日期不能早于开始日期"
    amount = _amount(data.get("amount"), fields)
    if fields:
        raise InvalidData("帮扶措施有误", fields)
    return {"category": category, "subtype": subtype, "content": content, "department": department,
            "responsible": responsible, "start_on": start_on, "end_on": end_on, "amount": amount}


def lock_plan(session: Session, household: Household) -> None:
    """Planning a measure and confirming the plan take the household's row lock first, so that a measure saved while
    the county confirms is either in the confirmed plan or planned after it, never neither (a no-op on SQLite,
    whose writers queue anyway)."""
    session.execute(select(Household.id).where(Household.id == household.id).with_for_update())


def plan_measure(session: Session, actor: Actor, household_id: int, data: dict[str, Any], at: datetime) -> Saved:
    """A new measure in a monitored household's plan; the plan is checked after it and the warnings returned.
    Saving it is all this does: a user's measure goes through ``assistance_cases.plan_measure``, which also hands
    it to its lead department."""
    household = _planning_household(session, actor, household_id, data.get("category"))
    _check_new(data)
    lock_plan(session, household)
    plan = _read_plan(session, actor, household, data)
    measure = Measure(household_id=household.id, **plan, status=MeasureStatus.PLANNED, result="", created_at=at,
                      created_by=actor.username, updated_at=at, updated_by=actor.username)
    measure.changes.append(MeasureChange(status_from=None, status_to=MeasureStatus.PLANNED, note="",
                                         changed_at=at, changed_by=actor.username))
    session.add(measure)
    session.flush()
    return Saved(measure, plan_check(session, household))


def plan_of(measure: Measure) -> dict[str, Any]:
    """A saved measure's plan fields as they are entered (dates as 2026-12-01), to edit them."""
    return {"category": measure.category, "subtype": measure.subtype, "content": measure.content,
            "department": measure.department, "responsible": measure.responsible,
            "start_on": measure.start_on.isoformat(), "end_on": measure.end_on.isoformat() if measure.end_on else None,
            "amount": measure.amount}


def may_edit_plan(actor: Actor) -> bool:
    """The county (or an administrator) in scope keeps the plan; departments record progress only."""
    return actor.place_scope and actor.role in MEASURE_PLANNERS


def edit_plan(session: Session, actor: Actor, measure_id: int, data: dict[str, Any], at: datetime) -> Saved:
    """The county changes a saved measure's plan fields (those given; the others stay), checked as a new measure
    is; a closed measure needs a reason. The history keeps who changed which fields, when, and why."""
    measure = visible_measure(session, measure_id, actor)
    plan_fields = [name for name in data if name in PLAN_FIELDS]
    if not may_edit_plan(actor):
        named = "、".join(f"{PLAN_LABELS[name]}（{name}）" for name in plan_fields) or "帮扶计划"
        raise Forbidden(f"只有旗县乡村振兴部门可以修改{named}")
    unknown = sorted(set(data) - set(PLAN_FIELDS) - {"reason"})
    if unknown:
        raise InvalidData("只能修改措施的计划内容", {name: "不能在此修改" for name in unknown})
    household = session.get(Household, measure.household_id)
    plan = _read_plan(session, actor, household, {**plan_of(measure), **data}, measure.done_on)
    changed = [name for name in PLAN_FIELDS if plan[name] != getattr(measure, name)]
    prefix = "修改计划：" + "、".join(PLAN_LABELS[name] for name in changed)
    fields: dict[str, str] = {}
    reason = read_text(data.get("reason"), "reason", fields, string_length(MeasureChange.note) - len(prefix) - 1,
                       label="修改理由", required=measure.status in CLOSED and bool(changed))
    if fields:
        raise InvalidData("帮扶措施有误", fields)
    if changed:
        measure.changes.append(MeasureChange(status_from=measure.status, status_to=measure.status,
                                             note=f"{prefix}；{reason}" if reason else prefix,
                                             changed_at=at, changed_by=actor.username))
        for name in changed:
            setattr(measure, name, plan[name])
        measure.updated_at, measure.updated_by = at, actor.username
        session.flush()
    return Saved(measure, plan_check(session, household))


def update_measure(session: Session, actor: Actor, measure_id: int, data: dict[str, Any], at: datetime,
                   today: date) -> Saved:
    """One PATCH of a measure: plan fields are the county's (``edit_plan``), progress the lead department's
    (``record_progress``). The amount is progress for whoever records progress, plan for the county otherwise."""
    measure = visible_measure(session, measure_id, actor)
    as_plan = {name for name in data if name in PLAN_FIELDS and name not in PROGRESS_FIELDS}
    if may_edit_plan(actor) and "amount" in data and (as_plan or not may_record_progress(session, actor, measure)):
        as_plan.add("amount")
    if not as_plan:
        return record_progress(session, actor, measure_id, data, at, today)
    progress = {name: value for name, value in data.items() if name not in as_plan}
    saved = edit_plan(session, actor, measure_id, {name: data[name] for name in as_plan | ({"reason"} & set(data))},
                      at)
    if set(progress) - {"reason"}:
        return record_progress(session, actor, measure_id, progress, at, today)
    return saved


# --- progress ----------------------------------------------------------------------------------------------------

def may_record_progress(session: Session, actor: Actor, measure: Measure) -> bool:
    """The lead department records what it did, and only it; a measure the county leads itself, the county."""
    if measure.department is None:
        return actor.place_scope and actor.role in MEASURE_PLANNERS
    return not actor.place_scope and department_access.department_of(session, actor) == measure.department


def progress_form(session: Session, actor: Actor, measure: Measure) -> dict[str, Any] | None:
    """What the actor may record on the measure's page: the statuses offered and whether a reason is needed;
    None when it reads only."""
    if measure.status in CLOSED:
        if actor.place_scope and actor.role in MEASURE_PLANNERS:
            return {"statuses": list(STATUS_LABELS), "reason": True}
        return None
    if not may_record_progress(session, actor, measure):
        return None
    return {"statuses": [measure.status, *sorted(NEXT_STATUSES[measure.status], key=list(STATUS_LABELS).index)],
            "reason": False}


def record_progress(session: Session, actor: Actor, measure_id: int, data: dict[str, Any], at: datetime,
                    today: date) -> Saved:
    """Status, day done, what was done and the amount of one measure, by those ``may_record_progress`` names
    (or the county reopening a closed measure with a reason)."""
    return _record_progress(session, actor, visible_measure(session, measure_id, actor), data, at, today)


def record_case_progress(session: Session, actor: Actor, household: Household, measure_id: Any,
                         data: dict[str, Any], at: datetime, today: date) -> Saved:
    """What a department's task of the household's assistance case records: ``record_progress``'s rule, for a
    measure of that household only. A measure closed meanwhile (e.g. through the measure's page) with the same
    values again is the task catching up: nothing is recorded twice. Refusals are bad data (422), as the task's."""
    measure = session.get(Measure, measure_id) if isinstance(measure_id, int) else None
    if measure is None or measure.household_id != household.id:
        raise InvalidData("措施不属于本户", {"measure_id": "不是本户帮扶计划中的措施"})
    if measure.status in CLOSED and _unchanged(measure, data):
        return Saved(measure, plan_check(session, household))
    if measure.status in CLOSED:
        closed = f"该措施已于{_closed_on(measure)}登记为{STATUS_LABELS[measure.status]}"
        raise InvalidData("措施已办结", {"status": f"{closed}，如需更正请由旗县在措施页说明理由后修改"})
    if not may_record_progress(session, actor, measure):
        raise InvalidData("只有该措施的牵头部门可以登记进展", {"status": "本措施的牵头部门已调整，请由现牵头部门办理"})
    return _record_progress(session, actor, measure, data, at, today)


def _unchanged(measure: Measure, data: dict[str, Any]) -> bool:
    """The submitted progress says what the measure already records (dates as 2026-12-01, amounts as numbers)."""
    current = {"status": measure.status, "done_on": measure.done_on.isoformat() if measure.done_on else None,
               "result": measure.result or None, "amount": measure.amount}
    submitted = {name: data.get(name) or None for name in current}
    if submitted["amount"] is not None and current["amount"] is not None:
        try:
            submitted["amount"] = to_decimal(submitted["amount"], Measure.amount)
        except ValueError:
            return False
    return submitted == current


def _closed_on(measure: Measure) -> str:
    day = measure.done_on or measure.updated_at.date()
    return f"{day.year}年{day.month}月{day.day}日"


def _record_progress(session: Session, actor: Actor, measure: Measure, data: dict[str, Any], at: datetime,
                     today: date) -> Saved:
    unknown = sorted(set(data) - set(PROGRESS_FIELDS))
    if unknown:
        raise InvalidData("只能登记措施的进展", {name: "不能在此修改" for name in unknown})
    correcting = measure.status in CLOSED
    if correcting:
        if actor.role not in MEASURE_PLANNERS or not actor.place_scope:
            raise Forbidden(f"措施{STATUS_LABELS[measure.status]}，只有旗县可以说明理由后更正")
    elif not may_record_progress(session, actor, measure):
        raise Forbidden("只有该措施的牵头部门可以登记进展")
    fields: dict[str, str] = {}
    status = data.get("status", measure.status)
    if not isinstance(status, str) or status not in STATUS_LABELS:
        fields["status"] = "应为 planned、in_progress、done 或 stopped"
    elif status != measure.status and not correcting and status not in NEXT_STATUSES[measure.status]:
        fields["status"] = f"不能从{STATUS_LABELS[measure.status]}改为{STATUS_LABELS[status]}"
    reason = read_text(data.get("reason"), "reason", fields, string_length(MeasureChange.note), label="更正理由",
                       required=correcting)
    done_on = _date(data["done_on"], "done_on", fields, "完成日期", required=False) if "done_on" in data \
        else measure.done_on
    result = read_text(data["result"], "result", fields, string_length(Measure.result), label="完成情况",
                       required=False, multiline=True) if "result" in data else measure.result
    amount = _amount(data["amount"], fields) if "amount" in data else measure.amount
    if status == MeasureStatus.DONE:
        if done_on is None and "done_on" not in fields:
            fields["done_on"] = "完成时须填写完成日期"
        if not result and "result" not in fields:
            fields["result"] = "完成时须填写完成情况"
    if done_on and done_on < measure.start_on:
        fields["done_on"] = "完成日期不能早于开始日期"
    elif done_on and done_on > today:
        fields["done_on"] = "完成日期不能晚于今天"
    if fields:
        raise InvalidData("措施进展有误", fields)
    if status != measure.status or correcting:
        measure.changes.append(MeasureChange(status_from=measure.status, status_to=status, note=reason,
                                             changed_at=at, changed_by=actor.username))
    measure.status, measure.done_on, measure.result, measure.amount = status, done_on, result, amount
    measure.updated_at, measure.updated_by = at, actor.username
    session.flush()
    return Saved(measure, plan_check(session, session.get(Household, measure.household_id)))


# --- the assistance case (部门会商, then each lead department's task) ---------------------------------------------

def open_measures(session: Session, household: Household) -> list[Measure]:
    """The measures still to carry out: planned or in progress, oldest first."""
    return list(session.execute(select(Measure).where(Measure.household_id == household.id,
                                                      Measure.status.notin_(CLOSED)).order_by(Measure.id)).scalars())


def measure_title(session: Session, measure: Measure) -> str:
    """健康帮扶·家庭医生签约, as the plan and the tasks name a measure."""
    category = labels(session, "assistance_measure", include_retired=True).get(measure.category, measure.category)
    subtype = labels(session, subtype_list(measure.category), include_retired=True).get(measure.subtype,
                                                                                        measure.subtype)
    return f"{category}·{subtype}"


def to_carry_out(session: Session, measure: Measure) -> dict[str, Any]:
    """A measure as an assistance case hands it to its lead department (None: the county leads it)."""
    return {"measure_id": measure.id, "department": measure.department, "title": measure_title(session, measure)}


def plan_to_carry_out(session: Session, household: Household) -> dict[str, Any]:
    """The county confirms the plan after the departmental consultation: the open measures go to their lead
    departments (the county's own where none leads), with the plan's warnings as they stand. A plan without an
    open measure is refused: there would be nothing to carry out."""
    lock_plan(session, household)
    measures = open_measures(session, household)
    if not measures:
        raise InvalidData("该户尚未制定帮扶措施", {"measures": "请先在农户页添加帮扶措施，再确认帮扶计划"})
    check = plan_check(session, household)
    return {"measures": [to_carry_out(session, m) for m in measures],
            "warnings": [{"code": w.code, "message": w.message} for w in check.warnings],
            "safety_net_household": check.safety_net_household}


# --- documents ---------------------------------------------------------------------------------------------------

def received(household: Household) -> list[str]:
    """The measures a household has received or is receiving, as the annexes print them
    (健康帮扶·家庭医生签约（已完成）); planned and stopped ones are not assistance received."""
    session = object_session(household)
    if session is None:  # a household not stored has no measures
        return []
    rows = session.execute(select(Measure).where(Measure.household_id == household.id,
                                                 Measure.status.in_((MeasureStatus.IN_PROGRESS, MeasureStatus.DONE)))
                           .order_by(Measure.id)).scalars().all()
    return [f"{measure_title(session, m)}（{STATUS_LABELS[m.status]}）" for m in rows]

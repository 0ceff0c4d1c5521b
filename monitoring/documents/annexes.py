"""The seven annexes of the policy (domain.md §9): which template prints each, and the data it shows.

A context is plain JSON with dates already in Chinese form, built only from the subject's own data
(never the time of printing), so the document store can hash it to tell new data from a reprint.
Public notices (annexes 2, 3, 4, 6) are given no ID, phone, bank or health data at all: a template
cannot leak what it was never handed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from engine.calendar import CHINA_TZ
from engine.errors import InvalidData, NotFound
from engine.models import ProcessInstance
from monitoring import elimination, processes, thresholds
from monitoring.cases import business_key
from monitoring.change_models import KIND_NAMES, HouseholdChange
from monitoring.codelists import labels
from monitoring.measures import received
from monitoring.models import OTHER_RISK, Household, Measurement, Member, Notice, Place, PlaceLevel
from monitoring.notices import cases_on, households_on, period
from monitoring.rules import INCOME_FIELDS, RIGID_EXPENSE_FIELDS, net_income, per_capita_income, rigid_expenses


@dataclass(frozen=True)
class Annex:
    kind: str  # "annex1" … "annex7", "annex7_blank"
    number: int  # 1..7
    title: str
    template: str
    posted: bool  # a public notice: the privacy rule applies
    subject: str  # "household" | "notice" | "none"
    stage: str | None = None  # the notice stage a notice annex prints
    per_case: bool = False  # prints the data of the case that asked for it (not the household's latest case)


ANNEXES: dict[str, Annex] = {a.kind: a for a in (
    Annex("annex1", 1, "承诺授权书", "annex1.html", False, "household"),
    Annex("annex2", 2, "民主评议记录及拟新识别监测对象公示", "annex2.html", True, "notice", "identification_first"),
    Annex("annex3", 3, "旗县审定监测对象名单公示", "annex3.html", True, "notice", "identification_second"),
    Annex("annex4", 4, "风险消除初选名单公示", "annex4.html", True, "notice", "elimination_first"),
    Annex("annex5", 5, "风险消除验收表", "annex5.html", False, "household", per_case=True),
    Annex("annex6", 6, "旗县审定风险消除名单公示", "annex6.html", True, "notice", "elimination_second"),
    Annex("annex7", 7, "监测对象信息采集表", "annex7.html", False, "household"),
    Annex("annex7_blank", 7, "监测对象信息采集表（空白）", "annex7.html", False, "none"),
)}

ELIMINATION_LISTS = frozenset({"annex4", "annex6"})  # lists of households leaving monitoring
BLANK_MEMBER_ROWS = 6
PLACE_LEVELS = tuple(level.value for level in (PlaceLevel.COUNTY, PlaceLevel.TOWNSHIP, PlaceLevel.VILLAGE))
MEMBER_CODED = ("relation", "sex", "ethnicity", "education", "schooling", "labour_skill", "insurance")  # = list keys
MEMBER_KEYS = ("name", "id_number", *MEMBER_CODED, "health", "disability", "work")
HOUSEHOLD_KEYS = ("head_name", "head_id_number", "size", "group", "address", "phone", "bank_account",
                  "household_type", "monitoring_type", "risk_types", "monitored_since")
MONEY_KEYS = (*INCOME_FIELDS, "business_expenses", "net_income", "per_capita_income", "claims_income",
              *RIGID_EXPENSE_FIELDS, "rigid_expenses")
# Each flag of rules.GUARANTEE_FLAGS as the papers word it: (field, the problem, what is said when it is absent).
GUARANTEES = {
    "dropout": ("义务教育", "义务教育阶段有因经济困难辍学学生", "无因经济困难辍学"),
    "uninsured_large_medical": ("基本医疗", "未参加基本医疗保险且医疗费用较大", "参加基本医疗保险或无大额医疗费用"),
    "unsafe_house": ("住房安全", "唯一住房受损或为危房", "住房安全有保障"),
    "unsafe_water": ("饮水安全", "饮水水质、水量、方便程度或保证率不达标", "饮水安全达标"),
}
CRITERION_KEYS = ("measures", "guarantees", "income", "expenses")  # as monitoring.elimination names them
VERIFICATION_RESULT = "verification_result"  # the case-data record of the four criteria checked on site
MIN_INSPECTORS = 2  # signature lines printed even before the inspectors are named
ELIMINATION_CRITERIA = (  # §四(二)1, in the policy's words
    "根据返贫致贫风险落实针对性帮扶措施",
    "“三保障”及饮水安全持续巩固（参加基本医疗保险、义务教育阶段无因经济困难辍学学生、实现住房安全和饮水安全）",
    "收入持续稳定，家庭人均纯收入稳定超出全区当年度收入监测底线",
    "大额刚性支出问题得到稳定解决",
)


def cn_date(value: date | None) -> str:
    """2026年3月2日 — how dates are written on Chinese government papers ("" when unknown)."""
    return f"{value.year}年{value.month}月{value.day}日" if value else ""


def _cn_iso(text: Any) -> str:
    """A date kept in case data as ISO text, in Chinese form."""
    try:
        return cn_date(date.fromisoformat(str(text)))
    except ValueError:
        return ""


def _local_date(moment: datetime) -> date:
    return moment.astimezone(CHINA_TZ).date()


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


class _Labels:
    """Code → label for the code lists a document needs, read once per document; retired codes keep their label."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._lists: dict[str, dict[str, str]] = {}

    def __call__(self, list_key: str, code: str | None) -> str:
        if not code:
            return ""
        if list_key not in self._lists:
            self._lists[list_key] = labels(self._session, list_key, include_retired=True)
        return self._lists[list_key].get(code, code)

    def joined(self, list_key: str, codes: Iterable[str]) -> str:
        return "、".join(self(list_key, code) for code in codes)


def _risk_types(label: _Labels, household: Household) -> str:
    """The household's risk types as a form prints them, 其他 with what it stands for (附件7: 其他须注明)."""
    def said(code: str) -> str:
        named = label("risk_type", code)
        return f"{named}（{household.risk_note}）" if code == OTHER_RISK and household.risk_note else named

    return "、".join(said(code) for code in household.risk_types or [])


def places_of(session: Session, village_code: str) -> dict[str, str]:
    """The names of the village, its township and its county."""
    names: dict[str, str] = {}
    place = session.get(Place, village_code)
    while place is not None:
        names[place.level] = place.name
        place = session.get(Place, place.parent_code) if place.parent_code else None
    return {level: names.get(level, "") for level in PLACE_LEVELS}


def bodies_of(places: dict[str, str]) -> dict[str, str]:
    """The bodies that sign, seal and answer objections, named as on their seals."""
    return {"village": f"{places['village']}村民委员会", "township": f"{places['township']}人民政府",
            "county": f"{places['county']}乡村振兴局"}


# ---- households (annexes 1, 5, 7) ---------------------------------------------------------------------------


def _household(session: Session, household_id: int | None) -> Household:
    household = session.get(Household, household_id) if household_id is not None else None
    if household is None:
        raise NotFound(f"household {household_id}")
    return household


def _member(member: Member, label: _Labels) -> dict[str, str]:
    return {"name": member.name, "id_number": member.id_number,
            **{field: label(field, getattr(member, field)) for field in MEMBER_CODED},
            "health": label.joined("health", member.health), "disability": member.disability, "work": member.work}


def _household_fields(household: Household, label: _Labels) -> dict[str, Any]:
    head = household.head
    return {
        "head_name": head.name if head else "", "head_id_number": head.id_number if head else "",
        "size": household.size, "group": household.group_name, "address": household.address,
        "phone": household.phone or (head.phone if head else ""), "bank_account": household.bank_account,
        "household_type": label("household_type", household.household_type),
        "monitoring_type": label("monitoring_type", household.monitoring_type),
        "risk_types": _risk_types(label, household),
        "monitored_since": cn_date(household.monitored_since),
    }


def _household_context(session: Session, household: Household, label: _Labels) -> dict[str, Any]:
    """What annexes 1, 5 and 7 all show: where the household lives, who it is, every member in full."""
    places = places_of(session, household.village_code)
    return {"place": places, "bodies": bodies_of(places), "household": _household_fields(household, label),
            "members": [_member(m, label) for m in household.members]}


def _latest(household: Household) -> Measurement | None:
    return household.measurements[-1] if household.measurements else None


def _guarantees(measurement: Measurement | None) -> list[dict[str, Any]]:
    """The three guarantees and safe water as the latest visit saw them (problem None: not yet seen)."""
    return [{"field": field, "question": problem, "problem": getattr(measurement, flag) if measurement else None,
             "finding": (problem if getattr(measurement, flag) else fine) if measurement else "未采集"}
            for flag, (field, problem, fine) in GUARANTEES.items()]


def _income(measurement: Measurement, size: int) -> dict[str, Any]:
    amounts = {name: _money(Decimal(getattr(measurement, name) or 0))
               for name in (*INCOME_FIELDS, "business_expenses", "claims_income", *RIGID_EXPENSE_FIELDS)}
    return {"year": measurement.year, **amounts, "net_income": _money(net_income(measurement)),
            "per_capita_income": _money(per_capita_income(measurement, size)) if size else "",
            "rigid_expenses": _money(rigid_expenses(measurement))}


def _annex1(session: Session, household: Household, label: _Labels, instance_id: int | None) -> dict[str, Any]:
    signed = household.authorization or {}
    return {**_household_context(session, household, label), "authorization": {
        "signed_by": signed.get("signed_by") or "", "proxy_name": signed.get("proxy_name") or "",
        "fingerprint": bool(signed.get("fingerprint")), "signed_on": _cn_iso(signed.get("signed_on"))}}


def _annex5(session: Session, household: Household, label: _Labels, instance_id: int | None) -> dict[str, Any]:
    """The acceptance checklist: each criterion of §6 with its evidence — as the elimination case's check on site
    found it (the case that asked for the paper, else the household's latest) when the household has one, else as
    the records show — the township's verdict on each, the income after elimination by source, the inspectors and
    the head who sign."""
    described, step = _issuing("annex5")
    data = _case_data(session, household.id, described.key, instance_id)
    found = _record(data, VERIFICATION_RESULT)
    notes = _record(data, described.variables.measurement)
    verdict = _record(data, step.answers_key)
    checked = {c.get("key"): c for c in found.get("criteria") or [] if isinstance(c, dict)}
    recorded = _recorded_evidence(session, household, label)
    criteria = []
    for key, standard, on_record in zip(CRITERION_KEYS, ELIMINATION_CRITERIA, recorded, strict=True):
        evidence = [str(checked[key].get("evidence") or "")] if key in checked else on_record
        note = notes.get(f"{key}_note")
        criteria.append({"standard": standard, "evidence": [*evidence, *([f"核查说明：{note}"] if note else [])],
                         "met": _flag(checked.get(key, {}), "met"), "accepted": _flag(verdict, f"{key}_ok")})
    measurement = _measurement_of(household, found.get("year"))
    inspectors = [str(name) for name in verdict.get("inspectors") or [] if isinstance(name, str) and name.strip()]
    return {**_household_context(session, household, label), "criteria": criteria,
            "method": label("elimination_method", found.get("method") or data.get("method")),
            "income": _income(measurement, household.size) if measurement else None,
            "acceptance": {"approved": _flag(verdict, "approved"),
                           "opinion": str(verdict.get("opinion") or ""), "reason": str(verdict.get("reason") or ""),
                           "accepted_on": _cn_iso(verdict.get("accepted_on")),
                           "inspectors": inspectors + [""] * max(0, MIN_INSPECTORS - len(inspectors)),
                           "head_signed": verdict.get("head_signed") is True}}


def _flag(record: dict[str, Any], key: str) -> bool | None:
    """A yes/no answer of a record; None when it was not given (the paper then leaves both boxes empty)."""
    value = record.get(key)
    return value if isinstance(value, bool) else None


def _recorded_evidence(session: Session, household: Household, label: _Labels) -> list[list[str]]:
    """Each criterion's evidence as the household's records show it (no elimination case has checked it yet)."""
    latest = _latest(household)
    return [
        [f"风险类型：{_risk_types(label, household) or '—'}",
         f"已落实帮扶措施：{'、'.join(received(household)) or '—'}"],
        [f"{g['field']}：{g['finding']}" for g in _guarantees(latest)],
        [_income_finding(session, household, m) for m in household.measurements] or ["收入：未采集"],
        [_expense_finding(session, household, latest)] if latest else ["刚性支出：未采集"],
    ]


def _measurement_of(household: Household, year: Any) -> Measurement | None:
    """The year's measurement the check on site read, else the latest: the income after elimination."""
    return next((m for m in household.measurements if m.year == year), None) or _latest(household)


def _issuing(kind: str) -> tuple[processes.ProcessDescriptor, processes.Step]:
    """The process and step that issue annex ``kind`` (ones that declare nothing when no process does)."""
    return next(((d, s) for d in processes.REGISTRY.values() for s in d.steps if kind in s.annexes),
                (processes.NO_PROCESS, processes.Step("")))


def _case_data(session: Session, household_id: int, process: str, instance_id: int | None) -> dict[str, Any]:
    """The data of the household's case ``instance_id`` of ``process``, or of its latest one when no case is named
    ({} when it has none): a case's paper shows that case, whatever the household's later cases do."""
    query = select(ProcessInstance.data).where(
        ProcessInstance.business_key == business_key(household_id), ProcessInstance.process_key == process)
    if instance_id is not None:
        query = query.where(ProcessInstance.id == instance_id)
    data = session.execute(query.order_by(ProcessInstance.id.desc()).limit(1)).scalar() if process else None
    return data if isinstance(data, dict) else {}


def _income_finding(session: Session, household: Household, measurement: Measurement) -> str:
    income = per_capita_income(measurement, household.size) if household.size else None
    line = thresholds.current(session, thresholds.INCOME_LINE, household.place_path, measurement.year)
    text = f"{measurement.year}年家庭人均纯收入{_money(income) if income is not None else '—'}元"
    if line is None:
        return text + "（当年收入监测底线未设置）"
    verdict = "高于" if income is not None and income > line else "未超出"
    return text + f"，收入监测底线{_money(line)}元，{verdict}底线"


def _expense_finding(session: Session, household: Household, measurement: Measurement) -> str:
    warning = thresholds.current(session, thresholds.EXPENSE_WARNING, household.place_path, measurement.year)
    standard = f"支出预警标准{_money(warning)}元" if warning is not None else "支出预警标准未设置"
    return f"{measurement.year}年合规自付刚性支出{_money(rigid_expenses(measurement))}元（{standard}）"


def _annex7(session: Session, household: Household, label: _Labels, instance_id: int | None) -> dict[str, Any]:
    latest = _latest(household)
    collected = latest.recorded_at if latest else household.created_at
    return {**_household_context(session, household, label), "guarantees": _guarantees(latest),
            "income": _income(latest, household.size) if latest else dict.fromkeys(("year", *MONEY_KEYS), ""),
            "measures": received(household), "collected_on": cn_date(_local_date(collected)),
            "members_left": _members_left(session, household, _local_date(collected).year, label)}


def _members_left(session: Session, household: Household, year: int, label: _Labels) -> list[dict[str, str]]:
    """Who left the household (died, married or moved out) since the form's year began, with the change and its
    day: the form lists the members present, and the visitor checks those who went apart."""
    left = [m for m in household.former_members if m.left_on and m.left_on.year >= year]
    kinds = dict(session.execute(select(HouseholdChange.id, HouseholdChange.kind).where(
        HouseholdChange.id.in_([m.left_change_id for m in left]))).all()) if left else {}
    return [{"name": m.name, "id_number": m.id_number, "relation": label("relation", m.relation),
             "change": KIND_NAMES.get(kinds.get(m.left_change_id), ""), "left_on": cn_date(m.left_on)} for m in left]


def _annex7_blank() -> dict[str, Any]:
    """The same form with nothing filled in, for a visit made without a connection."""
    places = dict.fromkeys(PLACE_LEVELS, "")
    return {"place": places, "bodies": bodies_of(places), "household": dict.fromkeys(HOUSEHOLD_KEYS, ""),
            "members": [dict.fromkeys(MEMBER_KEYS, "") for _ in range(BLANK_MEMBER_ROWS)],
            "guarantees": _guarantees(None), "income": dict.fromkeys(("year", *MONEY_KEYS), ""), "measures": [],
            "collected_on": "", "members_left": []}


HOUSEHOLD_ANNEXES = {"annex1": _annex1, "annex5": _annex5, "annex7": _annex7}


# ---- notices (annexes 2, 3, 4, 6) ---------------------------------------------------------------------------


def _notice(session: Session, kind: str, notice_id: int | None) -> Notice:
    notice = session.get(Notice, notice_id) if notice_id is not None else None
    if notice is None:
        raise NotFound(f"notice {notice_id}")
    if notice.stage != ANNEXES[kind].stage:
        raise InvalidData("公示阶段与文书不符", {"kind": f"{ANNEXES[kind].title}不用于此阶段的公示"})
    return notice


def notice_cases(session: Session, notice: Notice, household_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Each household's case data: the case that put it on this notice, whatever the household did since.

    A household put on the notice before entries remembered their case reads the case whose current notice this
    is, else its latest case of the process that declares the notice's stage (``monitoring.processes``).
    """
    posted = cases_on(session, notice.id)
    data_of = dict(session.execute(select(ProcessInstance.id, ProcessInstance.data)
                                   .where(ProcessInstance.id.in_(set(posted.values())))).all()) if posted else {}
    chosen = {household_id: data_of.get(posted[household_id]) or {} for household_id in household_ids
              if household_id in posted}
    unknown = [household_id for household_id in household_ids if household_id not in chosen]
    return {**_cases_before_entries_knew(session, notice, unknown), **chosen}


def _cases_before_entries_knew(session: Session, notice: Notice, household_ids: list[int]) -> dict[int, dict]:
    """For entries without their case: the case whose current notice this is, else the latest of the process."""
    if not household_ids:
        return {}
    keys = {business_key(household_id): household_id for household_id in household_ids}
    process = _process_of(notice.stage).key
    chosen: dict[int, tuple[bool, dict[str, Any]]] = {}
    for key, process_key, data in session.execute(
            select(ProcessInstance.business_key, ProcessInstance.process_key, ProcessInstance.data)
            .where(ProcessInstance.business_key.in_(keys)).order_by(ProcessInstance.id)):
        household_id, data = keys[key], data or {}
        on_notice = data.get(processes.descriptor(process_key).variables.notice)
        posted_it = isinstance(on_notice, dict) and on_notice.get("notice_id") == notice.id
        if posted_it or (process_key == process and not chosen.get(household_id, (False, None))[0]):
            chosen[household_id] = (posted_it, data)
    return {household_id: data for household_id, (_, data) in chosen.items()}


def _process_of(stage: str) -> processes.ProcessDescriptor:
    """The process that posts notices of ``stage`` (one that declares nothing when no process does)."""
    return processes.of_stage(stage) or processes.NO_PROCESS


def _record(data: dict[str, Any], key: str | None) -> dict[str, Any]:
    """A record of the case data by its declared key ({} when the process keeps none)."""
    record = data.get(key) if key else None
    return record if isinstance(record, dict) else {}


def _type_code(stage: str, household: Household, data: dict[str, Any]) -> str | None:
    """Type on the list: as the figures suggest at a process's first notice, as decided (or suggested) at its
    last; the household's own type for a process that suggests none (a monitored household's)."""
    described = _process_of(stage)
    if described.variables.assessment is None:
        return household.monitoring_type
    suggested = _record(data, described.variables.assessment).get("suggested_type")
    if stage == described.notice_stages[-1]:
        return _record(data, described.variables.decision).get("monitoring_type") or suggested
    return suggested


def _notice_row(number: int, kind: str, stage: str, household: Household, data: dict[str, Any],
                label: _Labels) -> dict[str, Any]:
    """One line of a posted list: the privacy rule's columns only, the reason as a risk type in general words."""
    head = household.head
    risks = _record(data, _process_of(stage).variables.measurement).get("risk_types") or household.risk_types
    row = {"number": number, "name": head.name if head else "", "size": household.size,
           "group": household.group_name, "type": label("monitoring_type", _type_code(stage, household, data)),
           "risk": label("risk_type", risks[0] if risks else None)}
    if kind in ELIMINATION_LISTS:
        latest = _latest(household)
        row.update(since=cn_date(household.monitored_since), measures="、".join(received(household)),
                   method=label("elimination_method", _method(data)),
                   income=_money(per_capita_income(latest, household.size)) if latest and household.size else "")
    return row


def _method(data: dict[str, Any]) -> str | None:
    """How the case takes the household out of monitoring, as checked on site (else as it was started)."""
    return _record(data, VERIFICATION_RESULT).get("method") or data.get("method")


# What a list of households leaving monitoring may say of them, true for each way out (§四(二)1; 自然消除 asks
# for no measure and no income stability); a case that names no way out is said to meet the standard, no more.
STANDING = {
    elimination.ASSISTED: "已落实针对性帮扶措施，“三保障”及饮水安全持续巩固，收入持续稳定，"
                          "大额刚性支出问题得到稳定解决",
    elimination.NATURAL: "未经帮扶、风险已自然消除，“三保障”及饮水安全有保障，家庭人均纯收入高于当年监测收入标准，"
                         "大额刚性支出问题得到稳定解决",
    None: "经核查达到风险消除标准",
}


def _standing(cases: list[dict[str, Any]], label: _Labels, variables: processes.Variables) -> dict[str, Any]:
    """The sentence the list states about its households, per way out: the households eliminated naturally are
    never said to have been assisted."""
    counts: dict[str | None, int] = {}
    for data in cases:
        method = _method(data) if _method(data) in STANDING else None
        counts[method] = counts.get(method, 0) + 1
    if len(counts) == 1:
        return {"standing": STANDING[next(iter(counts))]}
    return {"standing": "，其中" + "；".join(
        f"{label('elimination_method', method) if method else '其他'}的{count}户{STANDING[method]}"
        for method, count in counts.items())}


def _meeting(cases: list[dict[str, Any]], label: _Labels, variables: processes.Variables) -> dict[str, Any]:
    """The appraisal meetings behind the list, each with its own date, form and attendees and the votes of the
    households it decided (a notice gathers a village's households posted that day, who may have been appraised at
    different meetings): the wall shows every meeting as it was held, never one meeting for all."""
    held: dict[tuple[Any, ...], dict[str, Any]] = {}
    for number, data in enumerate(cases, 1):
        record = _record(data, variables.meeting)
        key = tuple(record.get(k) for k in ("meeting_date", "meeting_form", "attendees"))
        meeting = held.setdefault(key, {
            "date": _cn_iso(record.get("meeting_date")), "form": label("meeting_form", record.get("meeting_form")),
            "attendees": record.get("attendees"), "numbers": [], "votes": [], "reasons": []})
        meeting["numbers"].append(number)
        meeting["votes"].append(_votes(record))
        if record.get("reason"):
            meeting["reasons"].append(str(record["reason"]))
    meetings = [_decided(meeting) for meeting in held.values()]
    return {"meetings": meetings, "meetings_held": "、".join(
        (f"于{m['date']}" if m["date"] else "") + f"召开{m['form'] or '会议'}" for m in meetings)}


def _decided(meeting: dict[str, Any]) -> dict[str, Any]:
    """A meeting passed the households it approved all of; one that rejected all did not pass."""
    outcomes = {votes["approved"] for votes in meeting["votes"]}
    approved = True if outcomes == {True} else False if outcomes == {False} else None
    return {**{k: v for k, v in meeting.items() if k != "reasons"}, "approved": approved,
            "reason": "；".join(dict.fromkeys(meeting["reasons"]))}


def _votes(record: dict[str, Any]) -> dict[str, Any]:
    """One household's tally as printed; a case recorded before abstentions were asked counts the rest of
    those present as abstaining."""
    counts = [record.get(k) for k in ("attendees", "votes_for", "votes_against", "votes_abstain")]
    if not all(isinstance(c, int) for c in counts[1:3]):
        return {"tally": "", "approved": record.get("approved")}
    abstained = counts[3]
    if not isinstance(abstained, int) and isinstance(counts[0], int) and counts[0] >= counts[1] + counts[2]:
        abstained = counts[0] - counts[1] - counts[2]
    tally = f"同意{counts[1]}票，反对{counts[2]}票" + (f"，弃权{abstained}票" if isinstance(abstained, int) else "")
    return {"tally": tally, "approved": record.get("approved")}


def _reply_references(cases: list[dict[str, Any]], label: _Labels, variables: processes.Variables) -> dict[str, Any]:
    """The county's written replies (书面批复文号) behind the list, each once."""
    references = [_record(data, variables.reply).get("reply_reference") for data in cases]
    return {"reply_references": "、".join(dict.fromkeys(r for r in references if r))}


NOTICE_EXTRAS = {"annex2": (_meeting,), "annex3": (_reply_references,), "annex4": (_meeting, _standing),
                 "annex6": (_reply_references,)}


def _notice_context(session: Session, kind: str, notice_id: int | None) -> dict[str, Any]:
    """Shared by every posted list: period, issuing bodies, objection contacts and the rows."""
    notice = _notice(session, kind, notice_id)
    ids = households_on(session, notice.id)
    loaded = {h.id: h for h in session.execute(select(Household).where(Household.id.in_(ids)).options(
        selectinload(Household.members), selectinload(Household.measurements))).scalars()}
    cases = notice_cases(session, notice, ids)
    label = _Labels(session)
    places = places_of(session, notice.village_code)
    counted = period(notice)
    context = {
        "place": places, "bodies": bodies_of(places),
        "notice": {"starts_on": cn_date(notice.starts_on), "ends_on": cn_date(notice.ends_on),
                   "first_day": cn_date(counted.first_day), "days": counted.days, "count": len(ids)},
        "rows": [_notice_row(n, kind, notice.stage, loaded[i], cases.get(i, {}), label)
                 for n, i in enumerate(ids, 1)],
    }
    listed = [cases.get(i, {}) for i in ids]
    for extra in NOTICE_EXTRAS.get(kind, ()):
        context.update(extra(listed, label, _process_of(notice.stage).variables))
    return context


def context_for(session: Session, kind: str, subject_id: int | None, today: date,
                instance_id: int | None = None) -> dict[str, Any]:
    """The data annex ``kind`` prints about its subject: a household id, a notice id, or None for a blank form;
    an annex printed per case reads the case ``instance_id`` (its household's latest case when None).

    ``today`` is accepted for the callers' sake but never printed: a document shows its data's own dates,
    so printing the same data twice gives the same context.
    """
    annex = ANNEXES.get(kind)
    if annex is None:
        raise NotFound(f"annex {kind}")
    if annex.subject == "notice":
        return _notice_context(session, kind, subject_id)
    if annex.subject == "none":
        return _annex7_blank()
    household = _household(session, subject_id)
    return HOUSEHOLD_ANNEXES[kind](session, household, _Labels(session), instance_id if annex.per_case else None)

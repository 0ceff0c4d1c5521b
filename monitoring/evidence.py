"""What a decision rests on, per household: the figures against their standards, the meeting's votes, objections
and what came of them, comparison hits with their source rows, the notice and the documents so far.

Read from the case's data column, the household's records, the thresholds, the audit log and the document links;
never from the workflow state. Every value is already judged and free of ID numbers, phones and bank accounts, so
the task page, the batch table and the API show the same thing at any level that may see the case.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from engine.calendar import CHINA_TZ
from engine.models import AuditEvent, ProcessInstance
from monitoring import decisions, notices, processes, thresholds
from monitoring.cases import household_id_of
from monitoring.documents.annexes import ANNEXES
from monitoring.id_number import mask_id_numbers_in
from monitoring.marking_windows import Window
from monitoring.models import CodeEntry, Document, DocumentLink, Household, Measurement, Notice
from monitoring.objections import shown_text
from monitoring.process_functions import ACCEPTANCE_VERDICTS
from monitoring.rules import GUARANTEE_LABELS, NO_TYPE, NOT_MEASURED, Assessment, assess, type_problems
from monitoring.verification_reference import CheckReference

_LISTS = ("monitoring_type", "household_type", "risk_type", "meeting_form", "elimination_method")


@dataclass(frozen=True)
class Figure:
    """An amount against its standard; ``alert`` when the criterion points to inclusion."""

    amount: Decimal
    standard: Decimal | None
    judgement: str
    alert: bool


@dataclass(frozen=True)
class Criterion:
    """A criterion checked on site (e.g. risk elimination's four), met or not, with what the records show."""

    title: str
    met: bool
    evidence: str


@dataclass(frozen=True)
class Votes:
    meeting_date: str | None
    meeting_form: str
    attendees: int | None
    votes_for: int | None
    votes_against: int | None
    votes_abstain: int | None  # only when the meeting recorded it
    result: str
    approved: bool
    reason: str | None


@dataclass(frozen=True)
class Verdict:
    """One of the acceptance checklist's criteria as the township answered it."""

    title: str
    met: bool


@dataclass(frozen=True)
class Acceptance:
    """The township's acceptance (乡镇验收审核) as it signed it."""

    accepted_on: str | None
    inspectors: list[str]
    head_signed: bool
    verdicts: list[Verdict]
    approved: bool
    opinion: str | None
    reason: str | None


@dataclass(frozen=True)
class Review:
    """The county's review (县级审定): its reply, the warnings it had to confirm and the reason it gave."""

    approved: bool
    reply_reference: str | None
    opinion: str | None
    reason: str | None
    focused_review: str | None
    warnings: list[str]
    warnings_reason: str | None


@dataclass(frozen=True)
class Objection:
    by: str
    content: str
    received_on: str | None
    outcome: str
    rechecked_on: str | None  # None until the re-check is done

    @property
    def settled(self) -> bool:
        return self.rechecked_on is not None


@dataclass(frozen=True)
class NoticePeriod:
    period: notices.Period  # the days stated as a reader counts them, as on the notice itself
    running: bool
    title: str  # the notice as its stage names it (the village's first notice, the county's second)


@dataclass(frozen=True)
class DocumentRef:
    id: int
    number: int
    title: str
    ready: bool
    on: date  # when it was asked for: tells two postings of one notice apart


@dataclass(frozen=True)
class Evidence:
    instance_id: int
    household_id: int | None
    head_name: str | None
    size: int
    group_name: str
    household_type: str
    year: int | None = None
    income: Figure | None = None
    expenses: Figure | None = None
    guarantee_problems: list[str] = field(default_factory=list)
    risk_types: list[str] = field(default_factory=list)
    suggested_type: str | None = None
    suggested_reason: str | None = None
    type_problem: str | None = None  # the type chosen at entry, when it cannot stand
    votes: Votes | None = None
    objections: list[Objection] = field(default_factory=list)
    compared: bool = False  # the data comparison has run
    hits: list[dict[str, Any]] = field(default_factory=list)
    gaps: list[dict[str, Any]] = field(default_factory=list)
    notice: NoticePeriod | None = None  # the notice the case is on now (or was last on)
    notices: list[NoticePeriod] = field(default_factory=list)  # every notice the case posted, oldest first
    documents: list[DocumentRef] = field(default_factory=list)
    method: str | None = None  # the way out the criteria were checked for (帮扶消除, 自然消除)
    criteria: list[Criterion] = field(default_factory=list)
    acceptance: Acceptance | None = None
    review: Review | None = None
    check_reference: CheckReference | None = None  # the four criteria on the records while the check waits
    marking_window: Window | None = None  # the window a waiting marking falls in
    marking_opens_on: date | None = None  # none open today: the day the next one opens

    @property
    def has_content(self) -> bool:
        """Whether anything has been found or decided yet (a case's first step has nothing to show)."""
        return bool(self.income or self.votes or self.objections or self.compared or self.documents or self.criteria
                    or self.acceptance or self.review or self.check_reference or self.marking_window
                    or self.marking_opens_on)

    @property
    def open_objections(self) -> int:
        return sum(1 for o in self.objections if not o.settled)

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON: amounts as numbers (like the API's other amounts), dates as ISO strings."""
        return _plain(dataclasses.asdict(self))


def evidence_for(session: Session, instance: ProcessInstance, today: date, waiting_step: str | None = None) -> Evidence:
    """The evidence of one case (the single task page and the API); with the step that waits, also what that step
    shows from the records (``processes.Step.reference``, e.g. the four criteria before the check on site)."""
    found = evidence_for_batch(session, [instance], today)[instance.id]
    step = processes.descriptor(instance.process_key).step(waiting_step) if waiting_step else None
    if step is None or step.reference is None or found.household_id is None:
        return found
    household = session.get(Household, found.household_id)
    return dataclasses.replace(found, **step.reference(session, household, dict(instance.data or {}), today))


def evidence_for_batch(session: Session, instances: list[ProcessInstance], today: date) -> dict[int, Evidence]:
    """The evidence of several cases by instance id, in a fixed number of queries whatever their number."""
    if not instances:
        return {}
    loaded = _Loaded.load(session, instances)
    return {instance.id: _evidence(instance, loaded, today) for instance in instances}


@dataclass
class _Loaded:
    """Everything the cases' evidence reads, each kind of row in one query."""

    households: dict[int, Household]
    measurements: dict[tuple[int, int], Measurement]
    income_lines: dict[tuple[str, int], Decimal | None]
    expense_warnings: dict[tuple[str, int], Decimal | None]
    labels: dict[str, dict[str, str]]
    outcomes: dict[int, list[tuple[str, str]]]  # per instance, each objection's re-check: date and finding
    documents: dict[int, list[DocumentRef]]
    notices: dict[int, list[Notice]]  # per instance, the notices it put its household on
    type_decisions: dict[int, dict[str, Any]]  # per instance, the type its decision table suggested last, and why

    @classmethod
    def load(cls, session: Session, instances: list[ProcessInstance]) -> _Loaded:
        ids = [i.id for i in instances]
        household_ids = {h for h in (household_id_of(i.business_key) for i in instances) if h is not None}
        households = {h.id: h for h in session.execute(
            select(Household).where(Household.id.in_(household_ids))
            .options(selectinload(Household.members))).scalars()} if household_ids else {}
        years = {(household_id_of(i.business_key), _visit(i).get("year")) for i in instances}
        wanted = {(h, y) for h, y in years if h in households and isinstance(y, int)}
        measurements = {(m.household_id, m.year): m for m in session.execute(
            select(Measurement).where(Measurement.household_id.in_({h for h, _ in wanted}),
                                      Measurement.year.in_({y for _, y in wanted}))).scalars()} if wanted else {}
        places = {(households[h].place_path, y) for h, y in wanted}
        return cls(
            households=households, measurements=measurements,
            income_lines=thresholds.current_for(session, thresholds.INCOME_LINE, places),
            expense_warnings=thresholds.current_for(session, thresholds.EXPENSE_WARNING, places),
            labels=_labels(session), outcomes=_recheck_outcomes(session, instances),
            documents=_documents(session, ids), notices=notices.notices_of_cases(session, ids),
            type_decisions=decisions.latest(session, ids, decisions.MONITORING_TYPE))


def _variables(instance: ProcessInstance) -> processes.Variables:
    return processes.descriptor(instance.process_key).variables


def _record(instance: ProcessInstance, key: str | None) -> dict[str, Any]:
    """A record of the case's data by the key its process declares ({} when it keeps none)."""
    record = (instance.data or {}).get(key) if key else None
    return record if isinstance(record, dict) else {}


def _visit(instance: ProcessInstance) -> dict[str, Any]:
    return _record(instance, _variables(instance).measurement)


def _labels(session: Session) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = defaultdict(dict)
    for key, code, label in session.execute(select(CodeEntry.list_key, CodeEntry.code, CodeEntry.label)
                                            .where(CodeEntry.list_key.in_(_LISTS))):
        found[key][code] = label
    return found


def _recheck_outcomes(session: Session, instances: list[ProcessInstance]) -> dict[int, list[tuple[str, str]]]:
    """For each objection a case received, what the next completed step (the re-check) found, from the audit log."""
    measured_on = {i.id: _variables(i).measured_on or "" for i in instances}
    events = session.execute(
        select(AuditEvent.instance_id, AuditEvent.type, AuditEvent.detail, AuditEvent.at)
        .where(AuditEvent.instance_id.in_(measured_on),
               AuditEvent.type.in_(("message_received", "task_completed")))
        .order_by(AuditEvent.id)).all()
    outcomes: dict[int, list[tuple[str, str]]] = defaultdict(list)
    pending: dict[int, int] = defaultdict(int)
    for instance_id, kind, detail, at in events:
        if kind == "message_received" and (detail or {}).get("name") == "objection":
            pending[instance_id] += 1
        elif kind == "task_completed" and pending[instance_id]:
            after = (detail or {}).get("after") or {}
            on = str(after.get(measured_on[instance_id]) or at.astimezone(CHINA_TZ).date().isoformat())
            if after.get("approved") is False:
                text = f"重新核实：不符合纳入条件（{mask_id_numbers_in(str(after.get('reason') or ''))}）"
            else:
                text = "重新核实：仍符合纳入条件，重新评议公示"
            outcomes[instance_id].extend([(on, text)] * pending[instance_id])
            pending[instance_id] = 0
    return outcomes


def _documents(session: Session, instance_ids: list[int]) -> dict[int, list[DocumentRef]]:
    """The newest version of each document the cases produced so far."""
    rows = session.execute(
        select(DocumentLink.instance_id, Document).join(Document, Document.id == DocumentLink.document_id)
        .where(DocumentLink.instance_id.in_(instance_ids)).order_by(Document.kind, Document.version)).all()
    newest: dict[int, dict[tuple[str, str], Document]] = defaultdict(dict)
    for instance_id, document in rows:
        newest[instance_id][(document.kind, document.subject)] = document
    return {instance_id: [DocumentRef(d.id, ANNEXES[d.kind].number, d.title, d.status == "ready",
                                      d.created_at.astimezone(CHINA_TZ).date())
                          for d in sorted(docs.values(), key=lambda d: (ANNEXES[d.kind].number, d.id))]
            for instance_id, docs in newest.items()}


def _evidence(instance: ProcessInstance, loaded: _Loaded, today: date) -> Evidence:
    data, variables = instance.data or {}, _variables(instance)
    household = loaded.households.get(household_id_of(instance.business_key) or 0)
    if household is None:
        return Evidence(instance.id, None, None, 0, "", "")
    labels = loaded.labels
    household_type = labels["household_type"].get(household.household_type, household.household_type)
    head = household.head
    figures = _figures(instance, household, loaded)
    hits = data.get(variables.hits) if variables.hits else None
    gaps = data.get(variables.gaps) if variables.gaps else None
    return Evidence(
        instance_id=instance.id, household_id=household.id, head_name=head.name if head else None,
        size=household.size, group_name=household.group_name, household_type=household_type,
        **figures,
        risk_types=[labels["risk_type"].get(code, code) for code in _risk_types(instance, household)],
        votes=_votes(data.get(variables.meeting) if variables.meeting else None, labels),
        objections=_objections(data.get(variables.objections), loaded.outcomes.get(instance.id, [])),
        compared=isinstance(hits, list), hits=mask_id_numbers_in(hits or []),
        gaps=mask_id_numbers_in(gaps or []),
        **_notices(data.get(variables.notice), loaded.notices.get(instance.id, []), today),
        documents=loaded.documents.get(instance.id, []),
        **_criteria(_record(instance, variables.criteria), labels),
        acceptance=_acceptance(_record(instance, variables.acceptance)),
        review=_review(_record(instance, variables.reply), data.get(variables.warnings) if variables.warnings
                       else None),
    )


def _text(value: Any) -> str | None:
    """A free text as shown (ID and phone numbers masked), None when empty."""
    return mask_id_numbers_in(str(value)).strip() or None if value not in (None, "") else None


def _acceptance(record: dict[str, Any]) -> Acceptance | None:
    """The township's acceptance record, each verdict titled as the step's check names it."""
    if "approved" not in record:
        return None
    return Acceptance(
        accepted_on=record.get("accepted_on"), inspectors=[str(n) for n in record.get("inspectors") or []],
        head_signed=record.get("head_signed") is True,
        verdicts=[Verdict(title, record.get(key) is True) for key, title in ACCEPTANCE_VERDICTS.items()],
        approved=record.get("approved") is True, opinion=_text(record.get("opinion")),
        reason=_text(record.get("reason")))


def _review(record: dict[str, Any], warnings: Any) -> Review | None:
    if "approved" not in record:
        return None
    return Review(approved=record.get("approved") is True, reply_reference=_text(record.get("reply_reference")),
                  opinion=_text(record.get("opinion")), reason=_text(record.get("reason")),
                  focused_review=_text(record.get("focused_review")),
                  warnings=[str(w) for w in warnings] if isinstance(warnings, list) else [],
                  warnings_reason=_text(record.get("warnings_reason")))


def _risk_types(instance: ProcessInstance, household: Household) -> list[str]:
    """The risks the visit found; a check that records none (before leaving monitoring) is about the household's."""
    visit = _visit(instance)
    return visit.get("risk_types", household.risk_types) or []


def _criteria(checked: dict[str, Any], labels: dict[str, dict[str, str]]) -> dict[str, Any]:
    """The method and the criteria as the check on site found them (``elimination.Verification.as_dict``)."""
    rows = [c for c in checked.get("criteria") or [] if isinstance(c, dict)]
    if not rows:
        return {}
    method = checked.get("method")
    return {"method": labels["elimination_method"].get(method, method) if method else None,
            "criteria": [Criterion(str(c.get("title", "")), bool(c.get("met")), str(c.get("evidence", "")))
                         for c in rows]}


def _figures(instance: ProcessInstance, household: Household, loaded: _Loaded) -> dict[str, Any]:
    """Income and expenses against the year's standards, and the type the case's decision table suggested with the
    rule that decided it (``monitoring_type.dmn``): the figures it decided on, as it kept them at the visit; a case
    decided before the table kept any is assessed on its visit's measurement."""
    decided = loaded.type_decisions.get(instance.id)
    result = Assessment.from_dict(decisions.figures(decided)) if decided else None
    year = result.year if result else _visit(instance).get("year")
    if result is None:
        measurement = loaded.measurements.get((household.id, year)) if isinstance(year, int) else None
        line = loaded.income_lines.get((household.place_path, year))
        if measurement is None or line is None or household.size == 0:
            return {"year": year if isinstance(year, int) else None}
        warning = loaded.expense_warnings.get((household.place_path, year))
        result = assess(measurement, household.size, household.household_type, line, warning)
    types = loaded.labels["monitoring_type"]
    visit = _record(instance, _variables(instance).assessment)
    measured, suggested = "suggested_type" in visit, visit.get("suggested_type")
    entry = _record(instance, _variables(instance).decision)
    problems = type_problems(entry["monitoring_type"], household.household_type, suggested,
                             entry.get("type_reason"), types, measured) if entry.get("monitoring_type") else {}
    return {
        "year": year, "income": _income(result), "expenses": _expenses(result),
        "guarantee_problems": [GUARANTEE_LABELS.get(flag, flag) for flag in result.guarantee_problems],
        "suggested_type": types.get(suggested, suggested) if suggested else NO_TYPE if measured else NOT_MEASURED,
        "suggested_reason": decisions.rule_text(decided),
        "type_problem": next(iter(problems.values()), None),
    }


def _income(result: Assessment) -> Figure:
    amount, line = result.per_capita_income, result.income_line
    judgement = "低于监测标准线" if amount < line else "等于监测标准线" if amount == line else "高于监测标准线"
    return Figure(amount, line, judgement, amount < line)


def _expenses(result: Assessment) -> Figure:
    amount, warning = result.rigid_expenses, result.expense_warning
    if warning is None:
        return Figure(amount, None, "本年度未设置预警标准", False)
    over = amount > warning
    return Figure(amount, warning, "超过预警标准" if over else "未超过预警标准", over)


def _votes(appraisal: Any, labels: dict[str, dict[str, str]]) -> Votes | None:
    if not isinstance(appraisal, dict):
        return None
    approved = appraisal.get("approved") is True
    return Votes(
        meeting_date=appraisal.get("meeting_date"),
        meeting_form=labels["meeting_form"].get(appraisal.get("meeting_form") or "", ""),
        attendees=appraisal.get("attendees"), votes_for=appraisal.get("votes_for"),
        votes_against=appraisal.get("votes_against"), votes_abstain=appraisal.get("votes_abstain"),
        result="评议通过" if approved else "评议未通过", approved=approved,
        reason=mask_id_numbers_in(appraisal.get("reason")) or None,
    )


def _objections(recorded: Any, outcomes: list[tuple[str, str]]) -> list[Objection]:
    """Each objection with who raised it and what it says (ID and phone numbers masked), and what the re-check found."""
    found = []
    for n, item in enumerate(recorded if isinstance(recorded, list) else []):
        said = item.get("objection") or {}
        rechecked_on, outcome = outcomes[n] if n < len(outcomes) else (None, "待重新核实")
        found.append(Objection(by=shown_text(said.get("by")), content=shown_text(said.get("content")),
                               received_on=item.get("received_on"), outcome=outcome, rechecked_on=rechecked_on))
    return found


def _notices(current: Any, posted: list[Notice], today: date) -> dict[str, Any]:
    """The case's current notice and every notice it posted, each named by its stage; a case whose notices were
    posted before they remembered their case shows its current one alone."""
    shown = [NoticePeriod(notices.period(n), today <= n.ends_on, processes.stage_title(n.stage)) for n in posted]
    now = _notice(current, today)
    return {"notice": now, "notices": shown or ([now] if now else [])}


def _notice(notice: Any, today: date) -> NoticePeriod | None:
    if not isinstance(notice, dict) or not notice.get("starts_on") or not notice.get("ends_on"):
        return None
    ends_on = date.fromisoformat(notice["ends_on"])
    return NoticePeriod(notices.period_of(date.fromisoformat(notice["starts_on"]), ends_on), today <= ends_on,
                        processes.stage_title(notice["stage"]) if notice.get("stage") else "公示")


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value

"""The identification model (processes/identification.bpmn, §4 of domain.md) and its forms.

The model is compiled by the deploy checks, restored from its serialized specs and driven with raw
SpiffWorkflow through every path: the happy path, the channel skip, each rejection, the special case
and both objections. The domain functions are small fakes here; this file tests the model's flow and
its data contract, not the domain.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from SpiffWorkflow.bpmn import BpmnEvent, BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.util.task import TaskState

from engine import runtime
from engine.clock import FrozenClock, using_clock
from engine.deploy import CompiledModel, SourceFile, compile_model, with_forms
from engine.errors import InvalidData
from engine.forms import FormValidator
from engine.sandbox import sandboxed_script_engine
from engine.scripting import ENGINE_FUNCTIONS, add_working_days, end_of_day
from engine.serialization import dump_state, load_specs, load_state
from tests.conftest import model_file_paths
from tests.processes.conventions import assert_drawn_in_lanes, assert_form_conventions, assert_named_in_chinese
from tests.processes.recording_domain import RecordingDomain

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "processes" / "identification.bpmn"
FORMS = ROOT / "forms"
ROLES = {"village", "township", "county", "department", "region", "designer", "admin"}
CST = timezone(timedelta(hours=8))
START = datetime(2026, 3, 2, 9, 0, tzinfo=CST)  # a Monday
FOUND_ON = "2026-03-02"
HOUSEHOLD = 42
FORM_FILES = ["identification_apply.json", "identification_visit.json", "identification_authorize.json",
              "identification_appraisal.json", "review.json", "identification_comparison.json",
              "identification_county_review.json", "identification_entry.json"]


def resident_id(first17: str) -> str:
    """A resident ID number with its GB 11643 check digit."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return first17 + "10X98765432"[sum(int(c) * w for c, w in zip(first17, weights, strict=True)) % 11]


def is_resident_id(value: Any) -> bool:
    if not isinstance(value, str):
        return True
    return len(value) == 18 and value[:17].isdigit() and resident_id(value[:17]) == value.upper()


VALIDATOR = FormValidator({"resident-id": (is_resident_id, "身份证号校验位不正确")})


@pytest.fixture(scope="module")
def model() -> CompiledModel:
    files = [SourceFile(path.name, path.read_bytes()) for path in model_file_paths(MODEL)]
    return compile_model(with_forms(files, FORMS, MODEL.parent), roles=ROLES)


@pytest.fixture(scope="module")
def xml() -> Any:
    return etree.fromstring(MODEL.read_bytes())


# --- submissions a village cadre, a township and a county would make -----------------------------------------

APPLY = {"applied_on": "2026-03-03", "way": "hotline_12317", "applicant_name": "巴特尔",
         "reason": "妻子患大病, 医疗支出大"}
VISIT = {
    "visited_on": "2026-03-05", "visitors": "王书记、驻村工作队李队长", "year": 2025,
    "wage_income": 8000, "business_income": 6000, "property_income": 0, "transfer_income": 3000,
    "business_expenses": 2000, "medical_expense": 42000.5, "uninsured_large_medical": False,
    "risk_types": ["illness"], "approved": True,
}
MEMBERS = [
    {"name": "巴特尔", "id_number": resident_id("15022319800101001"), "relation": "head", "sex": "male",
     "ethnicity": "02", "education": "junior_high", "health": ["healthy"], "labour_skill": "ordinary",
     "work": "本村放牧", "insurance": "resident_medical"},
    {"name": "其其格", "id_number": resident_id("15022319820202002"), "relation": "spouse",
     "health": ["serious_illness", "chronic"], "labour_skill": "lost", "insurance": "resident_medical"},
    {"name": "巴雅尔", "id_number": resident_id("15022320100303003"), "relation": "son", "schooling": "grade_9"},
]
AUTHORIZE = {"approved": True, "signed_by": "proxy", "proxy_name": "其其格之弟", "fingerprint": True,
             "signed_on": "2026-03-06", "members": MEMBERS}
APPRAISAL = {"meeting_date": "2026-03-10", "meeting_form": "representative_meeting", "attendees": 35,
             "votes_for": 33, "votes_against": 2, "approved": True}
TOWNSHIP = {"approved": True, "opinion": "逐户审核, 情况属实"}
COMPARISON_SPECIAL = {"decision": "special_case", "meeting_date": "2026-03-20",
                      "meeting_reasons": "车辆为二手农用三轮车, 价值低于五千元, 会议同意纳入"}
COUNTY = {"approved": True, "review_method": "joint", "reply_reference": "达茂旗乡振批〔2026〕12号"}
ENTRY = {"monitoring_type": "marginal", "risk_types": ["illness", "labour_shortage"], "entry_date": "2026-03-31"}


def rejected(reason: str) -> dict[str, Any]:
    return {"approved": False, "reason": reason}


# --- driving the model ---------------------------------------------------------------------------------------

class FakeDomain(RecordingDomain):
    """Plausible stand-ins for identification's domain functions, recording every call the model makes."""

    NAMES = ("record_application", "record_visit", "record_authorization", "issue_documents", "post_notice",
             "issue_notice_document", "compare_with_departments", "check_comparison_review", "record_rejection",
             "mark_monitored", "check_votes", "start_process")

    def __init__(self, hits: list[dict[str, Any]] | None = None, gaps: list[dict[str, Any]] | None = None) -> None:
        super().__init__()
        self.hits = hits or []
        self.gaps = gaps or []

    def _check_comparison_review(self, review: dict[str, Any], hits: list[Any], gaps: list[Any]) -> None:
        """The domain checks the judgement against the findings (tests/web); the fake keeps only the call."""

    def _record_application(self, application: dict[str, Any]) -> str:
        return application["applied_on"]

    def _record_visit(self, visit: dict[str, Any]) -> dict[str, Any]:
        income = sum(visit[k] for k in ("wage_income", "business_income", "property_income", "transfer_income"))
        per_capita = round((income - visit["business_expenses"]) / 3, 2)
        return {"year": 2026, "household_type": "ordinary", "per_capita_income": per_capita, "income_line": 8300.0,
                "rigid_expenses": 0.0, "expense_warning": None, "guarantee_problems": []}

    def _record_authorization(self, authorization: dict[str, Any], members: list[dict[str, Any]]) -> None:
        return None

    def _compare_with_departments(self) -> dict[str, Any]:
        return {"hits": list(self.hits), "data_gaps": list(self.gaps)}

    def _mark_monitored(self, monitoring_type: str, risk_types: list[str], since: str, type_reason: str | None,
                        risk_note: str | None) -> None:
        return None

    def _start_process(self, key: str, data: dict[str, Any] | None = None) -> None:
        """The engine starts the follow-up case (tests/engine/test_follow_ups.py); the fake keeps only the call."""


class Case:
    """One identification case on raw SpiffWorkflow, restored from the deployed specs, on a frozen clock."""

    def __init__(self, model: CompiledModel, domain: FakeDomain, **start: Any) -> None:
        spec, subprocess_specs = load_specs(model.specs)
        engine = sandboxed_script_engine({**ENGINE_FUNCTIONS, **domain.functions()})
        self.workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=engine)
        self.validators = {name: VALIDATOR.compile(schema) for name, schema in model.forms.items()}
        self.clock = FrozenClock(START)
        self.domain = domain
        for task in self.workflow.get_tasks(state=TaskState.READY):
            task.data.update({"found_on": FOUND_ON, **start})
        self._step()

    def _step(self) -> None:
        with using_clock(self.clock):
            self.workflow.refresh_timers()
            self.workflow.do_engine_steps()

    def ready(self) -> list[str]:
        return sorted(runtime.bpmn_id(t) for t in runtime.ready_human_tasks(self.workflow).values())

    def task(self, bpmn_id: str) -> Any:
        found = [t for t in runtime.ready_human_tasks(self.workflow).values() if runtime.bpmn_id(t) == bpmn_id]
        assert len(found) == 1, f"expected {bpmn_id} to be ready, ready: {self.ready()}"
        return found[0]

    def complete(self, bpmn_id: str, data: dict[str, Any]) -> None:
        """What the API does: validate against the task's form, merge the fields, run the task."""
        task = self.task(bpmn_id)
        VALIDATOR.validate(self.validators[runtime.form_name(task)], data)
        task.data.update(data)
        with using_clock(self.clock):
            task.run()
        self._step()

    def due(self, bpmn_id: str) -> date:
        task = self.task(bpmn_id)
        with using_clock(self.clock):
            return self.workflow.script_engine.evaluate(task, runtime.due_expression(task))

    def waiting(self) -> set[tuple[str, str | None]]:
        return {(item["type"], item.get("name")) for item in runtime.waiting_for(self.workflow).items}

    def object(self, payload: dict[str, Any]) -> None:
        with using_clock(self.clock):
            self.workflow.send_event(BpmnEvent(MessageEventDefinition("objection"), payload))
        self._step()

    def pass_time(self, delta: timedelta) -> None:
        self.clock.advance(delta)
        self._step()

    def notice_ends(self) -> datetime:
        """When the posted notice has run out: the end of its last day, China time."""
        return end_of_day(self.data["notice"]["ends_on"])

    def pass_notice(self) -> None:
        """To a minute after the notice's last day: Spiff fires a timer strictly after its time."""
        self.pass_time(self.notice_ends() + timedelta(minutes=1) - self.clock.now())

    @property
    def data(self) -> dict[str, Any]:
        return runtime.final_data(self.workflow)

    @property
    def end(self) -> str | None:
        return runtime.end_reached(self.workflow).get("end") if self.workflow.is_completed() else None


def through_visit(case: Case) -> None:
    case.complete("apply", APPLY)
    case.complete("visit", VISIT)


def through_authorize(case: Case) -> None:
    through_visit(case)
    case.complete("authorize", AUTHORIZE)


def through_appraisal(case: Case) -> None:
    through_authorize(case)
    case.complete("appraisal", APPRAISAL)


def through_first_notice(case: Case) -> None:
    through_appraisal(case)
    case.pass_notice()


def through_township(case: Case) -> None:
    through_first_notice(case)
    case.complete("township_review", TOWNSHIP)


def through_county(case: Case) -> None:
    through_township(case)
    case.complete("county_review", COUNTY)


# --- the model deploys and is well formed --------------------------------------------------------------------

def test_the_model_deploys_with_its_forms(model):
    assert model.key == "identification"
    assert model.name == "识别监测对象"
    assert model.start_role == "village"
    assert sorted(model.forms) == sorted(FORM_FILES)


def test_every_user_task_has_a_lane_named_by_a_role_and_a_form_that_exists(model, xml):
    spec, _ = load_specs(model.specs)
    user_tasks = {name: task for name, task in spec.task_specs.items() if task.manual}
    assert set(user_tasks) == {"apply", "visit", "authorize", "appraisal", "township_review", "comparison_review",
                               "county_review", "entry"}
    lanes = {name: task.lane for name, task in user_tasks.items()}
    assert lanes == {"apply": "village", "visit": "village", "authorize": "village", "appraisal": "village",
                     "township_review": "township", "comparison_review": "county", "county_review": "county",
                     "entry": "county"}
    for name, task in user_tasks.items():
        form = task.extensions["properties"]["formJsonSchemaFilename"]
        assert (FORMS / form).is_file(), f"{name}: {form}"


def test_every_element_is_named_in_chinese(xml):
    assert_named_in_chinese(xml, 37)


def test_the_diagram_draws_every_element_inside_its_lane_left_to_right(xml):
    assert_drawn_in_lanes(xml, "identification_participant", ["village", "township", "county"],
                          ["start", "apply", "visit", "authorize", "appraisal", "township_review", "compare",
                           "county_review", "entry", "end_monitored"])


# --- the forms -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", FORM_FILES)
def test_each_form_is_a_draft_2020_12_schema_with_chinese_titles_and_closed_objects(name):
    assert_form_conventions(FORMS / name)


@pytest.mark.parametrize(("name", "data"), [
    ("identification_apply.json", APPLY),
    ("identification_apply.json",
     {"way": "proxy", "applicant_name": "巴特尔", "proxy_name": "其其格", "reason": "因病"}),
    ("identification_visit.json", VISIT),
    ("identification_visit.json", {**VISIT, "risk_types": [], "approved": False, "reason": "人均纯收入高于监测标准"}),
    ("identification_authorize.json", AUTHORIZE),
    ("identification_authorize.json",
     {"approved": True, "signed_by": "head", "signed_on": "2026-03-06", "members": MEMBERS[:1]}),
    ("identification_authorize.json", {"approved": False, "reason": "户主不同意查询存款"}),
    ("identification_appraisal.json", APPRAISAL),
    ("review.json", TOWNSHIP),
    ("identification_comparison.json", COMPARISON_SPECIAL),
    ("identification_comparison.json", {"decision": "strike", "reason": "家庭拥有轿车一辆"}),
    ("identification_county_review.json", COUNTY),
    ("identification_county_review.json", {"approved": False, "review_method": "sampling", "reason": "抽查不实"}),
    ("identification_entry.json", ENTRY),
])
def test_the_forms_accept_what_a_cadre_submits(name, data):
    VALIDATOR.validate(VALIDATOR.compile(json.loads((FORMS / name).read_text(encoding="utf-8"))), data)


@pytest.mark.parametrize(("name", "data", "field"), [
    ("identification_apply.json", {**APPLY, "way": "proxy"}, "proxy_name"),
    ("identification_apply.json", {**APPLY, "way": "fax"}, "way"),
    ("identification_visit.json", {**VISIT, "approved": False}, "reason"),
    ("identification_visit.json", {**VISIT, "risk_types": []}, "risk_types"),
    ("identification_visit.json", {**VISIT, "wage_income": -1}, "wage_income"),
    ("identification_visit.json", {**VISIT, "visited_on": "2026-3-5"}, "visited_on"),
    ("identification_visit.json", {**VISIT, "risk_types": ["illness", "disability", "schooling", "disaster",
                                                           "accident", "other"]}, "risk_types"),
    ("identification_visit.json", {**VISIT, "risk_types": ["illness", "illness"]}, "risk_types"),
    ("identification_visit.json", {**VISIT, "income": 1}, "income"),
    ("identification_authorize.json", {**AUTHORIZE, "fingerprint": False}, "fingerprint"),
    ("identification_authorize.json", {"approved": False}, "reason"),
    ("identification_authorize.json", {"approved": True, "signed_by": "head", "signed_on": "2026-03-06"}, "members"),
    ("identification_authorize.json", {**AUTHORIZE, "members": MEMBERS[1:]}, "members"),
    ("identification_authorize.json", {**AUTHORIZE, "members": [MEMBERS[0], {**MEMBERS[1], "relation": "head"}]},
     "members"),
    ("identification_authorize.json",
     {**AUTHORIZE, "members": [{**MEMBERS[0], "id_number": MEMBERS[0]["id_number"][:17] + "0"}]},
     "members.0.id_number"),
    ("identification_authorize.json",
     {**AUTHORIZE, "members": [{**MEMBERS[0], "health": ["healthy", "chronic"]}]}, "members.0.health"),
    ("identification_appraisal.json", {**APPRAISAL, "meeting_form": "party"}, "meeting_form"),
    ("review.json", {"approved": False, "reason": ""}, "reason"),
    ("identification_comparison.json", {"decision": "special_case"}, "meeting_date"),
    ("identification_comparison.json", {"decision": "strike"}, "reason"),
    ("identification_county_review.json", {"approved": True, "review_method": "joint"}, "reply_reference"),
    ("identification_entry.json", {**ENTRY, "risk_types": []}, "risk_types"),
    ("identification_entry.json", {**ENTRY, "monitoring_type": "poor"}, "monitoring_type"),
    ("identification_entry.json", {**ENTRY, "risk_types": ["other"]}, "risk_note"),
])
def test_the_forms_refuse_what_the_rules_forbid(name, data, field):
    with pytest.raises(InvalidData) as caught:
        VALIDATOR.validate(VALIDATOR.compile(json.loads((FORMS / name).read_text(encoding="utf-8"))), data)
    assert field in caught.value.fields, caught.value.fields


# --- running the model -----------------------------------------------------------------------------------------

def test_the_happy_path_from_application_to_monitoring(model):
    domain = FakeDomain()
    case = Case(model, domain, channel="self_declared")
    assert case.ready() == ["apply"]
    case.complete("apply", APPLY)
    assert case.ready() == ["visit"]
    assert case.due("visit") == add_working_days("2026-03-03", 5) == date(2026, 3, 10)
    case.complete("visit", VISIT)
    case.complete("authorize", AUTHORIZE)
    case.complete("appraisal", APPRAISAL)

    assert case.ready() == []
    assert case.waiting() == {("timer", None), ("message", "objection")}
    assert case.data["notice"]["ends_on"] == "2026-03-07"
    case.pass_time(case.notice_ends() - timedelta(minutes=1) - case.clock.now())
    assert case.ready() == [], "the notice runs to the end of its last day, China time"
    case.pass_time(timedelta(minutes=2))
    case.complete("township_review", TOWNSHIP)
    assert case.ready() == ["county_review"], "no department hit: straight to the county"
    case.complete("county_review", COUNTY)
    assert case.waiting() == {("timer", None), ("message", "objection")}
    case.pass_notice()
    case.complete("entry", ENTRY)

    assert case.end == "end_monitored"
    application = {**APPLY, "proxy_name": None}
    left_empty = ["claims_income", "education_expense", "housing_expense", "water_expense", "property_loss",
                  "dropout", "unsafe_house", "unsafe_water", "reason"]
    visit = {**dict.fromkeys(left_empty), **VISIT}
    authorization = {**{k: v for k, v in AUTHORIZE.items() if k != "members"}, "signed_scan": None, "reason": None}
    assert domain.calls == [
        ("record_application", (application,)),
        ("record_visit", (visit,)),
        ("record_authorization", (authorization, MEMBERS)),
        ("issue_documents", (["annex1", "annex7"], "authorize")),
        ("check_votes", ({**APPRAISAL, "votes_abstain": None, "reason": None}, "attendees")),
        ("post_notice", ("identification_first", 5)),
        ("issue_notice_document", (1, "appraisal")),
        ("compare_with_departments", ()),
        ("post_notice", ("identification_second", 5)),
        ("issue_notice_document", (2, "county_review")),
        ("mark_monitored", ("marginal", ["illness", "labour_shortage"], "2026-03-31", None, None)),
        ("start_process", ("assistance",)),  # the county's departmental consultation follows the entry
    ]
    data = case.data
    assert data["applied_on"] == "2026-03-03"
    assert data["application"] == application
    assert data["visit"] == visit
    assert data["visit_result"] == {  # the figures, and the type monitoring_type.dmn's second row gives them
        "year": 2026, "household_type": "ordinary", "per_capita_income": 5000.0, "income_line": 8300.0,
        "rigid_expenses": 0.0, "expense_warning": None, "guarantee_problems": [], "suggested_type": "marginal"}
    assert data["authorization"] == authorization
    assert "members" not in data, "ID numbers go to the household record, never into the case"
    assert data["appraisal"] == {**APPRAISAL, "votes_abstain": None, "reason": None}
    assert data["township_review"] == {**TOWNSHIP, "reason": None}
    assert data["exclusion_hits"] == [] and data["data_gaps"] == []
    assert data["county_review"] == {**COUNTY, "reason": None, "opinion": None}
    assert data["entry"] == {**ENTRY, "type_reason": None, "risk_note": None}
    assert data["notice"] == {"notice_id": 2, "starts_on": "2026-03-08", "ends_on": "2026-03-13",
                              "stage": "identification_second"}
    assert data["rejected_step"] is None and data["objections"] == []
    flat = {"approved", "reason", "way", "visited_on", "members", "decision", "monitoring_type", "risk_types"}
    assert flat.isdisjoint(data), "form fields live only in their step's dict"


@pytest.mark.parametrize("channel", ["cadre_screening", "department_warning", "social_supervision"])
def test_cases_found_by_others_skip_the_application_and_start_at_the_visit(model, channel):
    domain = FakeDomain()
    case = Case(model, domain, channel=channel)
    assert case.ready() == ["visit"]
    assert runtime.lane(case.task("visit")) == "village"
    assert case.due("visit") == add_working_days(FOUND_ON, 5) == date(2026, 3, 9)
    assert case.data["applied_on"] == FOUND_ON
    case.complete("visit", VISIT)
    assert case.ready() == ["authorize"]
    assert "application" not in case.data and domain.called("record_application") == []


def test_an_unknown_channel_stops_the_case_at_once(model):
    with pytest.raises(SpiffWorkflowException, match="发现渠道无效"):
        Case(model, FakeDomain(), channel="rumour")


REJECTIONS = [
    ("visit", lambda case: case.complete("apply", APPLY),
     lambda case: case.complete("visit", {**VISIT, "risk_types": [], "approved": False, "reason": "人均收入高于标准"}),
     "人均收入高于标准"),
    ("authorize", through_visit,
     lambda case: case.complete("authorize", {"approved": False, "reason": "户主不同意授权查询存款"}),
     "户主不同意授权查询存款"),
    ("appraisal", through_authorize,
     lambda case: case.complete("appraisal", {**APPRAISAL, "votes_for": 10, "approved": False, "reason": "多数不同意"}),
     "多数不同意"),
    ("township_review", through_first_notice,
     lambda case: case.complete("township_review", rejected("家中新购轿车")),
     "家中新购轿车"),
    ("comparison_review", through_township,
     lambda case: case.complete("comparison_review", {"decision": "strike", "reason": "公安比对: 登记轿车一辆"}),
     "公安比对: 登记轿车一辆"),
    ("county_review", through_township,
     lambda case: case.complete("county_review", {"approved": False, "review_method": "focused", "reason": "核查不实"}),
     "核查不实"),
]


@pytest.mark.parametrize(("step", "before", "reject", "reason"), REJECTIONS, ids=[r[0] for r in REJECTIONS])
def test_a_rejection_at_any_step_ends_with_the_reason_told_to_the_household(model, step, before, reject, reason):
    hits = [{"department": "police", "exclusion": "E3", "detail": "小型轿车 蒙B·12345"}]
    domain = FakeDomain(hits=hits if step == "comparison_review" else [])
    case = Case(model, domain, channel="self_declared")
    before(case)
    assert case.ready() == [step]
    reject(case)
    assert case.end == "end_rejected"
    assert domain.called("record_rejection") == [(step, reason)]
    assert domain.called("mark_monitored") == [] and domain.called("start_process") == []
    assert case.data["rejected_step"] == step and case.data["rejection_reason"] == reason


def test_a_department_hit_goes_to_the_county_and_a_special_case_continues(model):
    hits = [{"department": "police", "exclusion": "E3", "detail": "农用三轮车"}]
    domain = FakeDomain(hits=hits)
    case = Case(model, domain, channel="self_declared")
    through_township(case)
    assert case.ready() == ["comparison_review"]
    assert runtime.lane(case.task("comparison_review")) == "county"
    assert case.data["exclusion_hits"] == hits
    case.complete("comparison_review", COMPARISON_SPECIAL)
    assert case.data["comparison"] == {**COMPARISON_SPECIAL, "reason": None, "gaps_reason": None}
    assert domain.called("check_comparison_review") == [(case.data["comparison"], hits, [])]
    case.complete("county_review", COUNTY)
    case.pass_notice()
    case.complete("entry", ENTRY)
    assert case.end == "end_monitored"


def test_an_objection_during_the_first_notice_sends_the_case_back_to_the_visit(model):
    domain = FakeDomain()
    case = Case(model, domain, channel="self_declared")
    through_appraisal(case)
    first_visit = case.data["visit"]
    case.pass_time(timedelta(days=2))
    case.object({"by": "村民李某", "content": "家中有大额存款"})

    assert case.ready() == ["visit"]
    assert case.waiting() == set()
    assert case.due("visit") == add_working_days("2026-03-04", 5), "re-verification has its own five working days"
    assert case.data["objection"] == {"by": "村民李某", "content": "家中有大额存款"}
    assert case.data["objections"] == [{"stage": "identification_first", "notice_id": 1, "received_on": "2026-03-04",
                                        "objection": {"by": "村民李某", "content": "家中有大额存款"},
                                        "visit": first_visit}]
    case.complete("visit", {**VISIT, "visited_on": "2026-03-05"})
    assert case.ready() == ["appraisal"], "the authorization letter is already signed"
    case.complete("appraisal", APPRAISAL)
    assert [args[0] for args in domain.called("post_notice")] == ["identification_first", "identification_first"]

    assert case.data["notice"]["starts_on"] == "2026-03-04"
    case.pass_time(case.notice_ends() - timedelta(minutes=1) - case.clock.now())
    assert case.ready() == [], "the notice period starts again when it is posted again"
    case.pass_time(timedelta(minutes=2))
    assert case.ready() == ["township_review"]
    assert len(domain.called("record_visit")) == 2
    assert len(domain.called("record_authorization")) == 1


def test_an_objection_during_the_second_notice_also_goes_back_to_the_visit(model):
    domain = FakeDomain()
    case = Case(model, domain, channel="self_declared")
    through_county(case)
    assert case.waiting() == {("timer", None), ("message", "objection")}
    case.object({"by": "匿名", "content": "子女在城里买房"})
    assert case.ready() == ["visit"]
    assert case.data["objections"][-1]["stage"] == "identification_second"

    case.complete("visit", VISIT)
    case.complete("appraisal", APPRAISAL)
    case.pass_notice()
    case.complete("township_review", TOWNSHIP)
    case.complete("county_review", COUNTY)
    case.pass_notice()
    case.complete("entry", ENTRY)
    assert case.end == "end_monitored"
    assert [args[0] for args in domain.called("post_notice")] == [
        "identification_first", "identification_second", "identification_first", "identification_second"]


def test_a_case_survives_serialization_between_steps(model):
    """What the engine does between requests: dump the state, restore it against the deployed specs."""
    domain = FakeDomain()
    case = Case(model, domain, channel="cadre_screening")
    case.complete("visit", VISIT)
    case.complete("authorize", AUTHORIZE)
    case.complete("appraisal", APPRAISAL)
    spec, subprocess_specs = load_specs(model.specs)
    case.workflow = load_state(dump_state(case.workflow), spec, subprocess_specs, case.workflow.script_engine)
    case.pass_notice()
    assert case.ready() == ["township_review"]
    assert case.data["authorization"]["signed_by"] == "proxy"


def test_missing_department_data_goes_to_the_county_which_confirms_it(model):
    gaps = [{"dataset": "vehicles", "dataset_label": "车辆登记", "uploaded_on": None, "problem": "missing"}]
    domain = FakeDomain(gaps=gaps)
    case = Case(model, domain, channel="self_declared")
    through_township(case)
    assert case.ready() == ["comparison_review"], "no hit, but missing data is never taken for 'no hit'"
    assert case.data["data_gaps"] == gaps
    review = {"decision": "confirm", "gaps_reason": "已电话向公安局核实, 无车辆登记"}
    case.complete("comparison_review", review)
    assert domain.called("check_comparison_review") == [(case.data["comparison"], [], gaps)]
    assert case.ready() == ["county_review"]


def test_a_household_that_refuses_to_sign_keeps_no_members_in_the_case(model):
    domain = FakeDomain()
    case = Case(model, domain, channel="cadre_screening")
    case.complete("visit", VISIT)
    case.complete("authorize", {"approved": False, "reason": "不愿授权", "members": MEMBERS})
    assert case.end == "end_rejected"
    assert domain.called("record_authorization") == [] and domain.called("issue_documents") == []
    assert "members" not in case.data

"""The risk elimination model (processes/risk_elimination.bpmn, §6 of domain.md) and its forms.

The model is compiled by the deploy checks, restored from its serialized specs and driven with raw
SpiffWorkflow through every path: the way out, each rejection, both objections, and the wait for a marking
window (one that is set ahead, and one a county has not set yet). The domain functions are small fakes here;
this file tests the model's flow and its data contract, tests/web/test_risk_elimination.py the domain.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from SpiffWorkflow.exceptions import SpiffWorkflowException

from engine.deploy import NS, CompiledModel, SourceFile, compile_model, with_forms
from engine.errors import InvalidData
from engine.scripting import today
from engine.serialization import dump_state, load_specs, load_state
from monitoring import processes
from monitoring.documents.annexes import ANNEXES
from monitoring.models import Household, Measurement
from monitoring.prefill import prefill
from tests.processes.conventions import assert_drawn_in_lanes, assert_form_conventions, assert_named_in_chinese
from tests.processes.recording_domain import RecordingDomain
from tests.processes.test_identification_model import CST, ROLES, VALIDATOR, Case

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "processes" / "risk_elimination.bpmn"
FORMS = ROOT / "forms"
FORM_FILES = ["risk_elimination_verification.json", "risk_elimination_appraisal.json",
              "risk_elimination_acceptance.json", "risk_elimination_county_review.json",
              "risk_elimination_marking.json"]


@pytest.fixture(scope="module")
def model() -> CompiledModel:
    return compile_model(with_forms([SourceFile(MODEL.name, MODEL.read_bytes())], FORMS, MODEL.parent), roles=ROLES)


@pytest.fixture(scope="module")
def xml() -> Any:
    return etree.fromstring(MODEL.read_bytes())


# --- what a village, a township and a county submit ------------------------------------------------------------

VERIFICATION = {
    "visited_on": "2026-03-03", "visitors": "村两委 张三、驻村工作队 李四", "method": "assisted", "year": 2026,
    "wage_income": 18000, "business_income": 6000, "property_income": 0, "transfer_income": 2000,
    "business_expenses": 2000, "medical_expense": 1500,
    "measures_note": "家庭医生签约已完成，公益岗位在岗", "guarantees_note": "已参保，无辍学，住房饮水安全",
    "income_note": "务工收入稳定", "expenses_note": "医疗支出经报销后自付较少", "approved": True,
}
APPRAISAL = {"meeting_date": "2026-03-04", "meeting_form": "representative_meeting", "attendees": 30,
             "votes_for": 28, "votes_against": 2, "approved": True}
ACCEPTANCE = {"accepted_on": "2026-03-11", "inspectors": ["王镇长", "刘干事"], "head_signed": True,
              "measures_ok": True, "guarantees_ok": True, "income_ok": True, "expenses_ok": True, "approved": True,
              "opinion": "逐户验收，符合标准"}
COUNTY = {"approved": True, "reply_reference": "达旗乡振批〔2026〕31号", "opinion": "同意"}
MARKING = {"annex7_collected": True, "marked_on": "2026-03-20"}
WARNINGS = ["监测不足6个月：自2026年1月10日起监测，至今1个月"]


def rejected(reason: str) -> dict[str, Any]:
    return {"approved": False, "reason": reason}


class FakeDomain(RecordingDomain):
    """Plausible stand-ins for the domain functions, recording every call the model makes.

    Marking is open inside ``windows`` (first and last day); ``opens_on`` is what the county has set ahead.
    """

    NAMES = ("verify_elimination", "check_votes", "post_notice", "issue_notice_document", "check_acceptance",
             "issue_documents", "review_warnings", "check_elimination_review", "marking_window_open",
             "marking_window_opens_on", "mark_eliminated", "record_rejection")

    def __init__(self, windows: list[tuple[date, date]] | None = None, warnings: list[str] | None = None) -> None:
        super().__init__()
        self.windows = list(windows) if windows is not None else [(date(2026, 3, 1), date(2026, 3, 31))]
        self.warnings = warnings or []

    def _verify_elimination(self, verification: dict[str, Any], min_measurements: int, months_apart: int) -> dict:
        return {"method": verification["method"], "year": 2026, "per_capita_income": 12000.0,
                "income_line": 8900.0, "stable": True, "criteria": [], "unmet": []}

    def _check_acceptance(self, acceptance: dict[str, Any]) -> None:
        if len(acceptance["inspectors"]) < 2:
            raise InvalidData("验收信息与验收结论不符", {"inspectors": "验收人员至少2人"})

    def _review_warnings(self, method: str, min_months: int) -> list[str]:
        return list(self.warnings)

    def _check_elimination_review(self, review: dict[str, Any], warnings: list[str]) -> None:
        if review["approved"] and warnings and not review["warnings_reason"]:
            raise InvalidData("县级审定信息不全", {"warnings_reason": "须说明确认理由"})

    def _marking_window_open(self) -> bool:
        return any(first <= today() <= last for first, last in self.windows)

    def _marking_window_opens_on(self) -> str | None:
        ahead = [max(first, today()) for first, last in self.windows if last >= today()]
        return min(ahead).isoformat() if ahead else None

    def _mark_eliminated(self, marking: dict[str, Any]) -> list[str]:
        return ["健康帮扶·家庭医生签约（已完成）"]


def elimination(model: CompiledModel, domain: FakeDomain, method: str = "assisted") -> Case:
    return Case(model, domain, method=method)


def through_appraisal(case: Case) -> None:
    case.complete("verification", VERIFICATION)
    case.complete("appraisal", APPRAISAL)


def through_first_notice(case: Case) -> None:
    through_appraisal(case)
    case.pass_notice()


def through_county(case: Case) -> None:
    through_first_notice(case)
    case.complete("acceptance", ACCEPTANCE)
    case.complete("county_review", COUNTY)


# --- the model deploys and is well formed --------------------------------------------------------------------

def test_the_model_deploys_with_its_forms(model):
    assert model.key == "risk_elimination"
    assert model.name == "风险消除"
    assert model.start_role == "village"
    assert sorted(model.forms) == sorted(FORM_FILES)


def test_the_five_steps_are_user_tasks_in_the_lanes_of_the_levels_that_do_them(model):
    spec, _ = load_specs(model.specs)
    user_tasks = {name: task for name, task in spec.task_specs.items() if task.manual}
    assert {name: task.lane for name, task in user_tasks.items()} == {
        "verification": "village", "appraisal": "village", "acceptance": "township", "county_review": "county",
        "marking": "county"}
    batches = {name: task.extensions["properties"].get("batch") for name, task in user_tasks.items()}
    assert batches == {"verification": None, "appraisal": "true", "acceptance": "parent", "county_review": "parent",
                       "marking": None}
    for name, task in user_tasks.items():
        assert (FORMS / task.extensions["properties"]["formJsonSchemaFilename"]).is_file(), name


def test_every_element_is_named_in_chinese(xml):
    assert_named_in_chinese(xml, 30)


def test_the_diagram_draws_every_element_and_flow_inside_its_lane_left_to_right(xml):
    assert_drawn_in_lanes(xml, "risk_elimination_participant", ["village", "township", "county"],
                          ["start", "verification", "appraisal", "acceptance", "county_review", "marking",
                           "end_eliminated"])


def test_the_designer_sets_the_stability_rule_the_notice_days_and_the_warnings_in_the_model(xml):
    scripts = "\n".join(xml.xpath("//bpmn:script/text() | //spiffworkflow:postScript/text()", namespaces=NS))
    assert "verify_elimination(verification, min_measurements=2, months_apart=6)" in scripts
    assert 'post_notice("elimination_first", 5)' in scripts and 'post_notice("elimination_second", 5)' in scripts
    assert 'review_warnings(verification["method"], min_months=6)' in scripts


# --- the forms -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", FORM_FILES)
def test_each_form_is_a_draft_2020_12_schema_with_chinese_titles_and_closed_objects(name):
    assert_form_conventions(FORMS / name)


@pytest.mark.parametrize(("name", "data"), [
    ("risk_elimination_verification.json", VERIFICATION),
    ("risk_elimination_verification.json", {**VERIFICATION, "method": "natural", "approved": False,
                                            "reason": "收入尚不稳定，继续帮扶"}),
    ("risk_elimination_appraisal.json", APPRAISAL),
    ("risk_elimination_acceptance.json", ACCEPTANCE),
    ("risk_elimination_acceptance.json", {**ACCEPTANCE, "income_ok": False, "approved": False, "reason": "收入不稳"}),
    ("risk_elimination_county_review.json", COUNTY),
    ("risk_elimination_county_review.json", {**COUNTY, "focused_review": "逐项核实两项风险已消除",
                                             "warnings_reason": "务工收入稳定，经会商同意"}),
    ("risk_elimination_county_review.json", rejected("抽查发现收入不实")),
    ("risk_elimination_marking.json", MARKING),
])
def test_the_forms_accept_what_officials_submit(name, data):
    VALIDATOR.validate(VALIDATOR.compile(json.loads((FORMS / name).read_text(encoding="utf-8"))), data)


@pytest.mark.parametrize(("name", "data", "field"), [
    ("risk_elimination_verification.json", {**VERIFICATION, "method": "by_quota"}, "method"),
    ("risk_elimination_verification.json", {**VERIFICATION, "approved": False}, "reason"),
    ("risk_elimination_verification.json", {**VERIFICATION, "income_note": ""}, "income_note"),
    ("risk_elimination_verification.json", {k: v for k, v in VERIFICATION.items() if k != "measures_note"},
     "measures_note"),
    ("risk_elimination_verification.json", {**VERIFICATION, "wage_income": -1}, "wage_income"),
    ("risk_elimination_verification.json", {**VERIFICATION, "per_capita_income": 12000}, "per_capita_income"),
    ("risk_elimination_appraisal.json", {**APPRAISAL, "approved": False}, "reason"),
    ("risk_elimination_acceptance.json", {**ACCEPTANCE, "inspectors": ["王镇长", "王镇长"]}, "inspectors"),
    ("risk_elimination_acceptance.json", {k: v for k, v in ACCEPTANCE.items() if k != "head_signed"}, "head_signed"),
    ("risk_elimination_acceptance.json", {**ACCEPTANCE, "approved": False}, "reason"),
    ("risk_elimination_county_review.json", {"approved": True}, "reply_reference"),
    ("risk_elimination_county_review.json", {"approved": False}, "reason"),
    ("risk_elimination_marking.json", {"annex7_collected": True}, "marked_on"),
    ("risk_elimination_marking.json", {**MARKING, "method": "natural"}, "method"),
])
def test_the_forms_refuse_what_the_rules_forbid(name, data, field):
    with pytest.raises(InvalidData) as caught:
        VALIDATOR.validate(VALIDATOR.compile(json.loads((FORMS / name).read_text(encoding="utf-8"))), data)
    assert field in caught.value.fields, caught.value.fields


# --- running the model -----------------------------------------------------------------------------------------

def test_the_way_out_from_verification_to_marking(model):
    domain = FakeDomain()
    case = elimination(model, domain)
    assert case.ready() == ["verification"]
    case.complete("verification", VERIFICATION)
    case.complete("appraisal", APPRAISAL)
    assert case.ready() == []
    assert case.waiting() == {("timer", None), ("message", "objection")}
    assert case.data["notice"] == {"notice_id": 1, "starts_on": "2026-03-02", "ends_on": "2026-03-07",
                                   "stage": "elimination_first"}
    case.pass_time(case.notice_ends() - timedelta(minutes=1) - case.clock.now())
    assert case.ready() == [], "the notice runs to the end of its last day, China time"
    case.pass_time(timedelta(minutes=2))
    case.complete("acceptance", ACCEPTANCE)
    case.complete("county_review", COUNTY)
    assert case.waiting() == {("timer", None), ("message", "objection")}
    assert case.data["notice"]["stage"] == "elimination_second"
    case.pass_notice()
    assert case.ready() == ["marking"], "inside the window: straight to the marking"
    case.complete("marking", MARKING)

    assert case.end == "end_eliminated"
    verification = {**dict.fromkeys(["claims_income", "education_expense", "housing_expense", "water_expense",
                                     "property_loss", "dropout", "uninsured_large_medical", "unsafe_house",
                                     "unsafe_water", "reason"]), **VERIFICATION}
    acceptance = {**ACCEPTANCE, "reason": None}
    county_review = {**COUNTY, "reason": None, "focused_review": None, "warnings_reason": None}
    marking = {**MARKING, "method": "assisted"}
    assert domain.calls == [
        ("verify_elimination", (verification, 2, 6)),
        ("check_votes", ({**APPRAISAL, "votes_abstain": None, "reason": None}, "attendees")),
        ("post_notice", ("elimination_first", 5)),
        ("issue_notice_document", (1, "appraisal")),
        ("check_acceptance", (acceptance,)),
        ("issue_documents", (["annex5"], "acceptance")),
        ("review_warnings", ("assisted", 6)),
        ("check_elimination_review", (county_review, [])),
        ("post_notice", ("elimination_second", 5)),
        ("issue_notice_document", (2, "county_review")),
        ("marking_window_open", ()),
        ("mark_eliminated", (marking,)),
        ("issue_documents", (["annex7"], "marking")),
    ]
    data = case.data
    assert data["method"] == "assisted" and data["found_on"] == "2026-03-02"
    assert data["verification"] == verification
    assert data["verification_result"]["stable"] is True
    assert data["appraisal"] == {**APPRAISAL, "votes_abstain": None, "reason": None}
    assert data["acceptance"] == acceptance
    assert data["elimination_warnings"] == []
    assert data["county_review"] == county_review
    assert data["marking"] == {**marking, "measures": ["健康帮扶·家庭医生签约（已完成）"]}
    assert data["rejected_step"] is None and data["objections"] == []
    flat = {"approved", "reason", "visited_on", "inspectors", "head_signed", "marked_on", "annex7_collected",
            "focused_review", "accepted_on", "meeting_date"}
    assert flat.isdisjoint(data), "form fields live only in their step's record"


def test_the_method_is_the_one_verified_on_site(model):
    domain = FakeDomain()
    case = elimination(model, domain, method="assisted")
    case.complete("verification", {**VERIFICATION, "method": "natural"})
    assert case.data["method"] == "natural" and case.data["verification"]["method"] == "natural"


def test_an_unknown_method_stops_the_case_at_once(model):
    with pytest.raises(SpiffWorkflowException, match="风险消除方式无效"):
        elimination(model, FakeDomain(), method="quota")


REJECTIONS = [
    ("verification", lambda case: None,
     lambda case: case.complete("verification", {**VERIFICATION, "approved": False, "reason": "收入尚不稳定"}),
     "收入尚不稳定"),
    ("appraisal", lambda case: case.complete("verification", VERIFICATION),
     lambda case: case.complete("appraisal", {**APPRAISAL, "votes_for": 5, "votes_against": 25, "approved": False,
                                              "reason": "多数认为风险未消除"}),
     "多数认为风险未消除"),
    ("acceptance", through_first_notice,
     lambda case: case.complete("acceptance", {**ACCEPTANCE, "income_ok": False, "approved": False,
                                               "reason": "务工收入不稳定"}),
     "务工收入不稳定"),
    ("county_review", lambda case: (through_first_notice(case), case.complete("acceptance", ACCEPTANCE)),
     lambda case: case.complete("county_review", rejected("抽查发现收入不实")),
     "抽查发现收入不实"),
]


@pytest.mark.parametrize(("step", "before", "reject", "reason"), REJECTIONS, ids=[r[0] for r in REJECTIONS])
def test_a_rejection_at_any_step_keeps_the_household_monitored_with_the_reason(model, step, before, reject, reason):
    domain = FakeDomain()
    case = elimination(model, domain)
    before(case)
    assert case.ready() == [step]
    reject(case)
    assert case.end == "end_rejected"
    assert domain.called("record_rejection") == [(step, reason)]
    assert domain.called("mark_eliminated") == [] and domain.called("post_notice")[2:] == []
    assert case.data["rejected_step"] == step and case.data["rejection_reason"] == reason


def test_a_rejected_acceptance_still_issues_its_checklist(model):
    domain = FakeDomain()
    case = elimination(model, domain)
    through_first_notice(case)
    case.complete("acceptance", {**ACCEPTANCE, "income_ok": False, "approved": False, "reason": "务工收入不稳定"})
    assert domain.called("issue_documents") == [(["annex5"], "acceptance")]


def test_an_objection_during_the_first_notice_sends_the_case_back_to_verification(model):
    domain = FakeDomain()
    case = elimination(model, domain)
    through_appraisal(case)
    first = case.data["verification"]
    case.pass_time(timedelta(days=2))
    case.object({"by": "本村村民 王五", "content": "该户仍有大额医疗欠款"})

    assert case.ready() == ["verification"] and case.waiting() == set()
    assert case.data["objections"] == [{"stage": "elimination_first", "notice_id": 1, "received_on": "2026-03-04",
                                        "objection": {"by": "本村村民 王五", "content": "该户仍有大额医疗欠款"},
                                        "verification": first}]
    case.complete("verification", {**VERIFICATION, "visited_on": "2026-03-05"})
    case.complete("appraisal", APPRAISAL)
    assert case.data["notice"]["starts_on"] == "2026-03-04", "the notice starts again when posted again"
    case.pass_notice()
    assert case.ready() == ["acceptance"]
    assert len(domain.called("verify_elimination")) == 2


def test_an_objection_during_the_second_notice_also_goes_back_to_verification(model):
    domain = FakeDomain()
    case = elimination(model, domain)
    through_county(case)
    case.object({"by": "匿名", "content": "家中新购轿车"})
    assert case.ready() == ["verification"]
    assert case.data["objections"][-1]["stage"] == "elimination_second"
    through_first_notice(case)
    case.complete("acceptance", ACCEPTANCE)
    case.complete("county_review", COUNTY)
    case.pass_notice()
    case.complete("marking", MARKING)
    assert case.end == "end_eliminated"
    assert [args[0] for args in domain.called("post_notice")] == [
        "elimination_first", "elimination_second", "elimination_first", "elimination_second"]


def test_warnings_are_computed_before_the_county_review_and_need_a_reason(model):
    domain = FakeDomain(warnings=WARNINGS)
    case = elimination(model, domain)
    through_first_notice(case)
    case.complete("acceptance", ACCEPTANCE)
    assert case.ready() == ["county_review"]
    assert case.data["elimination_warnings"] == WARNINGS, "the task page reads them before the county decides"
    before = dump_state(case.workflow)
    with pytest.raises(SpiffWorkflowException, match="县级审定信息不全"):
        case.complete("county_review", COUNTY)
    spec, subprocess_specs = load_specs(model.specs)  # what the engine does with a refused step: keep the state before
    case.workflow = load_state(before, spec, subprocess_specs, case.workflow.script_engine)
    case.complete("county_review", {**COUNTY, "warnings_reason": "务工收入稳定，经会商同意"})
    assert domain.called("check_elimination_review")[-1][1] == WARNINGS


def test_outside_the_window_the_case_waits_after_the_second_notice_until_the_window_opens(model):
    domain = FakeDomain(windows=[(date(2026, 6, 1), date(2026, 6, 30))])
    case = elimination(model, domain)
    through_county(case)
    case.pass_notice()
    assert case.ready() == [] and case.waiting() == {("timer", None)}
    assert case.data["marking_opens_on"] == "2026-06-01"
    case.pass_time(datetime(2026, 5, 31, 23, 59, tzinfo=CST) - case.clock.now())
    assert case.ready() == [], "not a day early"
    case.pass_time(timedelta(minutes=2))
    assert case.ready() == ["marking"]
    assert len(domain.called("marking_window_opens_on")) == 1, "waited once, for the day it opens: no polling"
    case.complete("marking", {**MARKING, "marked_on": "2026-06-01"})
    assert case.end == "end_eliminated"


def test_a_county_that_set_no_window_ahead_is_looked_at_again_each_day_not_more(model):
    domain = FakeDomain(windows=[])
    case = elimination(model, domain)
    through_county(case)
    case.pass_notice()
    assert case.data["marking_opens_on"] is None
    waited = case.clock.now()
    case.pass_time(timedelta(days=3))
    assert case.ready() == []
    assert len(domain.called("marking_window_opens_on")) == 2, "at most once a day, even after days unswept"
    assert waited.date() < case.clock.now().date()
    domain.windows = [(date(2026, 3, 18), date(2026, 3, 31))]
    case.pass_time(timedelta(days=1))
    assert case.ready() == ["marking"]


def test_a_case_survives_serialization_while_it_waits_for_the_window(model):
    domain = FakeDomain(windows=[(date(2026, 6, 1), date(2026, 6, 30))])
    case = elimination(model, domain)
    through_county(case)
    case.pass_notice()
    spec, subprocess_specs = load_specs(model.specs)
    case.workflow = load_state(dump_state(case.workflow), spec, subprocess_specs, case.workflow.script_engine)
    case.pass_time(datetime(2026, 6, 1, 0, 1, tzinfo=CST) - case.clock.now())
    assert case.ready() == ["marking"]
    assert case.data["verification"]["method"] == "assisted"


# --- the model and its description for the domain agree ---------------------------------------------------------

def test_the_descriptor_names_the_models_steps_forms_notices_and_annexes(model, xml):
    described = processes.descriptor("risk_elimination")
    spec, _ = load_specs(model.specs)
    forms = {name: task.extensions["properties"]["formJsonSchemaFilename"]
             for name, task in spec.task_specs.items() if task.manual}
    assert {step.bpmn_id: step.form for step in described.steps} == forms
    printed_by = {a.stage: a.kind for a in ANNEXES.values() if a.stage}
    assert {stage: printed_by[stage] for stage in described.notice_stages} == {
        "elimination_first": "annex4", "elimination_second": "annex6"}
    scripts = "\n".join(xml.xpath("//bpmn:script/text() | //spiffworkflow:postScript/text()", namespaces=NS))
    for step in described.steps:
        for kind in step.annexes:
            assert f'issue_documents(["{kind}"], "{step.bpmn_id}")' in scripts, (step.bpmn_id, kind)
        if step.notice:
            assert f'post_notice("{step.notice.stage}", 5), stage="{step.notice.stage}")' in scripts
            assert f'issue_notice_document(notice["notice_id"], "{step.bpmn_id}")' in scripts
    assert described.recheck_step == "verification" and "verification" in forms
    assert described.outcome.record == "marking" and described.outcome.field == "method"


def test_the_forms_start_from_what_the_system_knows(model):
    described = processes.descriptor("risk_elimination")
    household = Household(measurements=[Measurement(
        year=2026, wage_income=Decimal(18000), business_income=Decimal(0), property_income=Decimal(0),
        transfer_income=Decimal(1200), business_expenses=Decimal(0), claims_income=Decimal(0),
        education_expense=Decimal(0), medical_expense=Decimal(30000), housing_expense=Decimal(0),
        water_expense=Decimal(0), property_loss=Decimal(0), dropout=False, uninsured_large_medical=False,
        unsafe_house=False, unsafe_water=False)])
    day = date(2026, 9, 15)
    schema = model.forms["risk_elimination_verification.json"]
    first = prefill(household, "verification", "risk_elimination_verification.json", schema,
                    {"method": "natural"}, day)
    assert first["method"] == "natural" and first["visited_on"] == "2026-09-15" and first["year"] == 2026
    assert (first["wage_income"], first["medical_expense"]) == (18000.0, 30000.0)
    recheck = prefill(household, "verification", "risk_elimination_verification.json", schema,
                      {"method": "assisted", "verification": {**VERIFICATION, "method": "natural"}}, day)
    assert recheck["method"] == "natural", "a re-check starts from what the last check found"
    assert "visited_on" not in recheck and "approved" not in recheck, "its day and verdict are typed again"
    marking = prefill(household, "marking", "risk_elimination_marking.json",
                      model.forms["risk_elimination_marking.json"], {}, day)
    assert marking == {"marked_on": "2026-09-15"}
    assert {step.bpmn_id for step in described.steps if step.prefill} == {"verification", "appraisal", "acceptance",
                                                                           "marking"}

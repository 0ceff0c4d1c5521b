"""A process described in one place: a second process registered as a descriptor (the test's own, over the fixture
model annual_adjustment.bpmn) gets prefill, the case data view, outcomes, re-checks and its notices' cases with no
edit to those modules; and a notice stage finds its process from the declared stages, not by cutting its name."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from engine.instances import start_instance
from engine.models import InstanceStatus, ProcessInstance
from engine.versions import deploy
from monitoring import case_outcomes, notices, processes
from monitoring.cases import business_key
from monitoring.documents.annexes import ANNEXES, notice_cases
from monitoring.models import Household, Member
from monitoring.objections import recheck_of
from monitoring.prefill import prefill
from monitoring.processes import NoticeStage, Outcome, ProcessDescriptor, Step, Variables
from tests.conftest import CST, fixture_files
from web.cases.data_view import sections
from web.notices.words import stage_name

VILLAGE = "150223100201"
FORM = "adjustment_measure.json"
STAGE = "annual_adjustment_village_list"  # the process key has an underscore, the stage's suffix two parts
SCHEMA = {"properties": {"measured_on": {"type": "string", "title": "测算日期"},
                         "residents": {"type": "integer", "title": "家庭常住人口"},
                         "income": {"type": "number", "title": "家庭年纯收入(元)"}}}
ADJUSTMENT = ProcessDescriptor(
    key="annual_adjustment",
    steps=(Step("remeasure", FORM, answers="measure",
                prefill=lambda household, data, today: {"residents": household.size,
                                                        "measured_on": today.isoformat()}),
           Step("publish", notice=NoticeStage(STAGE, "年度调整·嘎查村公示"))),
    variables=Variables(measurement="measure", measured_on="measured_on", notice="listing"),
    outcome=Outcome(reached="已调整", refused="未调整", record="adjusted", field="household_type",
                    code_list="household_type", reason="why_not"),
    recheck_step="remeasure",
    dates=frozenset({"measured_on"}),
    words={"measure": "复核测算结果", "adjusted": "调整结果"},
)
MEASURED = {"measured_on": "2026-03-02", "residents": 3, "income": 12000}


@pytest.fixture
def registered(monkeypatch):
    monkeypatch.setitem(processes.REGISTRY, ADJUSTMENT.key, ADJUSTMENT)


def test_identification_declares_its_notice_stages_and_annexes_that_exist():
    identification = processes.descriptor("identification")
    printed_by = {a.stage: a.kind for a in ANNEXES.values() if a.stage}
    assert {stage: printed_by[stage] for stage in identification.notice_stages} == {
        "identification_first": "annex2", "identification_second": "annex3"}
    assert {kind for step in identification.steps for kind in step.annexes} <= ANNEXES.keys()
    assert processes.of_stage("identification_second") is identification


def test_a_stage_names_its_process_only_where_a_process_declares_it(registered):
    assert processes.of_stage(STAGE) is ADJUSTMENT
    assert stage_name(STAGE) == "年度调整·嘎查村公示"
    assert stage_name("identification_first") == "识别·第一次公示（嘎查村）"
    assert processes.of_stage("annual_adjustment_village") is None  # cutting the last part finds nothing
    assert processes.of_stage("elimination_first") is processes.descriptor("risk_elimination")
    assert processes.of_stage("elimination") is None  # a stage is named in full, never by a prefix


def test_the_second_process_prefills_its_form_from_the_household_and_its_own_earlier_answers(monkeypatch):
    household = Household(members=[Member(name="巴特尔", relation="head"), Member(name="其木格", relation="spouse")])
    data = {"measure": {"measured_on": "2026-03-02", "income": 12000}}
    today = date(2026, 9, 1)
    assert prefill(household, "remeasure", FORM, SCHEMA, data, today) == {}  # undescribed: answers under "remeasure"
    monkeypatch.setitem(processes.REGISTRY, ADJUSTMENT.key, ADJUSTMENT)
    # the household's size and today from the household record, then its own earlier figures but not their date
    assert prefill(household, "remeasure", FORM, SCHEMA, data, today) == {
        "residents": 2, "measured_on": "2026-09-01", "income": 12000}


def test_the_second_process_data_reads_under_its_own_titles(monkeypatch, session):
    """``session``: a household type is shown by its label, read from the code lists."""
    data = {"measure": MEASURED, "adjusted": {"household_type": "poverty_alleviated"}}
    forms = {FORM: {"title": "年度复核测算", **SCHEMA}}
    assert [s.title for s in sections(data, forms, {}, ADJUSTMENT.key)] == ["年度复核测算", "adjusted"]
    monkeypatch.setitem(processes.REGISTRY, ADJUSTMENT.key, ADJUSTMENT)
    shown = sections(data, forms, {}, ADJUSTMENT.key)
    assert [s.title for s in shown] == ["复核测算结果", "调整结果"]
    assert ("家庭年纯收入", "12,000.00 元") in shown[0].rows


def test_the_second_process_outcome_reads_as_it_declares(session, tree, registered):
    def ended(instance_id: int, data: dict) -> ProcessInstance:
        return ProcessInstance(id=instance_id, process_key=ADJUSTMENT.key, status=InstanceStatus.COMPLETED, data=data)

    found = case_outcomes.outcomes(session, [
        ended(1, {"adjusted": {"household_type": "poverty_alleviated"}}),
        ended(2, {"why_not": "收入仍低于监测线"}),
        ended(3, {}),
        ProcessInstance(id=4, process_key="no_description", status=InstanceStatus.COMPLETED,
                        data={"rejection_reason": "x"}),
    ])
    assert found == {1: "已调整（脱贫户）", 2: "未调整，原因：收入仍低于监测线", 3: "已办结", 4: "已办结"}


def test_the_second_process_recheck_shows_the_objection_and_the_record_objected_to(registered):
    data = {"objections": [{"received_on": "2026-03-05", "objection": {"by": "村民王五", "content": "有车"},
                            "measure": MEASURED}]}
    recheck = recheck_of(ADJUSTMENT.key, "remeasure", data)
    assert (recheck.by, recheck.received_on, recheck.earlier_visit_on) == (
        "村民王五", date(2026, 3, 5), date(2026, 3, 2))
    assert recheck_of(ADJUSTMENT.key, "publish", data) is None
    assert recheck_of("identification", "remeasure", data) is None


def test_a_notice_finds_the_cases_of_the_process_that_declares_its_stage(engine, session, tree, actors, registered):
    """The case did not post the notice (no ``listing`` in its data): it is found as its household's case of the
    stage's process. Cutting the stage's last part ("annual_adjustment_village") found no process, so no data."""
    place = tree[VILLAGE]
    household = Household(village_code=VILLAGE, place_path=place.path, household_type="poverty_alleviated",
                          created_at=datetime(2026, 1, 5, tzinfo=CST))
    session.add(household)
    session.flush()
    deploy(engine, session, fixture_files("annual_adjustment.bpmn"), actors["designer"])
    instance_id = start_instance(engine, session, ADJUSTMENT.key, VILLAGE, place.path, actors["village"],
                                 {"measure": MEASURED}, business_key=business_key(household.id))
    notice = notices.post_notice(session, household, STAGE, 5, date(2026, 9, 1), "cun",
                                 datetime(2026, 9, 1, tzinfo=CST))
    session.commit()

    found = notice_cases(session, notice, [household.id])
    assert found[household.id]["measure"] == MEASURED
    assert session.get(ProcessInstance, instance_id).data["measure"] == MEASURED

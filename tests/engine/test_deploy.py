"""Deploying process models: what is refused (with file, line and reason), and how versions are stored."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from engine.assignment import SYSTEM, Actor
from engine.deploy import SourceFile, with_forms
from engine.errors import DeployError, DeployProblem, NotFound
from engine.models import AuditEvent, ProcessVersion
from engine.versions import deploy, get_version, latest_version
from tests.conftest import FIXTURES, START

FILE = "approval.bpmn"
APPROVAL = (FIXTURES / "processes" / FILE).read_text(encoding="utf-8")
FORMS = {name: json.loads((FIXTURES / "forms" / name).read_text(encoding="utf-8"))
         for name in ("visit.json", "review.json")}
DESIGNER = Actor(username="sheji", role="designer", place_path="/150000000000/")


def replaced(old: str, new: str, text: str = APPROVAL) -> str:
    """``text`` with the single occurrence of ``old`` replaced: variants of the fixture are built like this."""
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


def line_of(text: str, marker: str) -> int:
    """1-based number of the only line of ``text`` that contains ``marker``."""
    found = [number for number, line in enumerate(text.splitlines(), start=1) if marker in line]
    assert len(found) == 1, f"{marker!r} is on lines {found}"
    return found[0]


def with_script_task(script: str) -> str:
    """The approval process with a script task ``prepare`` between the start event and the visit."""
    text = replaced('<bpmn:sequenceFlow id="f_start_visit" sourceRef="start" targetRef="visit" />',
                    '<bpmn:sequenceFlow id="f_start_visit" sourceRef="start" targetRef="prepare" />\n'
                    '    <bpmn:sequenceFlow id="f_prepare_visit" sourceRef="prepare" targetRef="visit" />')
    text = replaced('<bpmn:incoming>f_start_visit</bpmn:incoming>', '<bpmn:incoming>f_prepare_visit</bpmn:incoming>',
                    text)
    return replaced('    <bpmn:userTask id="visit" name="入户核查">',
                    '    <bpmn:scriptTask id="prepare" name="准备">\n'
                    '      <bpmn:incoming>f_start_visit</bpmn:incoming>\n'
                    '      <bpmn:outgoing>f_prepare_visit</bpmn:outgoing>\n'
                    f'      <bpmn:script>{script}</bpmn:script>\n'
                    '    </bpmn:scriptTask>\n'
                    '    <bpmn:userTask id="visit" name="入户核查">', text)


def with_pre_script(script: str) -> str:
    """The approval process with a pre-script on the visit task."""
    return replaced('value="visit.json" />\n        </spiffworkflow:properties>',
                    'value="visit.json" />\n        </spiffworkflow:properties>\n'
                    f'        <spiffworkflow:preScript>{script}</spiffworkflow:preScript>')


def files(text: str = APPROVAL, name: str = FILE) -> list[SourceFile]:
    """The model and the forms it names, as a shell deploys them."""
    return with_forms([SourceFile(name, text.encode("utf-8"))], FIXTURES / "forms")


def counts(session) -> tuple[int, int]:
    """(process versions, audit events) stored in the database."""
    versions = session.execute(select(func.count()).select_from(ProcessVersion)).scalar_one()
    events = session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
    return versions, events


def refuse(engine, session, sources: list[SourceFile]) -> list[DeployProblem]:
    """Deploy ``sources``, expect a refusal, commit, and return the problems."""
    with pytest.raises(DeployError) as refused:
        deploy(engine, session, sources, DESIGNER)
    session.commit()
    assert refused.value.problems, "a refusal must say why"
    assert str(refused.value) == "; ".join(str(p) for p in refused.value.problems)
    return refused.value.problems


@dataclass(frozen=True)
class Broken:
    """A variant of approval.bpmn and what its refusal must say: the line holding ``marker``, words, and the element
    an editor marks (``None``: the file as a whole)."""

    text: str
    marker: str
    words: tuple[str, ...]
    element: str | None


NO_START_EVENT = APPROVAL
for _old in ('    <bpmn:startEvent id="start" name="申请">\n      <bpmn:outgoing>f_start_visit</bpmn:outgoing>\n'
             '    </bpmn:startEvent>\n',
             '        <bpmn:flowNodeRef>start</bpmn:flowNodeRef>\n',
             '    <bpmn:sequenceFlow id="f_start_visit" sourceRef="start" targetRef="visit" />\n',
             '      <bpmn:incoming>f_start_visit</bpmn:incoming>\n'):
    NO_START_EVENT = replaced(_old, "", NO_START_EVENT)

BROKEN: dict[str, Callable[[], Broken]] = {
    "ill-formed XML": lambda: Broken(
        replaced("<bpmn:outgoing>f_visit_gw</bpmn:outgoing>", "<bpmn:outgoing>f_visit_gw</bpmn:outgoin>"),
        "</bpmn:outgoin>", ("XML格式错误", "outgoin"), None),
    "XSD: unknown element": lambda: Broken(
        replaced('<bpmn:endEvent id="end_ineligible" name="不符合条件">',
                 '<bpmn:endEvent id="end_ineligible" name="不符合条件">\n      <bpmn:bogus />'),
        "<bpmn:bogus />", ("流程定义无效", "bogus"), "end_ineligible"),
    "XSD: attribute of the wrong type": lambda: Broken(
        replaced('isExecutable="true"', 'isExecutable="maybe"'),
        'isExecutable="maybe"', ("流程定义无效", "maybe", "boolean"), "approval"),
    "XSD: duplicate id": lambda: Broken(
        replaced('<bpmn:endEvent id="end_approved"', '<bpmn:endEvent id="end_ineligible"'),
        '<bpmn:endEvent id="end_ineligible" name="审定通过">', ("流程定义无效", "end_ineligible"), "end_ineligible"),
    "Spiff: no start event": lambda: Broken(
        NO_START_EVENT, '<bpmn:process id="approval"', ("流程定义无效", "No start event"), "approval"),
    "conditionless flow out of an exclusive gateway": lambda: Broken(
        replaced(' default="f_ineligible"', ""),
        '<bpmn:sequenceFlow id="f_ineligible"', ("连线“f_ineligible”缺少条件（或设为默认路径）",), "f_ineligible"),
    "sequence flow to a missing target": lambda: Broken(
        replaced('sourceRef="visit" targetRef="gw_eligible"', 'sourceRef="visit" targetRef="nowhere"'),
        'targetRef="nowhere"', ("nowhere",), "f_visit_gw"),
    "sequence flow from a missing source": lambda: Broken(
        replaced('sourceRef="visit" targetRef="gw_eligible"', 'sourceRef="nowhere" targetRef="gw_eligible"'),
        'sourceRef="nowhere"', ("nowhere",), "f_visit_gw"),
    "lane that is not a role": lambda: Broken(
        replaced('name="township"', 'name="乡镇"'), 'name="乡镇"', ("泳道", "乡镇", "不是角色", "township"),
        "lane_township"),
    "missing form file": lambda: Broken(
        replaced('value="visit.json"', 'value="missing.json"'), 'value="missing.json"',
        ("表单“missing.json”未随模型上传",), "visit"),
    "form path outside the forms directory": lambda: Broken(
        replaced('value="visit.json"', 'value="../forms/visit.json"'), 'value="../forms/visit.json"',
        ("../forms/visit.json",), "visit"),
    "import in a script task": lambda: Broken(
        with_script_task("import os"), "<bpmn:script>import os", ("无法编译", "import"), "prepare"),
    "dunder in a script task": lambda: Broken(
        with_script_task("x = ().__class__"), "<bpmn:script>x = ().__class__", ("无法编译", "__class__"),
        "prepare"),
    "import in a pre-script": lambda: Broken(
        with_pre_script("from os import system"), "<spiffworkflow:preScript>", ("无法编译", "import"), "visit"),
    "condition with a syntax error": lambda: Broken(
        replaced("eligible == True", "eligible == = True"), "eligible == = True", ("无法编译", "语法错误"),
        "f_eligible"),
    "bad ISO 8601 duration": lambda: Broken(
        replaced('"P5D"', '"P5X"'), '"P5X"', ("P5X", "ISO 8601"), "notice_elapsed"),
    "batch reach the engine does not know": lambda: Broken(
        replaced('name="batch" value="true"', 'name="batch" value="township"'), 'value="township"',
        ("批量办理范围", "township", "parent"), "visit"),
    "timer expression that does not compile": lambda: Broken(
        replaced('"P5D"', "working_deadline(today(), "), "<bpmn:timeDuration>", ("定时器表达式无法编译",),
        "notice_elapsed"),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_a_broken_model_is_refused_naming_file_line_and_reason_and_nothing_is_stored(engine, session, case):
    broken = BROKEN[case]()
    problems = refuse(engine, session, files(broken.text))
    assert len(problems) == 1, problems
    problem = problems[0]
    assert problem.file == FILE
    assert problem.line == line_of(broken.text, broken.marker), problem
    assert problem.element == broken.element, problem
    for word in broken.words:
        assert word in problem.message, problem
    assert str(problem).startswith(f"{FILE}:{problem.line}: ")
    assert counts(session) == (0, 0)


def with_form(name: str, text: str) -> list[SourceFile]:
    """The approval model uploaded with ``text`` as its form ``name``."""
    return [f for f in files() if f.name != name] + [SourceFile(name, text.encode("utf-8"))]


def test_a_form_that_is_not_json_schema_is_refused_naming_the_form_file(engine, session):
    problems = refuse(engine, session, with_form("review.json", '{"type": "nonsense"}'))
    assert [(p.file, p.line, p.element) for p in problems] == [("review.json", None, None)]
    assert "JSON Schema" in problems[0].message and "nonsense" in problems[0].message
    assert counts(session) == (0, 0)


def test_a_form_that_is_not_json_is_refused_naming_the_form_file_and_line(engine, session):
    problems = refuse(engine, session, with_form("review.json", '{"type": "object",\n "title": }'))
    assert [(p.file, p.line, p.element) for p in problems] == [("review.json", 2, None)]
    assert "JSON" in problems[0].message
    assert counts(session) == (0, 0)


def test_a_file_that_is_neither_bpmn_nor_dmn_is_refused(engine, session):
    problems = refuse(engine, session, files('<?xml version="1.0"?>\n<html><body /></html>', "page.bpmn"))
    assert [(p.file, p.line) for p in problems] == [("page.bpmn", 2)]
    assert "不是BPMN或DMN文件" in problems[0].message
    assert counts(session) == (0, 0)


def test_an_empty_upload_is_refused(engine, session):
    problems = refuse(engine, session, [])
    assert len(problems) == 1 and "没有上传" in problems[0].message
    assert counts(session) == (0, 0)


def test_every_problem_of_a_kind_is_listed_at_once(engine, session):
    text = replaced('name="township"', 'name="乡镇"')
    text = text.replace('value="review.json"', 'value="missing.json"')  # used by two tasks
    text = replaced("eligible == True", "eligible ==", text)
    text = replaced('"P5D"', '"P5X"', text)
    problems = refuse(engine, session, files(text))
    form_lines = [n for n, line in enumerate(text.splitlines(), start=1) if 'value="missing.json"' in line]
    assert len(form_lines) == 2
    assert sorted(p.line for p in problems) == sorted([
        line_of(text, 'name="乡镇"'), line_of(text, "eligible =="), line_of(text, '"P5X"'), *form_lines,
    ])
    assert {p.file for p in problems} == {FILE}
    assert counts(session) == (0, 0)


def test_problems_name_the_file_they_are_in(engine, session):
    second = replaced("</bpmn:definitions>", "</bpmn:definition>").replace('id="approval"', 'id="second"')
    problems = refuse(engine, session, files() + files(second, "second.bpmn"))
    assert [(p.file, p.line) for p in problems] == [("second.bpmn", line_of(second, "</bpmn:definition>"))]
    assert counts(session) == (0, 0)


# ---------------------------------------------------------------------------------------------
# Valid models


def test_arithmetic_in_a_condition_deploys(engine, session):
    text = replaced("eligible == True", "eligible == True and income * 12 &gt;= 0 and 2 ** 3 == 8")
    deployment = deploy(engine, session, files(text), DESIGNER)
    session.commit()
    assert deployment.created and deployment.version.version == 1


def test_a_sandbox_friendly_script_task_deploys(engine, session):
    text = with_script_task("members = len(items) if items else 0\nyearly = income * 12")
    deployment = deploy(engine, session, files(text), DESIGNER)
    session.commit()
    assert deployment.created
    assert "<bpmn:scriptTask" in deployment.version.files[FILE]


def test_a_valid_model_becomes_version_1_with_its_files_forms_and_an_audit_event(engine, session):
    deployment = deploy(engine, session, files(), DESIGNER)
    session.commit()
    assert deployment.created is True
    stored = session.execute(select(ProcessVersion)).scalars().one()
    assert stored.id == deployment.version.id
    assert (stored.key, stored.version, stored.name) == ("approval", 1, "三级审批与公示")
    assert stored.files == {FILE: APPROVAL}
    assert stored.forms == FORMS
    assert stored.start_role == "village"
    assert stored.deployed_by == "sheji"
    assert stored.deployed_at == START
    assert len(stored.sha256) == 64
    assert stored.specs
    event = session.execute(select(AuditEvent)).scalars().one()
    assert (event.type, event.actor, event.instance_id) == ("process_deployed", "sheji", None)
    assert event.detail == {"key": "approval", "version": 1, "sha256": stored.sha256, "files": [FILE]}


def test_the_system_actor_may_deploy(engine, session):
    deployment = deploy(engine, session, files(), SYSTEM)
    session.commit()
    assert session.execute(select(ProcessVersion.deployed_by)).scalar_one() == "system"
    assert session.execute(select(AuditEvent.actor)).scalar_one() == "system"
    assert deployment.created


def test_redeploying_identical_files_is_a_no_op(engine, session):
    first = deploy(engine, session, files(), DESIGNER)
    session.commit()
    again = deploy(engine, session, files(), SYSTEM)
    session.commit()
    assert again.created is False
    assert again.version.id == first.version.id
    assert again.version.version == 1
    assert counts(session) == (1, 1)
    assert session.execute(select(ProcessVersion.deployed_by)).scalar_one() == "sheji"


def test_identical_content_under_another_file_name_is_the_same_version(engine, session):
    first = deploy(engine, session, files(), DESIGNER)
    session.commit()
    renamed = deploy(engine, session, files(name="approval-copy.bpmn"), DESIGNER)
    session.commit()
    assert renamed.created is False and renamed.version.id == first.version.id
    assert counts(session) == (1, 1)


def test_changed_content_becomes_version_2_and_version_1_stays_retrievable(engine, session):
    deploy(engine, session, files(), DESIGNER)
    session.commit()
    changed = replaced('name="三级审批与公示"', 'name="三级审批与公示(修订)"')
    second = deploy(engine, session, files(changed), DESIGNER)
    session.commit()
    assert second.created is True
    assert (second.version.key, second.version.version) == ("approval", 2)

    rows = session.execute(select(ProcessVersion.version, ProcessVersion.name)
                           .where(ProcessVersion.key == "approval").order_by(ProcessVersion.version)).all()
    assert [tuple(row) for row in rows] == [(1, "三级审批与公示"), (2, "三级审批与公示(修订)")]
    session.expunge_all()
    first = get_version(session, "approval", 1)
    assert first.files == {FILE: APPROVAL}
    assert first.forms == FORMS
    assert get_version(session, "approval", 2).files == {FILE: changed}
    assert latest_version(session, "approval").version == 2
    assert get_version(session, "approval").version == 2
    with pytest.raises(NotFound):
        get_version(session, "approval", 3)
    events = session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars().all()
    assert [e.detail["version"] for e in events] == [1, 2]


def test_a_changed_form_alone_makes_a_new_version_storing_the_new_form(engine, session):
    first = deploy(engine, session, files(), DESIGNER)
    session.commit()
    review = dict(FORMS["review.json"], title="审核(修订)")
    second = deploy(engine, session, with_form("review.json", json.dumps(review, ensure_ascii=False)), DESIGNER)
    session.commit()
    assert second.created and second.version.version == 2
    assert second.version.sha256 != first.version.sha256
    session.expunge_all()
    assert get_version(session, "approval", 1).forms["review.json"]["title"] == "审核"
    assert get_version(session, "approval", 2).forms["review.json"]["title"] == "审核(修订)"
    assert get_version(session, "approval", 2).files == get_version(session, "approval", 1).files


def test_a_refusal_after_a_deployment_leaves_the_stored_versions_alone(engine, session):
    deploy(engine, session, files(), DESIGNER)
    session.commit()
    refuse(engine, session, files(replaced('"P5D"', '"P5X"')))
    refuse(engine, session, files(replaced('name="township"', 'name="乡镇"')))
    assert counts(session) == (1, 1)
    assert latest_version(session, "approval").files == {FILE: APPROVAL}

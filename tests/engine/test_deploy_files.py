"""A model's files: the forms and the scenario file travel with the upload, a form not uploaded comes from the latest
version of the same process, and ``versions.check`` lists what ``deploy`` would refuse without raising."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from engine.deploy import SourceFile, compile_model, main_bpmn, with_forms
from engine.errors import DeployError, DeployProblem
from engine.models import ProcessVersion
from engine.versions import check, deploy, get_version
from monitoring.models import Role
from tests.conftest import FIXTURES
from tests.engine.test_deploy import APPROVAL, DESIGNER, FILE, FORMS, line_of, replaced

ROLES = [r.value for r in Role]
BPMN = SourceFile(FILE, APPROVAL.encode("utf-8"))
SCENARIOS = {"scenarios": [{"name": "不符合条件", "start": {"at": "2026-03-02T09:00:00+08:00", "data": {}},
                            "steps": [{"task": "visit", "data": {"eligible": False, "income": 0}}],
                            "expect": {"end": "end_ineligible"}}]}


def form(name: str, schema: dict | str) -> SourceFile:
    text = schema if isinstance(schema, str) else json.dumps(schema, ensure_ascii=False)
    return SourceFile(name, text.encode("utf-8"))


def uploaded(**changed: dict) -> list[SourceFile]:
    """The approval model with its two forms, ``changed`` ones (``review_json=...``) replaced."""
    schemas = {**FORMS, **{name.replace("_json", ".json"): schema for name, schema in changed.items()}}
    return [BPMN, *(form(name, schema) for name, schema in schemas.items())]


def refused(files: list[SourceFile], **kwargs) -> list[DeployProblem]:
    with pytest.raises(DeployError) as refusal:
        compile_model(files, ROLES, **kwargs)
    return refusal.value.problems


def versions_stored(session) -> int:
    return session.execute(select(func.count()).select_from(ProcessVersion)).scalar_one()


def test_the_forms_are_taken_from_the_upload_and_one_no_task_names_is_not_stored():
    visit = dict(FORMS["visit.json"], title="走访(上传的)")
    model = compile_model([*uploaded(visit_json=visit), form("unused.json", {"type": "object"})], ROLES)
    assert model.forms == {"visit.json": visit, "review.json": FORMS["review.json"]}
    assert set(model.files) == {FILE}  # forms are stored as forms, not as files
    assert model.warnings == ("表单“unused.json”未被任何任务使用, 未保存",)


def test_a_new_model_whose_form_is_not_uploaded_is_refused_at_the_task_naming_it(engine, session):
    problems = check(engine, session, [BPMN, form("visit.json", FORMS["visit.json"])])
    used_at = [n for n, line in enumerate(APPROVAL.splitlines(), start=1) if 'value="review.json"' in line]
    assert [(p.file, p.line, p.element, p.message) for p in problems] == [
        (FILE, used_at[0], "review", "表单“review.json”未随模型上传"),
        (FILE, used_at[1], "approve", "表单“review.json”未随模型上传"),
    ]
    with pytest.raises(DeployError):
        deploy(engine, session, [BPMN], DESIGNER)
    assert versions_stored(session) == 0


def test_a_bpmn_only_deploy_of_an_existing_model_keeps_the_previous_forms(engine, session):
    review = dict(FORMS["review.json"], title="审核(第一版)")
    deploy(engine, session, uploaded(review_json=review), DESIGNER)
    session.commit()
    renamed = SourceFile(FILE, replaced('name="三级审批与公示"', 'name="三级审批与公示(修订)"').encode("utf-8"))
    second = deploy(engine, session, [renamed], DESIGNER)
    session.commit()
    assert second.created and second.version.version == 2
    assert get_version(session, "approval", 2).forms == {"visit.json": FORMS["visit.json"], "review.json": review}


def test_an_uploaded_form_wins_over_the_previous_versions_and_the_rest_are_kept(engine, session):
    deploy(engine, session, uploaded(), DESIGNER)
    session.commit()
    visit = dict(FORMS["visit.json"], title="走访(第二版)")
    second = deploy(engine, session, [BPMN, form("visit.json", visit)], DESIGNER)
    session.commit()
    assert second.created and second.version.forms == {"visit.json": visit, "review.json": FORMS["review.json"]}


def test_forms_of_another_process_are_never_taken(engine, session):
    deploy(engine, session, uploaded(), DESIGNER)
    session.commit()
    other = SourceFile("other.bpmn", APPROVAL.replace('id="approval"', 'id="other"').encode("utf-8"))
    problems = check(engine, session, [other])
    assert {(p.file, p.element) for p in problems} == {("other.bpmn", "visit"), ("other.bpmn", "review"),
                                                        ("other.bpmn", "approve")}


def test_a_form_that_is_not_json_names_the_form_file_and_not_the_tasks():
    problems = refused([BPMN, form("visit.json", FORMS["visit.json"]), form("review.json", "{\n  \"type\": }")])
    assert [(p.file, p.line, p.element) for p in problems] == [("review.json", 2, None)]
    assert problems[0].message.startswith("表单不是有效的JSON")


def test_the_sha_changes_when_only_a_form_or_the_scenarios_change():
    first = compile_model(uploaded(), ROLES)
    assert compile_model(uploaded(), ROLES).sha256 == first.sha256
    assert compile_model(uploaded(review_json=dict(FORMS["review.json"], title="x")), ROLES).sha256 != first.sha256
    tested = compile_model([*uploaded(), form("approval.tests.json", SCENARIOS)], ROLES)
    assert tested.sha256 != first.sha256


def test_the_scenario_file_is_parsed_kept_with_the_files_and_its_shape_checked():
    model = compile_model([*uploaded(), form("approval.tests.json", SCENARIOS)], ROLES)
    assert (model.scenario_file, model.scenarios) == ("approval.tests.json", SCENARIOS["scenarios"])
    assert set(model.files) == {FILE, "approval.tests.json"}
    assert compile_model(uploaded(), ROLES).scenarios == [] and compile_model(uploaded(), ROLES).scenario_file is None

    not_json = refused([*uploaded(), form("approval.tests.json", '{"scenarios": [\n}')])
    assert [(p.file, p.line) for p in not_json] == [("approval.tests.json", 2)]
    two = refused([*uploaded(), form("a.tests.json", SCENARIOS), form("b.tests.json", SCENARIOS)])
    assert [p.file for p in two] == ["a.tests.json", "b.tests.json"]
    assert all("只能有一个流程测试文件" in p.message for p in two)


def test_check_returns_nothing_for_a_good_model_and_stores_nothing(engine, session):
    assert check(engine, session, uploaded()) == []
    assert check(engine, session, uploaded(), key="approval") == []
    assert versions_stored(session) == 0


def test_check_with_a_key_names_the_process_element_of_another_process(engine, session):
    problems = check(engine, session, uploaded(), key="identification")
    process_line = line_of(APPROVAL, '<bpmn:process id="approval"')
    assert [(p.file, p.line, p.element, p.message) for p in problems] == [
        (FILE, process_line, "approval", "流程标识应为“identification”，实际为“approval”"),
    ]
    with pytest.raises(DeployError) as refusal:
        deploy(engine, session, uploaded(), DESIGNER, key="identification")
    assert refusal.value.problems == problems
    assert versions_stored(session) == 0


def test_check_lists_the_problems_deploy_refuses_with(engine, session):
    broken = SourceFile(FILE, replaced('name="township"', 'name="乡镇"').encode("utf-8"))
    files = [broken, *uploaded()[1:]]
    problems = check(engine, session, files)
    with pytest.raises(DeployError) as refusal:
        deploy(engine, session, files, DESIGNER)
    assert problems == refusal.value.problems and [p.element for p in problems] == ["lane_township"]


def test_with_forms_adds_the_named_forms_and_the_tests_file_and_leaves_uploaded_ones(tmp_path):
    (tmp_path / "review.json").write_text('{"type": "object"}', encoding="utf-8")
    (tmp_path / "visit.json").write_text('{"type": "string"}', encoding="utf-8")
    (tmp_path / "approval.tests.json").write_text(json.dumps(SCENARIOS), encoding="utf-8")
    (tmp_path / "unrelated.json").write_text("{}", encoding="utf-8")
    own_visit = form("visit.json", FORMS["visit.json"])
    gathered = with_forms([BPMN, own_visit], tmp_path)
    assert [f.name for f in gathered] == [FILE, "visit.json", "review.json", "approval.tests.json"]
    assert gathered[1] is own_visit
    assert with_forms([BPMN], FIXTURES / "forms", tmp_path / "nowhere") == [
        BPMN, *(SourceFile(name, (FIXTURES / "forms" / name).read_bytes()) for name in ("visit.json", "review.json"))]


def test_with_forms_reads_nothing_outside_its_folder(tmp_path):
    (tmp_path / "secret.json").write_text("{}", encoding="utf-8")
    folder = tmp_path / "forms"
    folder.mkdir()
    outside = SourceFile(FILE, replaced('value="visit.json"', 'value="../secret.json"').encode("utf-8"))
    assert [f.name for f in with_forms([outside], folder)] == [FILE]


def test_the_main_bpmn_of_a_version_is_the_one_defining_its_process_never_a_tests_file():
    files = {"a.tests.json": json.dumps(SCENARIOS), "called.bpmn": APPROVAL.replace('id="approval"', 'id="called"'),
             FILE: APPROVAL, "table.dmn": '<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" />'}
    assert main_bpmn(files, "approval") == FILE
    assert main_bpmn(files, "called") == "called.bpmn"
    assert main_bpmn({"a.tests.json": "{}"}, "approval") is None


def test_forms_are_not_called_missing_while_the_main_process_and_so_its_previous_forms_are_unknown():
    second = SourceFile("second.bpmn", APPROVAL.replace('id="approval"', 'id="second"').encode("utf-8"))
    asked: list[str] = []
    problems = refused([BPMN, second], previous_forms=lambda key: asked.append(key) or FORMS)
    assert [p.message.split(";")[0] for p in problems] == ["有多个可执行的流程 (approval、second), 无法确定主流程"]
    assert asked == []
    assert compile_model([BPMN, second], ROLES, main="second", previous_forms=lambda key: asked.append(key) or FORMS)
    assert asked == ["second"]

"""Which process a model runs (the designer may name it), and what the engine refuses to run at all."""

from __future__ import annotations

import pytest

from engine.deploy import SourceFile, compile_model, with_forms
from engine.errors import DeployError, DeployProblem
from engine.versions import deploy
from monitoring.models import Role
from tests.conftest import FIXTURES, fixture_files
from tests.engine.steps import Steps

ROLES = [r.value for r in Role]
TWO_POOLS = (FIXTURES / "processes" / "two_pools.bpmn").read_text(encoding="utf-8")


def compile_fixture(name: str, main: str | None = None):
    return compile_model(fixture_files(name), ROLES, main)


def refusal(files: list[SourceFile], main: str | None = None) -> list[DeployProblem]:
    with pytest.raises(DeployError) as refused:
        compile_model(with_forms(files, FIXTURES / "forms"), ROLES, main)
    return refused.value.problems


def line_of(text: str, marker: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if marker in line)


SERVICE_TASK = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="http://x">
  <bpmn:process id="calls_out" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:serviceTask id="fetch" name="查询外部系统"><bpmn:incoming>f1</bpmn:incoming>
      <bpmn:outgoing>f2</bpmn:outgoing></bpmn:serviceTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="fetch" />
    <bpmn:sequenceFlow id="f2" sourceRef="fetch" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""


def test_service_tasks_are_refused_with_file_line_and_why():
    [problem] = refusal([SourceFile("service.bpmn", SERVICE_TASK.encode("utf-8"))])

    assert (problem.file, problem.line) == ("service.bpmn", line_of(SERVICE_TASK, "<bpmn:serviceTask"))
    assert "服务任务“查询外部系统”" in problem.message and "不能运行服务任务" in problem.message


def test_several_executable_pools_without_a_main_process_are_refused_saying_how_to_choose():
    [problem] = refusal(fixture_files("two_pools.bpmn"))

    assert (problem.file, problem.line) == ("two_pools.bpmn", line_of(TWO_POOLS, "<bpmn:collaboration"))
    for words in ("village_pool", "township_pool", "?main=", "--main", "协作“two_pools”"):
        assert words in problem.message


def test_the_designer_names_the_main_process_of_a_collaboration():
    model = compile_fixture("two_pools.bpmn", main="township_pool")
    assert (model.key, model.name, model.start_role) == ("township_pool", "乡镇准备", "township")


def test_a_main_process_that_is_not_there_is_refused_listing_the_choices():
    [problem] = refusal(fixture_files("two_pools.bpmn"), main="county_pool")
    assert "county_pool" in problem.message
    assert all(choice in problem.message for choice in ("village_pool", "township_pool", "two_pools"))


def test_the_same_files_run_as_another_main_process_are_another_version():
    village, township = (compile_fixture("two_pools.bpmn", main=m) for m in ("village_pool", "township_pool"))
    assert village.sha256 != township.sha256
    assert compile_fixture("two_pools.bpmn", main="village_pool").sha256 == village.sha256


def test_naming_the_only_main_process_changes_nothing():
    assert compile_fixture("approval.bpmn", main="approval").sha256 == compile_fixture("approval.bpmn").sha256


def test_a_collaboration_with_one_executable_pool_deploys_without_a_main_process():
    assert compile_fixture("one_executable_pool.bpmn").key == "village_side"


@pytest.fixture
def steps(engine, session, actors) -> Steps:
    return Steps(engine, session, actors["designer"])


def test_a_collaboration_named_as_main_runs_all_its_pools_each_in_its_lane(steps, actors):
    version = steps.run(deploy, fixture_files("two_pools.bpmn"), actors["designer"], main="two_pools").version
    assert (version.key, version.name) == ("two_pools", "村镇协同")

    instance_id = steps.start(actors["village"], "two_pools")
    assert steps.open_tasks(instance_id) == [("apply", "village"), ("prepare", "township")]

    steps.complete(actors["village"], instance_id, "apply", {})
    steps.complete(actors["township"], instance_id, "prepare", {})
    assert steps.instance(instance_id).status == "completed"



ENDLESS_LOOP = (FIXTURES / "processes" / "endless_loop.bpmn").read_text(encoding="utf-8")


def test_a_loop_that_nothing_can_leave_is_refused_because_spiff_could_never_start_it():
    [problem] = refusal(fixture_files("endless_loop.bpmn"))

    assert (problem.file, problem.line) == ("endless_loop.bpmn", line_of(ENDLESS_LOOP, '<bpmn:process id="endless"'))
    assert "没有出口的循环" in problem.message

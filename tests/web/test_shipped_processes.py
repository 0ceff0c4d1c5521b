"""``fangpin db upgrade`` deploys the shipped process models, so a fresh installation can start cases at once."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from engine import versions
from tests.conftest import FIXTURES
from tests.e2e.server import cli
from web.shipped_processes import deploy_shipped, models, with_needed

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted(path.stem for path in (ROOT / "processes").glob("*.bpmn"))  # each file is named by its process

DMN = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="{id}_defs" name="{id}" namespace="fangpin">
  <decision id="{id}" name="{id}">
    <decisionTable id="{id}_table">
      <input id="{id}_in"><inputExpression id="{id}_expr" typeRef="number"><text>income</text></inputExpression></input>
      <output id="{id}_out" name="band" typeRef="string" />
      <rule id="{id}_rule"><inputEntry id="{id}_ie"><text>-</text></inputEntry>
        <outputEntry id="{id}_oe"><text>"low"</text></outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>
"""
BPMN_WITH_DECISION = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
                  id="banding_defs" targetNamespace="fangpin">
  <bpmn:process id="banding" name="收入分档" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:businessRuleTask id="band">
      <bpmn:extensionElements>
        <spiffworkflow:calledDecisionId>income_band</spiffworkflow:calledDecisionId>
      </bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:businessRuleTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="band" />
    <bpmn:sequenceFlow id="f2" sourceRef="band" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""


@pytest.fixture
def forms_dir():
    return ROOT / "forms"


def test_the_shipped_models_are_deployed_once_and_then_left_alone(app, session):
    first = deploy_shipped(session)
    session.commit()
    assert "risk_elimination" in SHIPPED
    assert [(d.version.key, d.version.version, d.created) for d in first] == [(key, 1, True) for key in SHIPPED]
    assert {d.version.deployed_by for d in first} == {"system"}
    again = deploy_shipped(session)
    session.commit()
    assert [(d.version.key, d.version.version, d.created) for d in again] == [(key, 1, False) for key in SHIPPED]
    assert len(versions.all_versions(session)) == len(SHIPPED)


def test_a_process_another_file_calls_is_deployed_with_its_caller(tmp_path):
    names = {files[0].name: [p.name for p in files] for files in models(FIXTURES / "processes")}
    assert names["call_activity.bpmn"] == ["call_activity.bpmn", "household_check.bpmn"]
    assert names["household_check.bpmn"] == ["household_check.bpmn"]
    assert names["approval.bpmn"] == ["approval.bpmn"]


def test_a_decision_table_goes_with_the_process_that_uses_it_and_an_unused_one_with_none(app, session, tmp_path):
    (tmp_path / "banding.bpmn").write_text(BPMN_WITH_DECISION)
    (tmp_path / "income_band.dmn").write_text(DMN.format(id="income_band"))
    (tmp_path / "unused.dmn").write_text(DMN.format(id="unused"))
    assert [[p.name for p in files] for files in models(tmp_path)] == [["banding.bpmn", "income_band.dmn"]]
    app.config["PROCESSES_DIR"] = str(tmp_path)
    (deployment,) = deploy_shipped(session)
    assert deployment.version.key == "banding" and set(deployment.version.files) == {"banding.bpmn",
                                                                                     "income_band.dmn"}


def test_processes_deploy_takes_the_decision_table_beside_the_file_it_is_given(tmp_path):
    """``fangpin processes deploy processes/identification.bpmn`` deploys it with monitoring_type.dmn, once."""
    identification, table = ROOT / "processes" / "identification.bpmn", ROOT / "processes" / "monitoring_type.dmn"
    assert with_needed([identification]) == [identification, table]
    assert with_needed([identification, table]) == [identification, table]
    env = installation(tmp_path)
    cli(env, "db", "upgrade")
    deployed = cli(env, "processes", "deploy", str(identification)).stdout
    assert deployed.startswith("identification v1 ") and "内容未变" in deployed  # the shipped model, table and all


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request, tmp_path) -> str:
    """A database without any table, as a new installation has."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'new.db'}"
    server = request.getfixturevalue("postgres_server")
    name = f"fangpin_empty_{tmp_path.name.replace('-', '_').lower()}"
    admin = create_engine(server.admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name} TEMPLATE template0"))
    admin.dispose()
    return server.url(name)


def installation(tmp_path: Path, **variables: str) -> dict[str, str]:
    """The environment of a new installation with its defaults: the shipped forms and processes."""
    env = {**os.environ, "FANGPIN_INSTANCE_DIR": str(tmp_path / "instance"), **variables}
    for name in ("FANGPIN_FORMS_DIR", "FANGPIN_PROCESSES_DIR", "FANGPIN_CLOCK", "FANGPIN_DATABASE_URL"):
        if name not in variables:
            env.pop(name, None)
    return env


def test_db_upgrade_deploys_the_shipped_models_and_a_second_run_changes_nothing(empty_database_url, tmp_path):
    env = installation(tmp_path, FANGPIN_DATABASE_URL=empty_database_url)
    first = cli(env, "db", "upgrade").stdout
    assert all(f"{key} v1" in first for key in SHIPPED) and "已部署新版本" in first
    second = cli(env, "db", "upgrade").stdout
    assert all(f"{key} v1" in second for key in SHIPPED) and "内容未变, 未部署新版本" in second
    listed = cli(env, "processes", "list").stdout
    assert all(listed.count(f"{key}\t") == 1 for key in SHIPPED)


def test_db_upgrade_names_a_missing_processes_folder(tmp_path):
    refused = cli(installation(tmp_path, FANGPIN_PROCESSES_DIR=str(tmp_path / "nowhere")), "db", "upgrade", expect=1)
    assert "FANGPIN_PROCESSES_DIR" in refused.stderr and "nowhere" in refused.stderr

"""Naming the main process of a deploy: ``?main=`` or a multipart field ``main`` on the API, ``--main`` on the CLI."""

from __future__ import annotations

from click.testing import CliRunner

from tests.conftest import FIXTURES
from web.cli import main as fangpin

TWO_POOLS = FIXTURES / "processes" / "two_pools.bpmn"


def post_xml(designer, query: str = ""):
    return designer.client.post(f"/api/v1/process-models{query}", data=TWO_POOLS.read_bytes(),
                                headers={**designer.headers, "Content-Type": "application/xml"})


def test_without_main_several_pools_are_refused_with_how_to_choose(api):
    refused = post_xml(api("sheji"))

    assert refused.status_code == 422
    [problem] = refused.json["error"]["details"]
    assert problem["file"] == "upload.bpmn" and problem["line"]
    assert "?main=" in problem["message"] and "township_pool" in problem["message"]


def test_main_as_a_query_parameter(api):
    deployed = post_xml(api("sheji"), "?main=township_pool")
    assert (deployed.status_code, deployed.json["key"]) == (201, "township_pool")


def test_main_as_a_multipart_field_may_name_the_collaboration(api):
    designer = api("sheji")
    with TWO_POOLS.open("rb") as file:
        deployed = designer.client.post("/api/v1/process-models", headers=designer.headers,
                                        data={"file": (file, "two_pools.bpmn"), "main": "two_pools"})
    assert (deployed.status_code, deployed.json["key"]) == (201, "two_pools")


def test_the_cli_takes_main_and_says_what_is_wrong_without_it(tmp_path, monkeypatch):
    env = {"FANGPIN_INSTANCE_DIR": str(tmp_path), "FANGPIN_DATABASE_URL": f"sqlite:///{tmp_path / 'f.db'}",
           "FANGPIN_FORMS_DIR": str(FIXTURES / "forms"), "FANGPIN_PROCESSES_DIR": str(tmp_path)}  # no shipped models
    for name in ("FANGPIN_CLOCK", "FANGPIN_DOCUMENTS_DIR", "FANGPIN_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    runner = CliRunner()
    upgraded = runner.invoke(fangpin, ["db", "upgrade"], env=env)
    assert upgraded.exit_code == 0, upgraded.output

    refused = runner.invoke(fangpin, ["processes", "deploy", str(TWO_POOLS)], env=env)
    deployed = runner.invoke(fangpin, ["processes", "deploy", "--main", "village_pool", str(TWO_POOLS)], env=env)

    assert refused.exit_code == 1 and "--main" in refused.output
    assert deployed.exit_code == 0 and deployed.output.startswith("village_pool v1")

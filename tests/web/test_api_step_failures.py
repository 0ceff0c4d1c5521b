"""A step that fails inside SpiffWorkflow answers with the failed instance, never a 500."""

from __future__ import annotations

from tests.conftest import FIXTURES
from tests.engine.steps import VILLAGE


def test_a_start_that_fails_inside_spiff_answers_201_with_the_instance_in_error(api):
    designer, cun = api("sheji"), api("cun")
    deployed = designer.deploy(FIXTURES / "processes" / "copies.bpmn")
    assert deployed.status_code == 201

    started = cun.post("/instances", json={"process": "copies", "place": VILLAGE, "data": {"copies": "3"}})

    assert started.status_code == 201, started.json
    assert started.json["status"] == "error" and started.json["error"].startswith("TypeError:")
    assert cun.get(f"/instances/{started.json['id']}").status_code == 200

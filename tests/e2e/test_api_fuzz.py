"""Schemathesis fuzzes every operation of the served OpenAPI document against a live ``fangpin serve`` on the demo, as a
village cadre and as a county user (bearer tokens in ``Authorization``), with valid and with invalid requests: no
answer is a 5xx, and every answer has a status the operation declares, a declared content type and the shape declared
for that status. Bounded — a few derandomized examples per operation and mode, no deadline, no shrinking — to stay
within about two minutes on two cores; the figures are printed (``-s``)."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.e2e.server import running_server

PASSWORD = "fangpin2026"  # the demo's (web/demo.py)
VILLAGE, COUNTY = "village_150223100201", "county_150223"  # 艾力嘎查's cadre; the banner's bureau
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = 4  # per operation, mode and user
FUZZING = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                   phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def served(demos, tmp_path_factory) -> Iterator[str]:
    """The demo (a copy of this run's build) served on loopback; yields its root URL."""
    with running_server(demos.copy(tmp_path_factory.mktemp("fuzz")).env) as root:
        yield root


def _token(root: str, username: str) -> str:
    """The user's bearer token, from ``POST /api/v1/auth/token`` as any client gets it."""
    login = urllib.request.Request(f"{root}/api/v1/auth/token", method="POST",
                                   data=json.dumps({"username": username, "password": PASSWORD}).encode(),
                                   headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(login, timeout=60) as response:
        return json.loads(response.read())["token"]


def _examples(operation, mode: GenerationMode, headers: dict[str, str]) -> int:
    """Run the operation's examples of one mode; how many requests were sent (raises the first failure)."""
    sent = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @FUZZING
    def call(case) -> None:
        sent.append(case)
        case.call_and_validate(headers=headers, checks=CHECKS, timeout=120)

    call()
    return len(sent)


def _fuzzed(root: str, username: str) -> tuple[list[str], int, int]:
    """Every operation in both modes; the failures (operation, mode, what failed), operations and requests made."""
    schema = schemathesis.openapi.from_url(f"{root}/api/v1/openapi.json")
    schema.config.update(base_url=root)
    headers = {"Authorization": f"Bearer {_token(root, username)}"}
    failures: list[str] = []
    operations = requests = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                requests += _examples(operation, mode, headers)
            except (Exception, BaseExceptionGroup) as failure:  # each operation's failure is reported, the others still run
                failures.append(f"{operation.label} [{mode.value}]: {failure}")
    return failures, operations, requests


@pytest.mark.parametrize("username", [VILLAGE, COUNTY])
def test_no_operation_answers_a_server_error_or_off_its_declaration(served, username):
    started = time.monotonic()
    failures, operations, requests = _fuzzed(served, username)

    print(f"\nfuzz as {username}: {operations} operations, {requests} requests, {time.monotonic() - started:.1f} s")
    assert operations > 60
    assert not failures, "\n\n".join(failures)

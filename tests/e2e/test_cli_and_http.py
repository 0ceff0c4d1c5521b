"""End to end with the installed ``fangpin`` command and ``fangpin serve`` on loopback, nothing else.

Set up with the CLI, run a three-lane approval with a 5-day notice and an objection over HTTP,
and travel in time with ``fangpin timers run --now``.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.conftest import FIXTURES
from tests.e2e.server import cli, running_server

VILLAGE = "150223100201"

def call(base: str, method: str, path: str, token: str | None = None, body: dict | None = None):
    request = urllib.request.Request(f"{base}{path}", method=method,
                                     data=json.dumps(body).encode() if body is not None else None)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def login(base: str, username: str) -> str:
    status, body = call(base, "POST", "/auth/token", body={"username": username, "password": "password-123"})
    assert status == 200, body
    return body["token"]


def complete(base: str, token: str, instance_id: int, bpmn_id: str, data: dict) -> dict:
    status, inbox = call(base, "GET", "/tasks", token)
    task = next(t for t in inbox if t["instance_id"] == instance_id and t["bpmn_id"] == bpmn_id)
    status, body = call(base, "POST", f"/tasks/{task['id']}/complete", token, {"data": data})
    assert status == 200, body
    return body


def test_three_lane_approval_with_notice_and_objection_over_cli_and_http(env):
    cli(env, "db", "upgrade")
    cli(env, "db", "upgrade")  # idempotent
    for args in (["150000000000", "自治区", "--level", "region"],
                 ["150223000000", "达茂旗", "--parent", "150000000000", "--level", "county"],
                 ["150223100000", "百灵庙镇", "--parent", "150223000000"],
                 [VILLAGE, "艾力嘎查", "--parent", "150223100000"]):
        cli(env, "places", "add", *args)
    for user, role, place in (("cun", "village", VILLAGE), ("zhen", "township", "150223100000"),
                              ("qi", "county", "150223000000")):
        cli(env, "users", "add", user, "--role", role, "--place", place, "--password", "password-123")
    cli(env, "users", "add", "x", "--role", "village", "--place", "999", "--password", "password-123", expect=1)
    cli(env, "places", "add", "1502", "x", "--level", "planet", expect=2)
    deployed = cli(env, "processes", "deploy", str(FIXTURES / "processes" / "approval.bpmn"))
    assert "approval v1" in deployed.stdout
    assert "approval\tv1" in cli(env, "processes", "list").stdout
    bad = Path(env["FANGPIN_INSTANCE_DIR"]) / "bad.bpmn"
    bad.write_text((FIXTURES / "processes" / "approval.bpmn").read_text().replace('"P5D"', '"P5X"'))
    refused = cli(env, "processes", "deploy", str(bad), expect=1)
    assert "bad.bpmn:" in refused.stderr and "P5X" in refused.stderr

    started_at = datetime.now(UTC)
    with running_server(env) as root:
        base = f"{root}/api/v1"
        cun, zhen, qi = (login(base, u) for u in ("cun", "zhen", "qi"))
        status, instance = call(base, "POST", "/instances", cun, {"process": "approval", "place": VILLAGE,
                                                                 "data": {"applicant": "王某"}})
        assert status == 201, instance
        complete(base, cun, instance["id"], "visit", {"eligible": True, "income": 4000})
        status, objected = call(base, "POST", f"/instances/{instance['id']}/messages", cun,
                                {"name": "objection", "payload": {"by": "村民李某", "content": "收入不实"}})
        assert status == 200 and objected["tasks"][0]["bpmn_id"] == "visit"
        complete(base, cun, instance["id"], "visit", {"eligible": True, "income": 3900})

        early = (started_at + timedelta(days=4)).isoformat()
        assert cli(env, "timers", "run", "--now", early).stdout.startswith("0 ")
        late = (started_at + timedelta(days=5, hours=1)).isoformat()
        assert cli(env, "timers", "run", "--now", late).stdout.startswith("1 ")
        assert cli(env, "timers", "run", "--now", late).stdout.startswith("0 ")

        complete(base, zhen, instance["id"], "review", {"approved": True})
        final = complete(base, qi, instance["id"], "approve", {"approved": True})
        assert final["status"] == "completed"
        served = (Path(env["FANGPIN_INSTANCE_DIR"]) / f"serve-{root.rsplit(':', 1)[1]}.log").read_text()
        assert "Fangpin 已启动" in served and "State changed" not in served  # SpiffWorkflow's line per task state: off
        assert "审计链完整" in cli(env, "audit", "verify").stdout


def test_calendar_overrides_are_kept_by_the_cli(env):
    cli(env, "db", "upgrade")
    cli(env, "calendar", "set", "2027-02-08", "holiday", "--note", "春节")
    cli(env, "calendar", "set", "2027-02-20", "workday", "--note", "春节调休")
    assert cli(env, "calendar", "list").stdout.splitlines() == [
        "2027-02-08\tholiday\t春节", "2027-02-20\tworkday\t春节调休"]
    cli(env, "calendar", "unset", "2027-02-08")
    assert cli(env, "calendar", "list").stdout.splitlines() == ["2027-02-20\tworkday\t春节调休"]
    cli(env, "calendar", "set", "2027-13-01", "holiday", expect=2)

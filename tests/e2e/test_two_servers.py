"""Two ``fangpin serve --workers 2`` on one PostgreSQL, clients racing through both: nothing lost, nothing doubled.

Cases start through either server; then for every task several clients at once claim or complete it, each through
another server, and objections are delivered twice at once; two ``fangpin timers run`` sweep at once; users print
the same form at once on both servers. Each task is completed exactly once (one 200, the others 409), each step's
audit event exists once, each timer fires once, each document is rendered once, and the audit chain verifies.
"""

from __future__ import annotations

import subprocess
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from itertools import cycle

import pytest
from sqlalchemy import func, select, text

from engine import audit, versions
from engine.assignment import SYSTEM
from engine.models import AuditEvent
from monitoring import places
from monitoring.models import Document, DocumentStatus
from tests.conftest import fixture_files
from tests.e2e.server import FANGPIN, cli, running_server
from tests.e2e.test_cli_and_http import call, login
from web.app import create_app
from web.boundary import engine, unit_of_work
from web.extensions import db

VILLAGE = "150223100201"
CASES = 8
OBJECTED = 2  # of the cases, those whose notice draws an objection (sent twice at once: one is taken)
PRINTS = 6


@pytest.fixture
def shared_database(postgres_server, env):
    """A PostgreSQL database of its own, named in the environment of every command and both servers."""
    with postgres_server.admin.connect() as connection:
        connection.execute(text("CREATE DATABASE two_servers"))
    url = postgres_server.url("two_servers")
    env["FANGPIN_DATABASE_URL"] = url
    yield url
    with postgres_server.admin.connect() as connection:
        connection.execute(text("DROP DATABASE two_servers WITH (FORCE)"))


@pytest.fixture
def site(shared_database, env, monkeypatch):
    """``fangpin db upgrade``, then places, users and the approval model written in this process through the
    functions the CLI calls (each ``fangpin`` command costs seconds of start-up; the CLI has tests of its own)."""
    cli(env, "db", "upgrade")
    monkeypatch.setenv("FANGPIN_INSTANCE_DIR", env["FANGPIN_INSTANCE_DIR"])
    app = create_app({"SQLALCHEMY_DATABASE_URI": shared_database, "SECRET_KEY": env["FANGPIN_SECRET_KEY"],
                      "FORMS_DIR": env["FANGPIN_FORMS_DIR"]})
    with app.app_context():
        with unit_of_work() as session:
            for code, name, parent, level in (("150000000000", "自治区", None, "region"),
                                              ("150223000000", "达茂旗", "150000000000", "county"),
                                              ("150223100000", "百灵庙镇", "150223000000", "township"),
                                              (VILLAGE, "艾力嘎查", "150223100000", "village")):
                places.add_place(session, code, name, parent, level)
            for user, role, place in (("cun", "village", VILLAGE), ("cun2", "village", VILLAGE),
                                      ("zhen", "township", "150223100000")):
                places.add_user(session, user, role, place, "password-123")
            versions.deploy(engine(), session, fixture_files("approval.bpmn"), SYSTEM)
        yield app
        db.session.remove()
        db.engine.dispose()


def answers(requests: list[tuple]) -> list[tuple[int, dict]]:
    """Send the requests (``call``'s arguments) at once, one thread each; their (status, body), in order."""
    with ThreadPoolExecutor(len(requests)) as pool:
        return list(pool.map(lambda request: call(*request), requests))


def race(requests: list[tuple]) -> list[int]:
    """The HTTP statuses of the requests sent at once."""
    return [status for status, _ in answers(requests)]


def ready_task(base: str, token: str, instance_id: int, bpmn_id: str) -> str:
    status, inbox = call(base, "GET", "/tasks?limit=200", token)
    assert status == 200, inbox
    return next(t["id"] for t in inbox if t["instance_id"] == instance_id and t["bpmn_id"] == bpmn_id)


def test_two_servers_share_one_postgresql_without_losing_or_doubling_anything(site, env):
    with running_server(env, "--workers", "2") as first, running_server(env, "--workers", "2") as second:
        servers = [f"{first}/api/v1", f"{second}/api/v1"]
        a, b = servers
        tokens = {(user, base): login(base, user) for user in ("cun", "cun2", "zhen") for base in servers}
        started = [call(base, "POST", "/instances", tokens["cun", base], {"process": "approval", "place": VILLAGE,
                                                                         "data": {}})
                   for _, base in zip(range(CASES), cycle(servers), strict=False)]
        assert [status for status, _ in started] == [201] * CASES
        cases = [body["id"] for _, body in started]
        visit = {"data": {"eligible": True, "income": 1000}}

        for number, case in enumerate(cases):
            task = ready_task(a, tokens["cun", a], case, "visit")
            if number % 2:  # two colleagues claim it at once through both servers; the winner completes it
                claims = race([(s, "POST", f"/tasks/{task}/claim", tokens[u, s]) for u, s in (("cun", a), ("cun2", b))])
                assert sorted(claims) == [200, 409], claims
                winner, loser = (("cun", a), ("cun2", b)) if claims[0] == 200 else (("cun2", b), ("cun", a))
                completions = race([(s, "POST", f"/tasks/{task}/complete", tokens[u, s], visit)
                                    for u, s in (winner, loser)])
                assert completions == [200, 409], completions
            else:  # the same user submits it three times at once, through both servers
                completions = race([(s, "POST", f"/tasks/{task}/complete", tokens["cun", s], visit) for s in (a, b, a)])
                assert sorted(completions) == [200, 409, 409], completions

        objection = {"name": "objection", "payload": {"by": "村民", "content": "收入不实"}}
        for case in cases[:OBJECTED]:
            delivered = race([(s, "POST", f"/instances/{case}/messages", tokens["cun", s], objection) for s in servers])
            assert sorted(delivered) == [200, 409], delivered
            task = ready_task(b, tokens["cun", b], case, "visit")
            assert call(b, "POST", f"/tasks/{task}/complete", tokens["cun", b], visit)[0] == 200

        after_notice = (datetime.now(UTC) + timedelta(days=5, hours=1)).isoformat()
        sweepers = [subprocess.Popen([FANGPIN, "timers", "run", "--now", after_notice], env=env, text=True,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
        outputs = [sweeper.communicate(timeout=60) for sweeper in sweepers]
        assert [sweeper.returncode for sweeper in sweepers] == [0, 0], outputs
        assert sum(int(out.split()[0]) for out, _ in outputs) == CASES, outputs

        prints = answers([(s, "POST", "/documents", tokens["cun", s], {"kind": "annex7_blank"})
                          for _, s in zip(range(PRINTS), cycle(servers), strict=False)])
        assert {status for status, _ in prints} <= {200, 201}, prints  # 201: a print that asked for the new version
        assert len({(body["id"], body["sha256"]) for _, body in prints}) == 1, prints  # one rendering for all

        for case in cases:
            task = ready_task(a, tokens["zhen", a], case, "review")
            reviews = race([(s, "POST", f"/tasks/{task}/complete", tokens["zhen", s], {"data": {"approved": True}})
                            for s in servers])
            assert sorted(reviews) == [200, 409], reviews

    db.session.rollback()
    events = Counter(db.session.execute(select(AuditEvent.instance_id, AuditEvent.type)).all())
    documents = db.session.execute(select(Document.status, func.count()).where(Document.kind == "annex7_blank")
                                   .group_by(Document.status)).all()
    for number, case in enumerate(cases):
        visits = 2 if number < OBJECTED else 1
        assert events[case, "task_completed"] == visits + 1, (case, events)  # the visits and the review
        assert events[case, "timer_fired"] == 1, (case, events)
        assert events[case, "message_received"] == (1 if number < OBJECTED else 0), (case, events)
        assert events[case, "task_claimed"] == number % 2, (case, events)
    assert documents == [(DocumentStatus.READY, 1)]  # every print folded into the one rendering
    assert audit.verify(db.session).broken_at is None


def test_sqlite_serves_one_process_and_says_so(env):
    refused = cli(env, "serve", "--workers", "2", expect=2)
    assert "--workers" in refused.stderr and "PostgreSQL" in refused.stderr

"""What one task completion over the API asks of the database, counted statement by statement (never timed).

Every round trip costs the server and the database CPU at once, so the hot path reads what belongs together in one
statement: the caller's user with the path of its place, and the task rows being completed with their case's version;
and the answer is read in the step's own transaction (``bench/engine_steps.py`` prints what a completion costs)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event, text

from web.extensions import db

VILLAGE = "150223100201"


@contextmanager
def statements() -> Iterator[list[str]]:
    """The SQL the app sends while the block runs, in order, whitespace folded, with "BEGIN" where a transaction
    begins. The block starts without one, as a request does (the test's requests share the test's session)."""
    sent: list[str] = []

    def note(_connection, _cursor, statement, *_args) -> None:
        sent.append(" ".join(statement.split()))

    def begun(_connection) -> None:
        sent.append("BEGIN")

    event.listen(db.engine, "before_cursor_execute", note)
    db.session.close()
    event.listen(db.engine, "begin", begun)
    try:
        yield sent
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
        event.remove(db.engine, "begin", begun)


def reads(sent: list[str], table: str) -> list[str]:
    return [s for s in sent if s.startswith("SELECT") and re.search(rf"\bFROM {table}\b", s)]


def _completion(api) -> tuple[list[str], dict]:
    cun = api("cun")
    started = cun.post("/instances", json={"process": "approval", "place": VILLAGE, "data": {}})
    assert started.status_code == 201, started.json
    task_id = started.json["tasks"][0]["id"]
    with statements() as sent:
        response = cun.post(f"/tasks/{task_id}/complete", json={"data": {"eligible": True, "income": 4200}})
    assert response.status_code == 200, response.json
    return sent, response.json


def test_a_call_reads_its_user_with_the_place_in_one_statement(api, deployed):
    sent, _ = _completion(api)

    users = reads(sent, "users")
    assert len(users) == 1 and re.search(r"\bJOIN places\b", users[0]), users
    assert not reads(sent, "places")  # no second look-up of the user's place


def _lock(sent: list[str]) -> int:
    """Where the case's lock is taken: on PostgreSQL as its row is read, with the task (no row written for it); SQLite,
    which has no row locks, takes its write lock with an UPDATE that changes nothing."""
    if db.engine.dialect.name == "sqlite":
        return next(i for i, s in enumerate(sent)
                    if s.startswith("UPDATE process_instances SET revision=process_instances.revision "))
    return next(i for i, s in enumerate(sent)
                if s.startswith("SELECT") and s.endswith("FOR NO KEY UPDATE OF process_instances"))


def test_a_completion_reads_its_task_with_the_case_version_in_one_statement_before_the_lock(api, deployed):
    """On PostgreSQL the case's lock reads the task too; on SQLite the task is read first, in one statement with its
    case's version."""
    sent, answer = _completion(api)

    lock = _lock(sent)
    before_lock = [s for s in sent[:lock] if s.startswith("SELECT") and not reads([s], "users")]
    if db.engine.dialect.name == "sqlite":
        assert len(before_lock) == 1, before_lock
        assert re.search(r"\bFROM tasks JOIN process_instances\b", before_lock[0]), before_lock
    else:
        assert before_lock == [] and re.search(r"\bFROM tasks\b", sent[lock]), sent[:lock + 1]
    assert answer["events"][-1]["type"] == "task_completed"  # the answer is the case after the step, as before


def test_a_refused_completion_leaves_the_case_as_it_was(api, deployed):
    """The lock taken with the task read is rolled back with the refusal: bad data (422), a task that is not the
    caller's (404), a task already done in a case still running (409); the case's revision stays where it was."""
    cun = api("cun")
    started = cun.post("/instances", json={"process": "approval", "place": VILLAGE, "data": {}})
    task_id, case = started.json["tasks"][0]["id"], started.json["id"]

    def revision() -> int:
        db.session.close()
        return db.session.execute(text("SELECT revision FROM process_instances WHERE id = :id"), {"id": case}).scalar()

    before = revision()
    assert cun.post(f"/tasks/{task_id}/complete", json={"data": {"eligible": True, "income": "many"}}).status_code \
        == 422
    assert api("cun2").post(f"/tasks/{task_id}/complete", json={"data": {}}).status_code == 404
    assert revision() == before
    done = cun.post(f"/tasks/{task_id}/complete", json={"data": {"eligible": True, "income": 4200}})
    assert done.status_code == 200 and done.json["status"] == "running", done.json
    after = revision()
    assert cun.post(f"/tasks/{task_id}/complete", json={"data": {"eligible": True, "income": 4200}}).status_code \
        == 409
    assert revision() == after == before + 1


def test_the_answer_is_read_in_the_step_s_transaction(api, deployed):
    sent, answer = _completion(api)

    assert sent.count("BEGIN") == 1, [s[:30] for s in sent]
    assert answer["status"] == "running" and answer["tasks"] == []  # the case after the step: waiting for its notice
    assert {"type": "message", "name": "objection"} in answer["waiting"]


def test_the_answer_reads_the_case_with_its_version_number_in_one_statement_without_its_state(api, deployed):
    sent, answer = _completion(api)

    lock = _lock(sent)
    cases = reads(sent[lock + 1:], "process_instances")
    assert len(cases) == 1 and re.search(r"\bJOIN process_versions\b", cases[0]), cases
    assert "process_instances.state" not in cases[0]  # the workflow's kilobytes are not part of any answer
    assert not reads(sent[lock:], "process_versions")
    assert answer["version"] == 1 and answer["process"] == "approval"


def _kind(statement: str) -> str:
    """What a statement does to which table: ``SELECT users``, ``UPDATE tasks``, ``INSERT audit_events``, ``BEGIN``."""
    verb = statement.split(" ", 1)[0]
    while (outer := re.sub(r"\([^()]*\)", "", statement)) != statement:  # a subquery's table is not the one read
        statement = outer
    table = re.search(r"\b(?:FROM|UPDATE|INTO) (\w+)", statement)
    return f"{verb} {table.group(1)}" if table else verb


def test_a_completion_sends_these_statements_and_no_more(api, deployed):
    """The whole request, pinned statement by statement: a read added to the hot path (a second user or place read,
    an ORM refresh of the case, a lazy load in the answer) fails here instead of costing every completion silently."""
    sent, _ = _completion(api)

    # the step's writes (engine.round_trips): on PostgreSQL one statement, the case's UPDATE with the others in its WITH
    step = ["UPDATE tasks", "UPDATE process_instances", "INSERT audit_events"] if db.engine.dialect.name == "sqlite" \
        else ["WITH process_instances"]
    assert [_kind(s) for s in sent] == [
        "BEGIN",
        "SELECT users",  # the token's user, with its place's path
        "SELECT tasks",  # the task, with its case's version (on PostgreSQL locking the case)
        *(["UPDATE process_instances"] if db.engine.dialect.name == "sqlite" else []),  # SQLite's lock
        *step,  # the task done, the case saved (its only write), its audit rows
        "SELECT process_instances",  # the answer: the case with its version number, its open tasks, its first events
    ], sent


def test_a_case_s_answer_reads_its_open_tasks_with_the_case(api, deployed):
    cun = api("cun")
    with statements() as sent:
        started = cun.post("/instances", json={"process": "approval", "place": VILLAGE, "data": {}})

    assert started.status_code == 201, started.json
    answer = sent[len(sent) - sent[::-1].index("BEGIN"):]  # the answer's transaction, after the start's commit
    assert [_kind(s) for s in answer] == ["SELECT process_instances"], answer
    assert re.search(r"\bLEFT OUTER JOIN tasks\b", answer[0]) and re.search(r"\bFROM audit_events\b", answer[0])
    assert [t["bpmn_id"] for t in started.json["tasks"]] == ["visit"]

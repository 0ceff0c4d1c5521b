"""What one task completion over the API asks of the database, counted statement by statement (never timed).

Every round trip costs the server and the database CPU at once, so the hot path reads what belongs together in one
statement: the caller's user with the path of its place, and the task rows being completed with their case's version;
on PostgreSQL it begins no transaction: the step is its only write, one statement that commits itself
(``engine.lazy_transactions``; ``bench/engine_steps.py`` prints what a completion costs)."""

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
    begins and "COMMIT" where a unit of work commits. The block starts without one, as a request does (the test's
    requests share the test's session). PostgreSQL's BEGIN is a statement of its own (``engine.lazy_transactions``);
    SQLite's driver sends its own before the first write: the unit of work's start stands for it."""
    sent: list[str] = []

    def note(_connection, _cursor, statement, *_args) -> None:
        sent.append(" ".join(statement.split()))

    def marker(name: str):
        return lambda _connection: sent.append(name)

    listeners = [("before_cursor_execute", note), ("commit", marker("COMMIT"))]
    if db.engine.dialect.name == "sqlite":
        listeners.append(("begin", marker("BEGIN")))
    db.session.close()
    for name, listener in listeners:
        event.listen(db.engine, name, listener)
    try:
        yield sent
    finally:
        for name, listener in listeners:
            event.remove(db.engine, name, listener)


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


def _case_read(sent: list[str]) -> int:
    """Where the step reads its case: on PostgreSQL with the task, unlocked (the step's save checks the case's
    revision); SQLite, which has no row locks, takes its write lock with an UPDATE that changes nothing."""
    if db.engine.dialect.name == "sqlite":
        return next(i for i, s in enumerate(sent)
                    if s.startswith("UPDATE process_instances SET revision=process_instances.revision "))
    return next(i for i, s in enumerate(sent) if s.startswith("SELECT") and "process_instances.revision AS case_" in s)


def test_a_completion_reads_its_task_with_the_case_version_in_one_statement(api, deployed):
    """On PostgreSQL the task is read with what the step needs of its case, no row locked; on SQLite the task is read
    first, in one statement with its case's version, and then the case locked."""
    sent, answer = _completion(api)

    case = _case_read(sent)
    before = [s for s in sent[:case] if s.startswith("SELECT") and not reads([s], "users")]
    if db.engine.dialect.name == "sqlite":
        assert len(before) == 1, before
        assert re.search(r"\bFROM tasks JOIN process_instances\b", before[0]), before
    else:
        assert before == [] and re.search(r"\bFROM tasks\b", sent[case]), sent[:case + 1]
        assert " FOR " not in sent[case], sent[case]
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


def test_on_postgresql_a_completion_begins_no_transaction(api, deployed):
    """Its reads need none, and its one write commits itself; SQLite's driver begins one before the first write."""
    sent, answer = _completion(api)

    assert sent.count("BEGIN") == (1 if db.engine.dialect.name == "sqlite" else 0), [s[:30] for s in sent]
    assert answer["status"] == "running" and answer["tasks"] == []  # the case after the step: waiting for its notice
    assert {"type": "message", "name": "objection"} in answer["waiting"]


def test_the_answer_reads_the_case_with_its_version_number_in_one_statement_without_its_state(api, deployed):
    sent, answer = _completion(api)

    case = _case_read(sent)
    cases = reads(sent[case + 1:], "process_instances")
    assert len(cases) == 1 and re.search(r"\bJOIN process_versions\b", cases[0]), cases
    assert "process_instances.state" not in cases[0]  # the workflow's kilobytes are not part of any answer
    assert not reads(sent[case:], "process_versions")
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

    # the step's writes (engine.round_trips): on PostgreSQL one statement, the case's UPDATE and the others in its WITH
    sqlite = db.engine.dialect.name == "sqlite"
    step = ["UPDATE tasks", "UPDATE process_instances", "INSERT audit_events"] if sqlite else ["WITH saved"]
    assert [_kind(s) for s in sent] == [
        *(["BEGIN"] if sqlite else []),  # PostgreSQL's reads need no transaction, and its one write commits itself
        "SELECT users",  # the token's user, with its place's path
        "SELECT tasks",  # the task, with what the step needs of its case
        *(["UPDATE process_instances"] if sqlite else []),  # SQLite's lock
        *step,  # the task done, the case saved (its only write), its audit rows
        "SELECT process_instances",  # the answer: the case with its version number, its open tasks, its first events
        "COMMIT",
    ], sent


def test_a_case_s_answer_reads_its_open_tasks_with_the_case(api, deployed):
    cun = api("cun")
    with statements() as sent:
        started = cun.post("/instances", json={"process": "approval", "place": VILLAGE, "data": {}})

    assert started.status_code == 201, started.json
    answer = [s for s in sent[len(sent) - sent[::-1].index("COMMIT"):] if s != "BEGIN"]  # after the start's commit
    assert [_kind(s) for s in answer] == ["SELECT process_instances"], answer
    assert re.search(r"\bLEFT OUTER JOIN tasks\b", answer[0]) and re.search(r"\bFROM audit_events\b", answer[0])
    assert [t["bpmn_id"] for t in started.json["tasks"]] == ["visit"]

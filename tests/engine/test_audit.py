"""The audit log is hash-chained: altering, deleting or inserting a row is detected at that row."""

from sqlalchemy import delete, select, update

from engine import audit
from engine.assignment import SYSTEM
from engine.instances import start_instance
from engine.models import AuditEvent
from engine.versions import deploy
from tests.conftest import fixture_files


def fill(engine, session, actors, n=3):
    deploy(engine, session, fixture_files("approval.bpmn"), SYSTEM)
    village = actors["village"]
    for _ in range(n):
        start_instance(engine, session, "approval", "150223100201", village.place_path, village, {"k": 1})
    session.commit()


def test_an_untouched_chain_verifies(engine, session, actors):
    fill(engine, session, actors)
    report = audit.verify(session)
    assert report.broken_at is None
    assert report.checked == 4  # one deployment, three starts


def test_an_altered_row_breaks_the_chain_at_that_row(engine, session, actors):
    fill(engine, session, actors)
    session.execute(update(AuditEvent).where(AuditEvent.id == 3).values(detail={"k": 2}))
    session.commit()
    report = audit.verify(session)
    assert (report.broken_at, report.reason) == (3, "row content does not match its hash")


def test_a_rewritten_actor_is_detected(engine, session, actors):
    fill(engine, session, actors)
    session.execute(update(AuditEvent).where(AuditEvent.id == 2).values(actor="someone_else"))
    session.commit()
    assert audit.verify(session).broken_at == 2


def test_a_deleted_row_is_detected(engine, session, actors):
    fill(engine, session, actors)
    session.execute(delete(AuditEvent).where(AuditEvent.id == 2))
    session.commit()
    assert audit.verify(session).broken_at == 2


def test_a_deleted_last_row_is_detected(engine, session, actors):
    fill(engine, session, actors)
    session.execute(delete(AuditEvent).where(AuditEvent.id == 4))
    session.commit()
    assert audit.verify(session).broken_at == 4


def test_a_recomputed_row_still_breaks_the_link_of_the_next(engine, session, actors):
    fill(engine, session, actors)
    row = session.execute(select(AuditEvent).where(AuditEvent.id == 2)).scalar_one()
    forged = audit._digest(row.prev_hash, row.id, row.at, "forger", row.type, row.instance_id, row.task_id,
                           row.detail)
    session.execute(update(AuditEvent).where(AuditEvent.id == 2).values(actor="forger", hash=forged))
    session.commit()
    report = audit.verify(session)
    assert (report.broken_at, report.reason) == (3, "link to previous row does not match")

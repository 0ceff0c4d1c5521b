"""The audit log is hash-chained: altering, deleting or inserting a row is detected at that row."""

from sqlalchemy import delete, select, update

from engine import audit, tasks
from engine.assignment import SYSTEM
from engine.instances import start_instance
from engine.models import AuditEvent
from engine.queries import inbox
from engine.versions import deploy
from tests.conftest import fixture_files


def fill(engine, session, actors):
    """Rows: 1 deployment (global chain); 2 start, 3 claim, 4 unclaim, 5 completion, 6 end (one instance)."""
    deploy(engine, session, fixture_files("approval.bpmn"), SYSTEM)
    village = actors["village"]
    start_instance(engine, session, "approval", "150223100201", village.place_path, village, {"k": 1})
    task_id = inbox(session, village)[0].id
    tasks.claim_task(engine, session, task_id, village)
    tasks.unclaim_task(engine, session, task_id, village)
    tasks.complete_task(engine, session, task_id, village, {"eligible": False, "income": 9000})
    session.commit()
    types = session.execute(select(AuditEvent.type).order_by(AuditEvent.id)).scalars().all()
    assert types == ["process_deployed", "instance_started", "task_claimed", "task_unclaimed", "task_completed",
                     "instance_completed"]


def test_an_untouched_chain_verifies(engine, session, actors):
    fill(engine, session, actors)
    assert audit.verify(session) == audit.ChainReport(checked=6, broken_at=None)


def test_an_altered_row_breaks_the_chain_at_that_row(engine, session, actors):
    fill(engine, session, actors)
    session.execute(update(AuditEvent).where(AuditEvent.id == 5).values(detail={"after": {"eligible": True}}))
    session.commit()
    report = audit.verify(session)
    assert (report.broken_at, report.reason) == (5, "row content does not match its hash")


def test_a_rewritten_actor_is_detected(engine, session, actors):
    fill(engine, session, actors)
    session.execute(update(AuditEvent).where(AuditEvent.id == 2).values(actor="someone_else"))
    session.commit()
    assert audit.verify(session).broken_at == 2


def test_a_deleted_row_breaks_the_link_of_the_next(engine, session, actors):
    fill(engine, session, actors)
    session.execute(delete(AuditEvent).where(AuditEvent.id == 3))
    session.commit()
    report = audit.verify(session)
    assert report.broken_at == 4
    assert report.reason.startswith("link to the previous event does not match")


def test_a_deleted_last_row_is_detected(engine, session, actors):
    fill(engine, session, actors)
    session.execute(delete(AuditEvent).where(AuditEvent.id == 6))
    session.commit()
    report = audit.verify(session)
    assert report.broken_at == 5
    assert "missing" in report.reason


def test_a_recomputed_row_still_breaks_the_link_of_the_next(engine, session, actors):
    fill(engine, session, actors)
    row = session.execute(select(AuditEvent).where(AuditEvent.id == 3)).scalar_one()
    forged = audit.digest(row.prev_hash, row.at, "forger", row.type, row.instance_id, row.task_id, row.detail)
    session.execute(update(AuditEvent).where(AuditEvent.id == 3).values(actor="forger", hash=forged))
    session.commit()
    report = audit.verify(session)
    assert report.broken_at == 4

"""The scheduler drains a backlog of documents: every waiting one in a sweep while time allows, past a failing
one, and it says when work is left so that it comes back at once instead of after its interval."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from monitoring.models import Document, DocumentStatus
from web.documents import service
from web.serve import TimerScheduler

BACKLOG = 45  # more than one page of pending documents (20)


def queue(session, count: int, subject: str = "blank", kind: str = "annex7_blank", first: int = 1) -> None:
    """Pending requests as steps leave them (a blank form's repeat prints fold into its first version)."""
    for version in range(first, first + count):
        session.add(Document(kind=kind, subject=subject, version=version, title="监测对象信息采集表（空白）",
                             place_path="/", status=DocumentStatus.PENDING,
                             created_at=datetime(2026, 12, 10, 1, tzinfo=UTC), created_by="cun"))
    session.commit()


def waiting(session) -> list[Document]:
    session.expire_all()
    return list(session.execute(select(Document).where(Document.status == DocumentStatus.PENDING)).scalars())


def test_one_sweep_renders_the_whole_backlog_and_passes_a_document_that_fails(app, session):
    queue(session, 1, subject="household:999999", kind="annex7")  # its household is gone: it fails every time
    queue(session, BACKLOG)
    scheduler = TimerScheduler(app, 30)
    scheduler.sweep()
    assert [d.subject for d in waiting(session)] == ["household:999999"]
    assert scheduler.backlog is False  # what failed is retried at the next interval, not in a tight loop
    ready = session.execute(select(Document).where(Document.subject == "blank")).scalars().all()
    assert [(d.version, d.status) for d in ready] == [(1, DocumentStatus.READY)]  # the rest folded into it


def test_a_sweep_out_of_time_leaves_the_rest_and_says_so(app, session):
    queue(session, BACKLOG)
    with app.app_context():
        assert service.render_pending(0) == service.Backlog(rendered=0, waiting=True)
        assert len(waiting(session)) == BACKLOG
        assert service.render_pending(600) == service.Backlog(rendered=BACKLOG, waiting=False)
    assert waiting(session) == []

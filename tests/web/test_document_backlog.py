"""The scheduler drains a backlog of documents: every waiting one in a sweep while time allows, past a failing
one, and it says when work is left so that it comes back at once instead of after its interval."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, select, text

from monitoring.documents import render
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
    scheduler = TimerScheduler(app, 30, render_budget=600)  # the whole backlog fits, however slow the machine
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


def test_two_sweepers_at_once_render_each_pending_document_once(app, session):
    queue(session, BACKLOG)
    barrier = threading.Barrier(2)
    backlogs = []

    def sweep():
        with app.app_context():
            barrier.wait()
            backlogs.append(service.render_pending(600))

    sweepers = [threading.Thread(target=sweep) for _ in range(2)]
    for sweeper in sweepers:
        sweeper.start()
    for sweeper in sweepers:
        sweeper.join()
    assert sum(backlog.rendered for backlog in backlogs) == BACKLOG  # one folded into the first: each once
    assert waiting(session) == []


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_document_another_worker_is_rendering_is_passed_and_rendered_later_if_that_worker_fails(
        app, session, database_url):
    queue(session, 2)
    held, free = (d.id for d in waiting(session))
    other = create_engine(database_url)
    try:
        with other.connect() as worker:  # another host rendering ``held``: its row lock
            worker.execute(text("SELECT id FROM documents WHERE id = :id FOR UPDATE"), {"id": held})
            assert service.render_pending(600) == service.Backlog(rendered=1, waiting=False)
            assert [d.id for d in waiting(session)] == [held]
            session.rollback()
            worker.rollback()  # it fails mid-render, or dies: PostgreSQL ends a lost connection's transaction
    finally:
        other.dispose()
    assert service.render_pending(600) == service.Backlog(rendered=1, waiting=False)
    assert waiting(session) == []
    assert session.get(Document, free).status == DocumentStatus.READY


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_print_that_meets_another_workers_new_version_joins_it_instead_of_failing(
        app, session, actors, database_url):
    other = create_engine(database_url)
    answers = []

    def print_blank():
        with app.app_context():
            answers.append(service.print_now("annex7_blank", None, actors["village"]))

    try:
        with other.connect() as worker:  # another worker's print has just inserted version 1, not yet committed
            worker.execute(text(
                "INSERT INTO documents (kind, subject, version, title, place_path, status, created_at, created_by) "
                "VALUES ('annex7_blank', 'blank', 1, '监测对象信息采集表（空白）', '/', 'pending', now(), 'cun2')"))
            printing = threading.Thread(target=print_blank)
            printing.start()
            waiting_for_the_index(worker)
            worker.commit()
        printing.join()
    finally:
        other.dispose()
    ((document, new),) = answers
    assert (document.version, document.status, new) == (1, DocumentStatus.READY, True)  # the print it joined
    assert waiting(session) == []


def waiting_for_the_index(connection, seconds: float = 30) -> None:
    """Until another session waits for a lock this one holds (the unique index's entry), with a deadline."""
    deadline = time.monotonic() + seconds
    while not connection.execute(text("SELECT count(*) FROM pg_locks WHERE NOT granted")).scalar():
        assert time.monotonic() < deadline, "the print never reached the unique index"


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_second_version_waits_while_the_first_of_the_same_paper_renders_then_folds_into_it(
        app, session, database_url):
    queue(session, 2)  # two prints of the blank form: versions 1 and 2, the same data
    first, second = sorted(d.id for d in waiting(session))
    other = create_engine(database_url)
    try:
        with other.connect() as worker:  # another worker rendering version 1: its row and its paper held
            worker.execute(text("SELECT id FROM documents WHERE id = :id FOR UPDATE"), {"id": first})
            worker.execute(text("SELECT pg_advisory_xact_lock(hashtext('annex7_blank:blank'))"))
            assert service.render_pending(600) == service.Backlog(rendered=0, waiting=False)
            session.rollback()
            worker.rollback()
    finally:
        other.dispose()
    assert service.render_pending(600) == service.Backlog(rendered=2, waiting=False)
    rendered = session.execute(select(Document).where(Document.subject == "blank")).scalars().all()
    assert [(d.id, d.version, d.status) for d in rendered] == [(first, 1, DocumentStatus.READY)]  # 2 folded into 1
    assert second not in {d.id for d in rendered}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_render_on_sqlite_leaves_the_database_free_for_the_users_writes(app, session, database_url, monkeypatch):
    """A login's write while a demo's backlog renders: the renderer held SQLite's write lock through every PDF,
    and such writes failed as "database is locked"."""
    queue(session, 1)
    other = create_engine(database_url, connect_args={"timeout": 0})
    free_while_rendering = []
    real_render = render.render_pdf

    def render_while_writing_elsewhere(template, context):
        with other.begin() as connection:  # fails at once if the renderer holds the write lock
            connection.execute(text("UPDATE documents SET created_by = created_by WHERE id = -1"))
        free_while_rendering.append(True)
        return real_render(template, context)

    monkeypatch.setattr(render, "render_pdf", render_while_writing_elsewhere)
    with app.app_context():
        assert service.render_pending(600) == service.Backlog(rendered=1, waiting=False)
    other.dispose()
    assert free_while_rendering == [True]
    assert waiting(session) == []

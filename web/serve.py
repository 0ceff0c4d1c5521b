"""``fangpin serve``: the app in one waitress process (the demo's default) or in N gunicorn worker processes, each
with a background thread that fires due timers and renders pending documents.

Every sweeper is safe beside every other, on this host or another (``engine.timers``, ``web.documents.service``), so
each worker sweeps: no process is special, and any of them may stop or crash. After 02:00 China time the first sweep
of each night runs the data-quality checks over everything in whichever worker claims the night first
(``monitoring.quality.runner.claim_night``).
"""

from __future__ import annotations

import logging
import signal
import threading
from datetime import date
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication
from waitress import serve

from engine import timers
from engine.heap import freeze_startup_heap
from monitoring.quality import corrections
from monitoring.quality import runner as quality
from monitoring.quality.catalogue import CheckScope
from monitoring.quality.runner import RunSummary
from web.boundary import engine, unit_of_work
from web.documents import service as documents
from web.extensions import db

log = logging.getLogger("fangpin.timers")
RENDER_BUDGET = 10.0  # seconds of rendering per sweep: a backlog drains sweep after sweep, due timers wait no longer
GRACEFUL_SECONDS = 30  # a stopping worker finishes the requests it holds for this long, then is killed
SQLITE_REFUSED = ("SQLite 只能由一个进程服务 (--workers 1); 多个进程请使用 PostgreSQL "
                  "(FANGPIN_DATABASE_URL=postgresql+psycopg://…)")


class TimerScheduler(threading.Thread):
    """Sweeps due timers every ``interval`` seconds, and at once again while documents wait to be rendered (a
    demo or a village's batch asks for dozens at a time); safe beside other sweepers (see engine.timers)."""

    def __init__(self, app: Flask, interval: float, render_budget: float = RENDER_BUDGET) -> None:
        super().__init__(name="fangpin-timers", daemon=True)
        self.app = app
        self.interval = interval
        self.render_budget = render_budget
        self.stopped = threading.Event()
        self.backlog = True  # the last sweep left documents waiting; a server starting may find some (sweep at once)
        self.quality_night: date | None = None  # the last night whose data-quality run this worker saw claimed

    def run(self) -> None:
        while not self.stopped.wait(0 if self.backlog else self.interval):
            self.sweep()

    def sweep(self) -> int:
        """Fire due timers, then render the documents the steps asked for, for at most ``render_budget`` seconds."""
        with self.app.app_context():
            try:
                fired = timers.run_due_timers(engine(), unit_of_work)
            except Exception:  # keep the scheduler alive; the next sweep retries
                log.exception("timer sweep failed")
                fired = 0
            backlog = documents.render_pending(self.render_budget)
            self.nightly_quality()
        self.backlog = backlog.waiting
        if fired or backlog.rendered:
            log.info("%d timers fired, %d documents rendered%s", fired, backlog.rendered,
                     ", more waiting" if backlog.waiting else "")
        return fired


    def nightly_quality(self) -> RunSummary | None:
        """Once a night after 02:00 China time (the engine's clock), the data-quality checks over everything, a county
        at a time: the worker that claims the night's row runs them, every other worker (on any host) finds it
        claimed and looks again at its next sweep until the night is done — taking it over if the claim's lease runs
        out unfinished (its worker died)."""
        now = engine().now()
        night = quality.night_of(now)
        if night is None or night == self.quality_night:
            return None
        try:
            with unit_of_work() as session:
                run = quality.claim_night(session, night, now)
                if run is None:
                    if quality.night_done(session, night):
                        self.quality_night = night
                    return None
                summary, started = corrections.run_and_assign(
                    engine(), session, CheckScope(quality.EVERYWHERE, night), quality.NIGHTLY_BY, now, skip_busy=True,
                    run=run)
        except Exception:  # the counties committed stand; the night is run again once its claim's lease runs out
            log.exception("nightly data-quality run failed")
            return None
        self.quality_night = night
        log.info("nightly data-quality run: %d households, %d findings (%d new, %d closed), %d correction cases%s%s",
                 summary.checked, summary.tripped, summary.new, summary.closed, started,
                 f", failed checks {', '.join(summary.failed)}" if summary.failed else "",
                 f", counties held by another run {', '.join(summary.busy)}" if summary.busy else "")
        return summary


def one_process_only(app: Flask) -> bool:
    """SQLite allows one writer at a time and has no row locks: several processes would queue on its lock instead of
    sharing the work, so ``--workers`` above 1 is refused there rather than served slowly."""
    with app.app_context():
        return db.engine.dialect.name == "sqlite"


def run(app: Flask, host: str, port: int, threads: int, workers: int = 1) -> None:
    """Serve until SIGTERM or SIGINT, then stop gracefully (requests under way are finished)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    # SpiffWorkflow logs every task's change of state at INFO: a dozen lines (and writes) per completion, which the
    # case's audit events already record
    logging.getLogger("spiff").setLevel(logging.WARNING)
    if workers > 1:
        GunicornServer(app, host, port, threads, workers).run()
        return
    freeze_startup_heap()
    scheduler = TimerScheduler(app, app.config["TIMER_INTERVAL"])
    scheduler.start()
    signal.signal(signal.SIGTERM, _exit_quietly)  # waitress closes on SystemExit as on Ctrl-C
    print(f"Fangpin 已启动: http://{host}:{port}/", flush=True)
    try:
        serve(app, host=host, port=port, threads=threads, ident="fangpin")
    finally:
        scheduler.stopped.set()


def _exit_quietly(_signal: int, _frame: Any) -> None:
    raise SystemExit(0)


class GunicornServer(BaseApplication):
    """gunicorn with ``workers`` processes of ``threads`` threads (gthread) serving the app loaded once in the master
    and forked; each worker opens its own database connections and runs its own scheduler."""

    def __init__(self, app: Flask, host: str, port: int, threads: int, workers: int) -> None:
        self.app = app
        self.options = {"bind": f"{host}:{port}", "workers": workers, "worker_class": "gthread", "threads": threads,
                        "graceful_timeout": GRACEFUL_SECONDS, "preload_app": True, "proc_name": "fangpin",
                        "control_socket_disable": True,  # its one default path per user would clash between servers
                        "when_ready": lambda _arbiter: print(f"Fangpin 已启动: http://{host}:{port}/ "
                                                             f"({workers} 个进程)", flush=True),
                        "post_fork": self._forget_parent_connections,
                        "post_worker_init": self._start_scheduler}
        super().__init__()

    def load_config(self) -> None:
        for name, value in self.options.items():
            self.cfg.set(name, value)

    def load(self) -> Flask:
        """In the master, before it forks the workers (``preload_app``): each inherits the frozen heap."""
        freeze_startup_heap()
        return self.app

    def _forget_parent_connections(self, _arbiter: Any, _worker: Any) -> None:
        """A forked worker must not share the master's pooled connections (SQLAlchemy's rule for fork)."""
        with self.app.app_context():
            db.engine.dispose(close=False)

    def _start_scheduler(self, _worker: Any) -> None:
        """In each worker, once forked: a thread started in the master would not survive the fork."""
        TimerScheduler(self.app, self.app.config["TIMER_INTERVAL"]).start()

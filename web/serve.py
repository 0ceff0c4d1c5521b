"""``fangpin serve``: waitress serving the app, and a background thread that fires due timers."""

from __future__ import annotations

import logging
import threading

from flask import Flask
from waitress import serve

from engine import timers
from web.boundary import engine, unit_of_work
from web.documents import service as documents

log = logging.getLogger("fangpin.timers")
RENDER_BUDGET = 10.0  # seconds of rendering per sweep: a backlog drains sweep after sweep, due timers wait no longer


class TimerScheduler(threading.Thread):
    """Sweeps due timers every ``interval`` seconds, and at once again while documents wait to be rendered (a
    demo or a village's batch asks for dozens at a time); safe beside other sweepers (see engine.timers)."""

    def __init__(self, app: Flask, interval: float) -> None:
        super().__init__(name="fangpin-timers", daemon=True)
        self.app = app
        self.interval = interval
        self.stopped = threading.Event()
        self.backlog = True  # the last sweep left documents waiting; a server starting may find some (sweep at once)

    def run(self) -> None:
        while not self.stopped.wait(0 if self.backlog else self.interval):
            self.sweep()

    def sweep(self) -> int:
        """Fire due timers, then render the documents the steps asked for, for at most ``RENDER_BUDGET`` seconds."""
        with self.app.app_context():
            try:
                fired = timers.run_due_timers(engine(), unit_of_work)
            except Exception:  # keep the scheduler alive; the next sweep retries
                log.exception("timer sweep failed")
                fired = 0
            backlog = documents.render_pending(RENDER_BUDGET)
        self.backlog = backlog.waiting
        if fired or backlog.rendered:
            log.info("%d timers fired, %d documents rendered%s", fired, backlog.rendered,
                     ", more waiting" if backlog.waiting else "")
        return fired


def run(app: Flask, host: str, port: int, threads: int) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    scheduler = TimerScheduler(app, app.config["TIMER_INTERVAL"])
    scheduler.start()
    print(f"Fangpin 已启动: http://{host}:{port}/", flush=True)
    try:
        serve(app, host=host, port=port, threads=threads, ident="fangpin")
    finally:
        scheduler.stopped.set()

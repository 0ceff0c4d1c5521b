"""``fangpin demo`` built once per clock per test run and copied for each module that serves it.

A build takes 20–40 s, and its dozens of documents as long again to render; six modules serve the demo on two clocks.
xdist's workers share one build through a lock. Each module still gets an instance folder (SQLite file, documents,
department data) and a server of its own. A run that will serve a demo starts building it in the background once its
tests are collected (``DemoBuilds.start``): the build runs beside other tests instead of workers waiting for it.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.server import cli

ROOT = Path(__file__).resolve().parents[2]
SECRET_KEY = "browser-secret"  # the build's and every copy's: nothing the demo signs goes stale in a copy
BUILD_TIMEOUT = 600  # seconds a build step may take: once a run, on two cores the workers share


@dataclass(frozen=True)
class Demo:
    env: dict[str, str]  # the ``fangpin`` commands' environment on this copy
    summary: str  # what ``fangpin demo`` printed when it built the demo


def demo_env(instance: Path, clock: str | None) -> dict[str, str]:
    """The shipped forms and processes, the given instance folder, and the demo's clock (unset: the real one)."""
    env = {**os.environ, "FANGPIN_INSTANCE_DIR": str(instance), "FANGPIN_SECRET_KEY": SECRET_KEY}
    for name in ("FANGPIN_FORMS_DIR", "FANGPIN_PROCESSES_DIR", "FANGPIN_CLOCK"):
        env.pop(name, None)
    if clock:
        env["FANGPIN_CLOCK"] = clock
    return env


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One process at a time (xdist's workers are processes): the others wait for the build, then reuse it."""
    with path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _build(instance: Path, clock: str | None) -> str:
    """``fangpin demo`` in ``instance``, its documents rendered; what it printed."""
    env = demo_env(instance, clock)
    cli(env, "db", "upgrade", timeout=BUILD_TIMEOUT)
    summary = cli(env, "demo", timeout=BUILD_TIMEOUT).stdout
    rendered = subprocess.run([sys.executable, "-m", "tests.e2e.render_documents"], env=env, cwd=ROOT,
                              capture_output=True, text=True, timeout=BUILD_TIMEOUT)
    assert rendered.returncode == 0, rendered.stderr
    return summary


class DemoBuilds:
    """The demos of one test run, under ``shared`` (a folder every worker of the run sees, and no other run)."""

    def __init__(self, shared: Path) -> None:
        self.shared = shared
        self._building: list[subprocess.Popen] = []

    def start(self, clock: str | None = None) -> subprocess.Popen:
        """Build the demo on ``clock`` in a process of its own, now; ``copy`` then waits for it through the lock (or
        builds it itself if it comes first). Nothing is built twice: the build takes the same lock."""
        self.shared.mkdir(parents=True, exist_ok=True)
        log = (self.shared / f"build-{_folder_name(clock)}.log").open("w")
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.e2e.demos", str(self.shared), clock or ""], cwd=ROOT, stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True)  # its own group: stop() ends its commands too
        log.close()
        self._building.append(process)
        return process

    def stop(self) -> None:
        """End builds still running (a run stopped early): no process of the run is left behind."""
        for process in self._building:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
            process.wait()
        self._building.clear()

    def _built(self, clock: str | None) -> Path:
        folder = self.shared / f"demo-{_folder_name(clock)}"
        folder.mkdir(parents=True, exist_ok=True)
        with _locked(folder / "lock"):
            if (folder / "failed.txt").exists():  # the modules after the first fail at once, with its reason
                pytest.fail(f"building the demo failed: {(folder / 'failed.txt').read_text(encoding='utf-8')}")
            if not (folder / "summary.txt").exists():
                shutil.rmtree(folder / "instance", ignore_errors=True)  # what a stopped build left
                try:
                    summary = _build(folder / "instance", clock)
                except Exception as failure:
                    (folder / "failed.txt").write_text(str(failure), encoding="utf-8")
                    raise
                (folder / "summary.txt").write_text(summary, encoding="utf-8")
        return folder

    def copy(self, into: Path, clock: str | None = None) -> Demo:
        """A copy of the demo built on ``clock`` (e.g. ``2026-12-10T09:00:00+08:00``) in ``into``/instance."""
        built = self._built(clock)
        shutil.copytree(built / "instance", into / "instance")
        return Demo(demo_env(into / "instance", clock), (built / "summary.txt").read_text(encoding="utf-8"))


def _folder_name(clock: str | None) -> str:
    # digits only: a ':' in the path reaches alembic's settings as '%3A', which its interpolation refuses
    return re.sub(r"[^0-9]", "", clock) if clock else "today"


if __name__ == "__main__":  # DemoBuilds.start: python -m tests.e2e.demos SHARED_FOLDER CLOCK ('' for today)
    DemoBuilds(Path(sys.argv[1]))._built(sys.argv[2] or None)

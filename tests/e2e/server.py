"""The installed ``fangpin`` command and ``fangpin serve`` on loopback, for end-to-end tests."""

from __future__ import annotations

import socket
import subprocess
import sys
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import pytest

FANGPIN = str(Path(sys.executable).parent / "fangpin")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli(env, *args: str, expect: int = 0, timeout: float = 120) -> subprocess.CompletedProcess:
    result = subprocess.run([FANGPIN, *args], env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == expect, (args, result.stdout, result.stderr)
    return result


@contextmanager
def running_server(env, *options: str):
    """``fangpin serve`` (with ``options``, e.g. ``--workers 2``) in a subprocess; yields its root URL once the port
    accepts connections; afterwards it must stop cleanly on SIGTERM (exit status 0)."""
    port = _free_port()
    log_path = Path(env["FANGPIN_INSTANCE_DIR"]) / f"serve-{port}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = log_path.open("w")
    process = subprocess.Popen([FANGPIN, "serve", "--port", str(port), *options], env=env, stdout=log, stderr=log)
    deadline = datetime.now() + timedelta(seconds=60)
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if datetime.now() > deadline:
                process.kill()
                pytest.fail(f"fangpin serve did not start: {log_path.read_text()}")
            try:
                process.wait(timeout=0.1)
                pytest.fail(f"fangpin serve exited: {log_path.read_text()}")
            except subprocess.TimeoutExpired:
                pass
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=60)
        log.close()
    assert process.returncode == 0, log_path.read_text()

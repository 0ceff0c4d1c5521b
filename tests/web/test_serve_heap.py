"""``fangpin serve`` freezes the heap it has built before its first request: in the gunicorn master, which loads the
app once (``preload_app``) and forks the workers from it, so that they share its pages (``engine.heap``). Run in an
interpreter of its own, whose heap nothing has frozen yet."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent("""
    import gc, sys
    from web.app import create_app
    from web.serve import GunicornServer

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{sys.argv[1]}", "SECRET_KEY": "test"})
    before = gc.get_freeze_count()
    server = GunicornServer(app, "127.0.0.1", 0, threads=2, workers=2)
    configured = gc.get_freeze_count()
    assert server.cfg.preload_app  # the master loads the app before forking: what Arbiter.setup calls then
    assert server.wsgi() is app
    loaded = gc.get_freeze_count()
    assert server.wsgi() is app  # a worker's load (or a reload) finds it loaded
    print(before, configured, loaded, gc.get_freeze_count())
""")


def test_the_master_freezes_its_heap_once_when_it_loads_the_app_before_it_forks(tmp_path):
    result = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path / "fangpin.db")], cwd=ROOT,
                            capture_output=True, text=True, timeout=120,
                            env={"PATH": "/usr/bin:/bin", "FANGPIN_INSTANCE_DIR": str(tmp_path / "instance")})
    assert result.returncode == 0, result.stderr
    before, configured, loaded, again = map(int, result.stdout.split())
    assert before == configured == 0  # creating the app and the server's configuration freeze nothing yet
    assert loaded > 50_000  # the modules and the app: what every full collection would otherwise walk again
    assert again == loaded

"""``fangpin serve`` freezes the heap it has built before its first request: in the gunicorn master before it forks
the workers, so each inherits it frozen and shares its pages (``engine.heap``). Run in an interpreter of its own:
a test process may have frozen its heap already (every timer sweep freezes it once)."""

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
    assert server.load() is app
    loaded = gc.get_freeze_count()
    print(before, configured, loaded)
""")


def test_the_master_freezes_its_heap_when_it_loads_the_app_before_it_forks(tmp_path):
    result = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path / "fangpin.db")], cwd=ROOT,
                            capture_output=True, text=True, timeout=120,
                            env={"PATH": "/usr/bin:/bin", "FANGPIN_INSTANCE_DIR": str(tmp_path / "instance")})
    assert result.returncode == 0, result.stderr
    before, configured, loaded = map(int, result.stdout.split())
    assert before == configured == 0  # creating the app and the server's configuration freeze nothing yet
    assert loaded > 50_000  # the modules, the app and its processes: what every request would otherwise walk again

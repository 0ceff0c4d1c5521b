"""What the shipped models' process tests add to deploying them: every test database and every ``db upgrade``
deploys all of them, so their scenarios run each time.

Prints, per shipped model, the time to compile it (every deploy check) and the time its scenarios take, then the
totals; and the first run of all scenarios in a fresh process, which also starts the sandbox's worker processes.

Usage: python bench/process_tests.py [--runs 20]
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.timing import timed  # noqa: E402
from engine import scenarios  # noqa: E402
from engine.clock import FrozenClock  # noqa: E402
from engine.core import Engine  # noqa: E402
from engine.deploy import SourceFile, compile_model, with_forms  # noqa: E402
from monitoring.models import Role  # noqa: E402
from monitoring.process_functions import FUNCTIONS  # noqa: E402
from web.app import FORMATS  # noqa: E402
from web.shipped_processes import models as model_files_in  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    runs = parser.parse_args().runs
    roles = [role.value for role in Role]
    engine = Engine(roles=roles, functions=FUNCTIONS, formats=FORMATS,
                    clock=FrozenClock(datetime(2026, 3, 2, 1, 0, tzinfo=UTC)))
    uploads = {paths[0].stem: with_forms([SourceFile(p.name, p.read_bytes()) for p in paths], ROOT / "forms",
                                         ROOT / "processes")
               for paths in model_files_in(ROOT / "processes")}
    models = {stem: compile_model(files, roles) for stem, files in uploads.items()}

    began = time.perf_counter()
    results = [result for model in models.values() for result in scenarios.run(engine, model)]
    first = (time.perf_counter() - began) * 1000
    failed = [result.message for result in results if not result.passed]
    print(f"{len(results)} scenarios in {len(models)} models, {len(failed)} failed; first run (worker start) "
          f"{first:.0f} ms")
    for message in failed:
        print("  ", message)
    for stem, model in models.items():
        compiling = timed(runs, lambda files=uploads[stem]: compile_model(files, roles))
        running = timed(runs, lambda model=model: scenarios.run(engine, model))
        print(f"{stem:18} {len(model.scenarios)} scenarios   compile {compiling}   scenarios {running}")
    compiling = timed(runs, lambda: [compile_model(files, roles) for files in uploads.values()])
    running = timed(runs, lambda: [scenarios.run(engine, model) for model in models.values()])
    print(f"{'all':18}              compile {compiling}   scenarios {running}")

if __name__ == "__main__":
    main()

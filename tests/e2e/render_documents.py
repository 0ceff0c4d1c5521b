"""``python -m tests.e2e.render_documents``: render every pending document of the instance in the environment, as a
server's sweeps would (``web.documents.service.render_pending``), then exit.

A demo leaves dozens of documents pending; a build renders them once, so that no copy's server renders them all again
in the background (about a minute of CPU, with SQLite's write lock held while the module's tests log in and click)."""

from __future__ import annotations

from web.app import create_app
from web.documents.service import render_pending
from web.extensions import db


def main() -> None:
    app = create_app()
    with app.app_context():
        while render_pending(budget=60.0).waiting:
            pass
        db.engine.dispose()


if __name__ == "__main__":
    main()

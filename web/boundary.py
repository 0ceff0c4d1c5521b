"""The unit of work: the one place that commits (per request, per CLI command, per timer job)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app
from sqlalchemy.orm import Session

from engine.core import Engine
from web.extensions import db


def engine() -> Engine:
    return current_app.extensions["fangpin_engine"]


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """Yield the session; commit if the block succeeds, roll back everything if it raises."""
    session = db.session
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise

"""The unit of work: the one place that commits (per request, per CLI command, per timer job)."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.core import Engine
from monitoring.models import Place
from web.extensions import db

PLACE_CODES_PER_QUERY = 1000  # an IN list this long stays far below every database's bound on parameters


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


def place_paths(session: Session, codes: Collection[str]) -> dict[str, str]:
    """The engine's place lookup (``engine.placement``): code → path of those codes that name a place."""
    wanted = sorted(codes)
    found: dict[str, str] = {}
    for start in range(0, len(wanted), PLACE_CODES_PER_QUERY):
        chunk = wanted[start:start + PLACE_CODES_PER_QUERY]
        found.update(session.execute(select(Place.code, Place.path).where(Place.code.in_(chunk))).all())
    return found

"""Login throttling: too many failed logins for one account name, or from one address, lock its logins a while.

The failures are rows in the database, so every server process on it enforces the same locks. A lock is
not stored either: it is replayed from the failures, so concurrent attempts never race on a counter.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from monitoring.models import LoginFailure, LoginFailureKind


@dataclass(frozen=True)
class Limit:
    """``threshold`` failures within ``window`` lock for ``first_lock``; each further lock lasts twice as long."""

    threshold: int
    window: timedelta
    first_lock: timedelta
    longest_lock: timedelta


ACCOUNT_LIMIT = Limit(5, timedelta(minutes=15), timedelta(minutes=5), timedelta(hours=1))
ADDRESS_LIMIT = Limit(20, timedelta(minutes=15), timedelta(minutes=15), timedelta(hours=4))
MEMORY = timedelta(hours=24)  # failures older than this are forgotten, and with them the growth of the lock
KEY_LENGTH = LoginFailure.__table__.c.key.type.length
LIMITS = {LoginFailureKind.ACCOUNT: ACCOUNT_LIMIT, LoginFailureKind.ADDRESS: ADDRESS_LIMIT}


def lock_end(failures: Sequence[datetime], limit: Limit) -> datetime | None:
    """When the lock earned by these failures (oldest first) ends; None if they never earned one."""
    end: datetime | None = None
    streak: list[datetime] = []
    locks = 0
    for at in failures:
        if end is not None and at < end:  # tried while locked (a concurrent attempt): the lock already counts it
            continue
        streak = [earlier for earlier in streak if at - earlier < limit.window] + [at]
        if len(streak) >= limit.threshold:
            end = at + min(limit.first_lock * 2 ** locks, limit.longest_lock)
            locks += 1
            streak = []
    return end


def possible_username(name: str) -> bool:
    """Whether an account could have this name; others are looked up nowhere (PostgreSQL refuses NUL)."""
    return len(name) <= KEY_LENGTH and "\x00" not in name


def keys(username: str, address: str) -> dict[LoginFailureKind, str]:
    """What an attempt counts against; a name no account can have counts against the address only."""
    found = {LoginFailureKind.ADDRESS: address[:KEY_LENGTH]}
    if possible_username(username):
        found[LoginFailureKind.ACCOUNT] = username
    return found


def seconds_to_wait(session: Session, username: str, address: str, now: datetime) -> int:
    """Seconds until this name may try again from this address; 0 if it may now."""
    wait = 0
    for kind, key in keys(username, address).items():
        failures = session.execute(
            select(LoginFailure.at).where(LoginFailure.kind == kind, LoginFailure.key == key,
                                          LoginFailure.at > now - MEMORY).order_by(LoginFailure.at)).scalars().all()
        end = lock_end(failures, LIMITS[kind])
        if end is not None and end > now:
            wait = max(wait, math.ceil((end - now).total_seconds()))
    return wait


def record_attempt(session: Session, username: str, address: str, now: datetime) -> list[int]:
    """Count an attempt as failed before its password is checked, so parallel guesses cannot all slip past a lock.

    Returns the rows' ids for ``succeeded``; failures beyond ``MEMORY`` are dropped on the way.
    """
    session.execute(delete(LoginFailure).where(LoginFailure.at <= now - MEMORY))
    rows = [LoginFailure(kind=kind, key=key, at=now) for kind, key in keys(username, address).items()]
    session.add_all(rows)
    session.flush()
    return [row.id for row in rows]


def succeeded(session: Session, username: str, attempt: list[int]) -> None:
    """The attempt was right: it is no failure, and the account's earlier failures are forgiven.

    The address keeps its failures: one account of one's own must not reset guessing at others.
    """
    session.execute(delete(LoginFailure).where(LoginFailure.id.in_(attempt)))
    session.execute(delete(LoginFailure).where(LoginFailure.kind == LoginFailureKind.ACCOUNT,
                                               LoginFailure.key == username))

"""Server-side records of browser logins: the cookie names a record, and only a live record lets it in.

A record dies when the user logs out (that record only), when the user's session version changes
(password changed or reset, account deactivated: every record of the user) or when it grows too old.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import Select, bindparam, delete, select
from sqlalchemy.orm import Session

from engine.statements import built_once
from monitoring.models import LoginSession, Place, User

SEEN_EVERY = timedelta(minutes=1)  # how precise last_seen_at is


def _sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(session: Session, user: User, address: str, now: datetime,
                 lifetime: timedelta) -> tuple[str, LoginSession]:
    """A new record for ``user`` and the random token the cookie carries. Dead records are swept here."""
    session.execute(delete(LoginSession).where(LoginSession.created_at <= now - lifetime))
    session.execute(delete(LoginSession).where(LoginSession.user_id == user.id,
                                               LoginSession.session_version != user.session_version))
    token = secrets.token_urlsafe(32)
    record = LoginSession(token_sha256=_sha256(token), user_id=user.id, session_version=user.session_version,
                          address=address, created_at=now, last_seen_at=now)
    session.add(record)
    session.flush()
    return token, record


def live_session(session: Session, token: str, now: datetime, lifetime: timedelta
                 ) -> tuple[LoginSession, User, Place] | None:
    """The record, its user and the user's place if ``token`` names a live session of an active user. The place comes
    in the same read: every page scopes its queries by it and names it in its header (``SessionUser.place``)."""
    row = session.execute(_live_session(), {"token_sha256": _sha256(token), "born_after": now - lifetime}).first()
    return (row[0], row[1], row[2]) if row is not None else None


@built_once
def _live_session() -> Select[tuple[LoginSession, User, Place]]:
    return (select(LoginSession, User, Place).join(User, User.id == LoginSession.user_id)
            .join(Place, Place.code == User.place_code)
            .where(LoginSession.token_sha256 == bindparam("token_sha256"), User.active.is_(True),
                   LoginSession.session_version == User.session_version,
                   LoginSession.created_at > bindparam("born_after", type_=LoginSession.created_at.type)))


def seen_long_ago(record: LoginSession, now: datetime) -> bool:
    """Whether ``last_seen_at`` is due for a new note; a page view need not write every time."""
    return now - record.last_seen_at >= SEEN_EVERY


def end_session(session: Session, token: str) -> None:
    """Logout: this record goes, so the same cookie replayed later opens nothing."""
    session.execute(delete(LoginSession).where(LoginSession.token_sha256 == _sha256(token)))

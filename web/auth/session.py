"""Browser sessions (Flask-Login): who is logged in, and the actor every page query is scoped by.

The cookie carries only the random token of a server-side login record (login_sessions.py), so logging
out, a new password or a deactivation ends the session wherever the cookie is replayed.
"""

from __future__ import annotations

from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app, g, redirect, request, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_login import UserMixin, current_user, login_user, logout_user
from itsdangerous import URLSafeTimedSerializer

from engine.errors import Forbidden
from monitoring.models import LoginSession, Place, User
from monitoring.places import actor_at, get_place
from web.auth import login_sessions
from web.auth.login import client_address
from web.boundary import engine, unit_of_work
from web.extensions import db, login_manager


class SessionUser(UserMixin):
    """The logged-in user as Flask-Login sees it; ``user`` is the database row, ``record`` the login record, ``place``
    the user's place: every page scopes its queries by it and names it in its header."""

    def __init__(self, user: User, token: str, record: LoginSession, place: Place) -> None:
        self.user, self.token, self.record, self.place = user, token, record, place

    def get_id(self) -> str:
        return self.token


def start_session(user: User) -> None:
    """Open a login record for ``user`` and put its token in the session cookie."""
    with unit_of_work() as session:
        token, record = login_sessions.open_session(session, user, client_address(), engine().now(),
                                                    current_app.permanent_session_lifetime)
    login_user(SessionUser(user, token, record, get_place(db.session, user.place_code)))


def end_session() -> None:
    """Logout: the login record goes (a replayed cookie finds nothing), then the cookie forgets the user."""
    if current_user.is_authenticated:
        with unit_of_work() as session:
            login_sessions.end_session(session, current_user.token)
    logout_user()


def _load_user(token: str) -> SessionUser | None:
    found = login_sessions.live_session(db.session, token, engine().now(), current_app.permanent_session_lifetime)
    return SessionUser(found[1], token, found[0], found[2]) if found is not None else None


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed session cookie, its signing serializer built once per set of keys: Flask builds it afresh on every
    request (a fifth of setting up an API call), though the keys do not change while the app serves."""

    def __init__(self) -> None:
        self._serializers: dict[tuple, URLSafeTimedSerializer | None] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        serializer = self._serializers.get(keys)
        if serializer is None:
            serializer = self._serializers[keys] = super().get_signing_serializer(app)
        return serializer


def init_app(app: Flask) -> None:
    app.session_interface = SessionCookies()
    login_manager.init_app(app)
    login_manager.user_loader(_load_user)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "请先登录"
    login_manager.session_protection = "strong"


def local_path(target: str | None) -> str | None:
    """``target`` if it is a path on this site, else None: an open redirect would let a phishing link borrow us."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return None


def require_login(app: Flask, blueprints: set[str]) -> None:
    """Every page of these blueprints needs a logged-in user; ``g.user`` and ``g.actor`` are set for it."""

    @app.before_request
    def _require_login() -> Any:
        if request.blueprint not in blueprints:
            return None
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        now = engine().now()
        if login_sessions.seen_long_ago(current_user.record, now):
            with unit_of_work():
                current_user.record.last_seen_at = now
        g.user = current_user.user
        g.actor = actor_at(g.user, current_user.place.path)
        return None


def roles_required(*roles: str) -> Any:
    """A page only some roles may open; others get the 403 page."""

    def decorator(view: Any) -> Any:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if g.user.role not in roles:
                raise Forbidden("您的角色无权使用此功能")
            return view(*args, **kwargs)

        return wrapper

    return decorator

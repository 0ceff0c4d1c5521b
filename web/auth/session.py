"""Browser sessions (Flask-Login): who is logged in, and the actor every page query is scoped by.

The session remembers the user id and a fingerprint of the password hash, so changing a password
or deactivating a user ends every open session of that user.
"""

from __future__ import annotations

from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, g, redirect, request, url_for
from flask_login import UserMixin, current_user

from engine.errors import Forbidden
from monitoring.models import User
from monitoring.places import actor_for
from web.extensions import db, login_manager


class SessionUser(UserMixin):
    """The logged-in user as Flask-Login sees it; ``user`` is the database row."""

    def __init__(self, user: User) -> None:
        self.user = user

    def get_id(self) -> str:
        return f"{self.user.id}:{fingerprint(self.user)}"


def fingerprint(user: User) -> str:
    """Part of the password hash: sessions and API tokens carrying it die when the password changes."""
    return user.password_hash[-12:]


def _load_user(session_id: str) -> SessionUser | None:
    user_id, _, print_ = session_id.partition(":")
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    if user is None or not user.active or print_ != fingerprint(user):
        return None
    return SessionUser(user)


def init_app(app: Flask) -> None:
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
        g.user = current_user.user
        g.actor = actor_for(db.session, g.user)
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

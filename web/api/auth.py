"""Bearer tokens for the API: signed, expiring, and void once the user's password changes."""

from __future__ import annotations

from functools import wraps
from typing import Any

from flask import current_app, g, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select

from engine.assignment import Actor
from monitoring.models import User
from monitoring.places import actor_for
from web.api.errors import ApiError
from web.auth.session import fingerprint
from web.extensions import db


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="fangpin-api-token")


def issue_token(user: User) -> str:
    return _serializer().dumps({"uid": user.id, "pw": fingerprint(user)})


def authenticate(username: str, password: str) -> User | None:
    user = db.session.execute(select(User).where(User.username == username, User.active.is_(True))).scalar()
    if user is None or not user.check_password(password):
        return None
    return user


def _user_from_token(token: str) -> User | None:
    try:
        claims = _serializer().loads(token, max_age=current_app.config["TOKEN_MAX_AGE"])
    except BadSignature:
        return None
    user = db.session.get(User, claims.get("uid"))
    if user is None or not user.active or claims.get("pw") != fingerprint(user):
        return None
    return user


def token_required(view: Any) -> Any:
    """Resolve the bearer token to ``g.user`` and ``g.actor``; 401 otherwise."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        user = _user_from_token(token.strip()) if scheme.lower() == "bearer" else None
        if user is None:
            raise ApiError(401, "unauthorized", "未登录或登录已过期")
        g.user = user
        g.actor = actor_for(db.session, user)
        return view(*args, **kwargs)

    return wrapper


def current_actor() -> Actor:
    return g.actor

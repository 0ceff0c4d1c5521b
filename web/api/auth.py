"""Who calls the API: a bearer token (signed, expiring by the engine's clock, void once the user's session
version changes — new password, reset, deactivation; the payload is readable, so it holds nothing secret), or
the browser's login session when the page's CSRF token comes along in ``X-CSRFToken`` (the designer's pages):
logout ends that at once, and a foreign site can send the cookie but not the token."""

from __future__ import annotations

from functools import lru_cache, wraps
from typing import Any

from flask import Response, current_app, g, jsonify, request
from flask_login import current_user
from flask_wtf.csrf import validate_csrf
from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import Row, bindparam, select
from wtforms import ValidationError

from engine.assignment import Actor
from engine.driver_statements import DriverStatement
from monitoring.models import Place, User
from monitoring.places import actor_at, actor_for
from web.api.errors import ApiError, error_body
from web.auth.login import LoginResult
from web.boundary import engine
from web.extensions import db

USERS, PLACES = User.__table__, Place.__table__
# Built once: every API call reads its user and the path of the user's place in this one statement, as a row of the
# columns the routes read (``g.user``: id, username, role, place_code, department) — building an ORM ``User`` for it
# cost more than the query, and it runs on the driver's cursor (engine.driver_statements). Read afresh per call: a
# deactivation or new password reaches every worker process at once.
_USER_AT_PLACE = DriverStatement(
    select(USERS.c.id, USERS.c.username, USERS.c.role, USERS.c.place_code, USERS.c.department, USERS.c.active,
           USERS.c.session_version, PLACES.c.path)
    .join(PLACES, PLACES.c.code == USERS.c.place_code).where(USERS.c.id == bindparam("uid")))


def _clock_seconds() -> int:
    """Token times from the engine's clock, the one every other rule reads."""
    return int(engine().now().timestamp())


MAX_TOKEN_LENGTH = 512  # ours are under 100 characters: a longer one is not checked


class _ClockSigner(TimestampSigner):
    def get_timestamp(self) -> int:
        return _clock_seconds()


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt="fangpin-api-token", signer=_ClockSigner)


def issue_token(user: User) -> str:
    return _serializer(current_app.config["SECRET_KEY"]).dumps({"uid": user.id, "sv": user.session_version})


def refused_login(result: LoginResult) -> tuple[Response, int, dict[str, str]]:
    """401 for wrong credentials; 429 with ``Retry-After`` while the name or the address is locked."""
    if result.retry_after:
        body = error_body("too_many_attempts", result.message, retry_after=result.retry_after)
        return jsonify(body), 429, {"Retry-After": str(result.retry_after)}
    return jsonify(error_body("invalid_credentials", result.message)), 401, {}


@lru_cache(maxsize=4096)
def _signed(secret_key: str, token: str) -> tuple[Any, Any, int]:
    """The user id and session version the token names, and when it was signed; ``BadSignature`` if the signature is
    not ours (not remembered: junk cannot push out good tokens). Checking the signature is most of reading a token, and
    a client sends the same token call after call: each is checked once per secret key."""
    claims, signed_at = _serializer(secret_key).loads(token, return_timestamp=True)
    if not isinstance(claims, dict):
        raise BadSignature("not our claims")
    return claims.get("uid"), claims.get("sv"), int(signed_at.timestamp())


def _user_from_token(token: str) -> tuple[Row, Actor] | None:
    if len(token) > MAX_TOKEN_LENGTH:
        return None
    try:
        uid, session_version, signed_at = _signed(current_app.config["SECRET_KEY"], token)
    except BadSignature:
        return None
    if not 0 <= _clock_seconds() - signed_at <= current_app.config["TOKEN_MAX_AGE"]:
        return None  # expired, or signed after now by the engine's clock: what itsdangerous's max_age refuses
    found = _USER_AT_PLACE.first(db.session.connection(), {"uid": uid}) if isinstance(uid, int) else None
    if found is None or not found.active or session_version != found.session_version:
        return None
    return found, actor_at(found, found.path)


def _user_from_session() -> tuple[User, Actor] | None:
    """The page's logged-in user, only with the page's CSRF token: a cookie alone is what a foreign site can send."""
    if not current_user.is_authenticated:
        return None
    try:
        validate_csrf(request.headers.get("X-CSRFToken", ""))
    except ValidationError:
        raise ApiError(401, "csrf", "页面已过期或来源不明，请刷新页面后再试") from None
    return current_user.user, actor_for(db.session, current_user.user)


def token_required(view: Any) -> Any:
    """Resolve the bearer token (or the page's session with its CSRF token) to ``g.user`` (what routes read of the
    user: ``id``, ``username``, ``role``, ``place_code``, ``department``) and ``g.actor``; 401 otherwise."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        found = _user_from_token(token.strip()) if scheme.lower() == "bearer" else _user_from_session()
        if found is None:
            raise ApiError(401, "unauthorized", "未登录或登录已过期")
        g.user, g.actor = found
        return view(*args, **kwargs)

    return wrapper


def current_actor() -> Actor:
    return g.actor

"""Logging in, one rule for the login page and the API token: throttled, and silent about which users exist."""

from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass
from functools import cache

from flask import current_app, request
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from monitoring.models import User
from web.auth import throttle
from web.boundary import engine, unit_of_work

WRONG_CREDENTIALS = "用户名或密码错误"


@dataclass(frozen=True)
class LoginResult:
    """The user when the login succeeded; otherwise why not (``retry_after`` > 0: too many failures)."""

    user: User | None = None
    retry_after: int = 0  # seconds

    @property
    def message(self) -> str:
        if self.retry_after:
            return f"登录失败次数过多，请{wait_text(self.retry_after)}后再试"
        return WRONG_CREDENTIALS


def wait_text(seconds: int) -> str:
    return f"{math.ceil(seconds / 60)} 分钟" if seconds >= 60 else f"{seconds} 秒"


def client_address() -> str:
    """The address failures are counted against. Behind reverse proxies every peer is a proxy, so with
    ``TRUSTED_PROXIES`` = n it is the address the outermost of them saw: the n-th of X-Forwarded-For from the
    right (the entries left of it are whatever the client chose to send)."""
    proxies = current_app.config["TRUSTED_PROXIES"]
    forwarded = [a.strip() for a in ",".join(request.headers.getlist("X-Forwarded-For")).split(",") if a.strip()]
    if proxies and len(forwarded) >= proxies:
        try:
            return str(ipaddress.ip_address(forwarded[-proxies]))
        except ValueError:  # not written by a proxy of ours: the peer it is
            pass
    return request.remote_addr or ""


def log_in(username: str, password: str) -> LoginResult:
    """Check a login. While the name or the address is locked even the right password is refused.

    The attempt is stored as a failure and committed before the (slow) password check, so guesses sent in
    parallel meet the lock too; a right password then takes it back and clears the account's failures.
    """
    address, now = client_address(), engine().now()
    with unit_of_work() as session:
        wait = throttle.seconds_to_wait(session, username, address, now)
        if wait:
            return LoginResult(retry_after=wait)
        attempt = throttle.record_attempt(session, username, address, now)
    with unit_of_work() as session:
        user = _user_with_password(session, username, password)
        if user is not None:
            throttle.succeeded(session, username, attempt)
    return LoginResult(user=user)


def _user_with_password(session: Session, username: str, password: str) -> User | None:
    user = None
    if throttle.possible_username(username):
        user = session.execute(select(User).where(User.username == username, User.active.is_(True))).scalar()
    if user is None:
        check_password_hash(_unknown_user_hash(), password)  # as slow as a real check: timing names no users
        return None
    return user if user.check_password(password) else None


@cache
def _unknown_user_hash() -> str:
    return generate_password_hash("no user has this password")

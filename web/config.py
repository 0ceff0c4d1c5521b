"""Configuration from the environment (api.md), with defaults that need no setup.

This is the one place configuration is read: every path is made absolute here, against the working
folder the command was started in (Flask-SQLAlchemy would take a relative SQLite path from the app's
instance folder instead), and the clock is chosen here.
"""

from __future__ import annotations

import os
import secrets
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from engine.clock import Clock, RunningClock

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(ValueError):
    """A variable holds a value Fangpin cannot use; the message names the variable and says why."""


def parse_time(value: str) -> datetime:
    """An ISO 8601 time with its offset, or ``ValueError`` saying (in Chinese) what is wrong."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError("应为 ISO 8601 时间, 例如 2026-12-01T09:00:00+08:00") from None
    if parsed.tzinfo is None:
        raise ValueError("须带时区, 例如 2026-12-01T09:00:00+08:00")
    return parsed


def _variable(name: str) -> str | None:
    """The variable's value; set but empty counts as unset."""
    return os.environ.get(name) or None


def _folder(name: str, default: Path) -> Path:
    value = _variable(name)
    return Path(value).expanduser().resolve() if value else default


def _instance_dir() -> Path:
    path = _folder("FANGPIN_INSTANCE_DIR", Path.cwd().resolve() / "instance")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _database_url(instance: Path) -> str:
    """``FANGPIN_DATABASE_URL``, with a relative SQLite file taken from the working folder."""
    value = _variable("FANGPIN_DATABASE_URL")
    if value is None:
        return f"sqlite:///{instance / 'fangpin.db'}"
    try:
        url = make_url(value)
    except ArgumentError:
        raise ConfigError("FANGPIN_DATABASE_URL: 不是有效的数据库地址, 例如 "
                          "postgresql+psycopg://用户:密码@主机/库名 或 sqlite:////绝对路径/fangpin.db") from None
    database = url.database or ""
    if url.get_backend_name() != "sqlite" or database in ("", ":memory:") or database.startswith("file:") \
            or Path(database).is_absolute():
        return value
    return url.set(database=str(Path(database).expanduser().resolve())).render_as_string(hide_password=False)


def _secret_key(instance: Path) -> str:
    """``FANGPIN_SECRET_KEY`` or a key generated once and kept in the instance folder."""
    if key := _variable("FANGPIN_SECRET_KEY"):
        return key
    key_file = instance / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def _clock() -> Clock:
    """``FANGPIN_CLOCK``: a clock that starts at that time and runs on; unset, the real clock."""
    value = _variable("FANGPIN_CLOCK")
    if value is None:
        return Clock()
    try:
        return RunningClock(parse_time(value))
    except ValueError as exc:
        raise ConfigError(f"FANGPIN_CLOCK: {exc}") from None


_FLAGS = {"0": False, "false": False, "no": False, "off": False, "1": True, "true": True, "yes": True, "on": True}


def _flag(name: str) -> bool:
    """A yes/no variable, unset meaning no; a value that is neither stops the start rather than guess."""
    value = (_variable(name) or "0").strip().lower()
    if value not in _FLAGS:
        raise ConfigError(f"{name}: 应为 1 或 0 (true/false, yes/no, on/off), 不是 {value!r}")
    return _FLAGS[value]


def _count(name: str) -> int:
    """A whole number ≥ 0, unset meaning 0."""
    value = (_variable(name) or "0").strip()
    if not value.isdigit():
        raise ConfigError(f"{name}: 应为 0 或正整数, 不是 {value!r}")
    return int(value)


def from_environment() -> dict[str, Any]:
    """Flask settings from ``FANGPIN_*`` variables; ``ConfigError`` names a variable that cannot be used."""
    instance = _instance_dir()
    return {
        "SQLALCHEMY_DATABASE_URI": _database_url(instance),
        "SECRET_KEY": _secret_key(instance),
        "DOCUMENTS_DIR": str(_folder("FANGPIN_DOCUMENTS_DIR", instance / "documents")),
        "FORMS_DIR": str(_folder("FANGPIN_FORMS_DIR", PROJECT_ROOT / "forms")),
        "PROCESSES_DIR": str(_folder("FANGPIN_PROCESSES_DIR", PROJECT_ROOT / "processes")),
        "CLOCK": _clock(),
        "TOKEN_MAX_AGE": 12 * 3600,
        "TIMER_INTERVAL": 30,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _flag("FANGPIN_SECURE_COOKIES"),  # set it when served over TLS
        "TRUSTED_PROXIES": _count("FANGPIN_TRUSTED_PROXIES"),  # reverse proxies whose X-Forwarded-For is believed
        "PERMANENT_SESSION_LIFETIME": 12 * 3600,
        "WTF_CSRF_TIME_LIMIT": None,  # valid as long as the session: a long visit form must not expire
        "MAX_CONTENT_LENGTH": 32 * 1024 * 1024,
    }

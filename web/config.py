"""Configuration from the environment (api.md), with defaults that need no setup."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _instance_dir() -> Path:
    path = Path(os.environ.get("FANGPIN_INSTANCE_DIR", Path.cwd() / "instance"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def _secret_key(instance: Path) -> str:
    """``FANGPIN_SECRET_KEY`` or a key generated once and kept in the instance folder."""
    if key := os.environ.get("FANGPIN_SECRET_KEY"):
        return key
    key_file = instance / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def from_environment() -> dict:
    instance = _instance_dir()
    return {
        "SQLALCHEMY_DATABASE_URI": os.environ.get("FANGPIN_DATABASE_URL", f"sqlite:///{instance / 'fangpin.db'}"),
        "SECRET_KEY": _secret_key(instance),
        "DOCUMENTS_DIR": os.environ.get("FANGPIN_DOCUMENTS_DIR", str(instance / "documents")),
        "FORMS_DIR": os.environ.get("FANGPIN_FORMS_DIR", str(PROJECT_ROOT / "forms")),
        "PROCESSES_DIR": str(PROJECT_ROOT / "processes"),
        "TOKEN_MAX_AGE": 12 * 3600,
        "TIMER_INTERVAL": 30,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": 12 * 3600,
        "WTF_CSRF_TIME_LIMIT": None,  # valid as long as the session: a long visit form must not expire
        "MAX_CONTENT_LENGTH": 32 * 1024 * 1024,
    }

"""What the editor's script needs to know, given once in the page: roles for lanes, function names for scripts,
where the API and the preview are. No credential: the page calls the API on its login session with its CSRF
token (web.api.auth), so logging out ends the page's access at once."""

from __future__ import annotations

from typing import Any

from flask import url_for
from sqlalchemy import select

from engine.models import ProcessVersion
from engine.scripting import ENGINE_FUNCTIONS
from monitoring import permissions
from monitoring.models import User
from monitoring.people import ROLE_NAMES, labels
from monitoring.process_functions import FUNCTIONS
from web.boundary import engine
from web.extensions import db


def editor_data(key: str, user: User, *, may_write: bool) -> dict[str, Any]:
    """The JSON the editor page carries."""
    return {
        "key": key,
        "user": user.username,
        "may_write": may_write,
        "roles": [{"key": role, "name": ROLE_NAMES.get(role, role)}
                  for role in sorted(engine().roles & permissions.LANE_ROLES)],
        "functions": sorted({*ENGINE_FUNCTIONS, *FUNCTIONS}),
        "api": f"/api/v1/process-models/{key}",
        "preview": url_for("designer.form_preview", key=key),
        "list": url_for("designer.index"),
        "people": _people(key),
    }


def _people(key: str) -> dict[str, str]:
    """张三（流程设计员） for whoever published ``key`` and everyone who may save its draft while the page is open:
    pages show no login ids."""
    names = db.session.execute(select(ProcessVersion.deployed_by).where(ProcessVersion.key == key)
                               .union(select(User.username).where(User.role.in_(permissions.MODEL_READERS)))).scalars()
    return labels(db.session, names)


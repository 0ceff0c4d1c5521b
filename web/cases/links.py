"""Links from the case and notice pages into the household and task pages."""

from __future__ import annotations

from typing import Any

from flask import url_for


def household_url(household_id: int) -> str:
    return url_for("households.detail", household_id=household_id)


def task_url(task_id: str) -> str:
    return url_for("inbox.task", task_id=task_id)


def link_helpers() -> dict[str, Any]:
    """Template globals of the case and notice pages."""
    return {"household_url": household_url, "task_url": task_url}

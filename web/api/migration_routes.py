"""Moving running instances of a process onto another version of it (api.md "Process design": migrate)."""

from __future__ import annotations

from web.api.blueprint import api  # noqa: F401

"""Process design routes of /api/v1 (api.md "Process design"): drafts, validate, publish, versions, diff, restore."""

from __future__ import annotations

from web.api.blueprint import api  # noqa: F401

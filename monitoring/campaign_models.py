"""Tables of the annual adjustment campaign (年度动态管理): the campaign, each place's part in it, and the
households a village has checked. Registered on the shared metadata by ``monitoring.models``."""

from __future__ import annotations

from engine.models import Base  # noqa: F401  (the campaign's tables are declared on this metadata)

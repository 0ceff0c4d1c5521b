"""Tables of major events reported level by level (重大事项逐级上报). Registered on the shared metadata by
``monitoring.models``."""

from __future__ import annotations

from engine.models import Base  # noqa: F401  (the events' tables are declared on this metadata)

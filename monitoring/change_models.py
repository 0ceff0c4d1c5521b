"""Tables of natural changes of a household's population (人口自然变更). Registered on the shared metadata by
``monitoring.models``."""

from __future__ import annotations

from engine.models import Base  # noqa: F401  (the changes' tables are declared on this metadata)

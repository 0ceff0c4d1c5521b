"""URL converters: an id in a path that no row can have is a 404, not a database overflow."""

from __future__ import annotations

from typing import Any

from werkzeug.routing import IntegerConverter, Map

from engine.limits import INTEGER_MAX


class RowIdConverter(IntegerConverter):
    """``<int:…>`` bounded to the Integer columns: ``/households/10000000000000000000000000000`` matches no route."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", INTEGER_MAX)
        super().__init__(map, *args, **kwargs)

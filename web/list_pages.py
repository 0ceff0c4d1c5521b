"""How many rows a list page shows when its address does not ask (``?limit=``): on a phone each row is a card of
about 230 px, and fifty of them scrolled 11,000 px; each row also cost the page some 0.3 ms to read and render. The
lists within a record's page (a case's timeline and documents) and the API's lists keep
``engine.paging.DEFAULT_LIMIT``."""

from __future__ import annotations

from flask import request

from engine.paging import Window, read_window

PAGE_ROWS = 20


def page_window(rows: int = PAGE_ROWS) -> Window:
    """The window a list page's request asks for (``?after=…&limit=…``), ``rows`` when it names no limit."""
    return read_window(request.args.get("after"), request.args.get("limit") or rows)

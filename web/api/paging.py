"""Paged API lists: the body stays the JSON list api.md describes; the next page is in ``Link: <…>; rel="next"``
(RFC 8288) and the total in ``X-Total-Count``, so clients that read one list keep working."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlencode

from flask import Response, jsonify, request

from engine.paging import Page, Window, read_window
from web.api.parsing import query, query_values

T = TypeVar("T")


def window() -> Window:
    """``?after=<cursor>&limit=N`` of the request (checked against their declaration before the handler ran)."""
    return read_window(query("after"), query("limit"))


def paged(found: Page[T], shape: Callable[[T], Any]) -> Response:
    response = jsonify([shape(row) for row in found.rows])
    response.headers["X-Total-Count"] = str(found.total)
    if found.next_cursor:
        args = {**query_values(), "after": found.next_cursor}
        response.headers["Link"] = f'<{request.path}?{urlencode(args)}>; rel="next"'
    return response

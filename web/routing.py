"""What a request may carry before any view runs, for every page and API route alike.

An id in a path that no row can have is a 404, not a database overflow; a NUL character (``%00`` in a path,
a query or a form) is a 400, since PostgreSQL can neither store nor compare text holding one.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, request
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter, Map

from engine.limits import INTEGER_MAX
from web.api.errors import ApiError

NUL = "\x00"
NUL_REASON = "不能包含空字符 (NUL)"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")  # the bodies werkzeug reads as a form


def digits_up_to(limit: int) -> str:
    """A regular expression of the decimal numbers 0…``limit``: shorter ones, or as long and smaller at a digit."""
    text = str(limit)
    shorter = [rf"\d{{1,{len(text) - 1}}}"] if len(text) > 1 else []
    smaller = [f"{text[:i]}[0-{int(d) - 1}]" + rf"\d{{{len(text) - i - 1}}}" for i, d in enumerate(text) if d != "0"]
    return "(?:" + "|".join([*shorter, *smaller, text]) + ")"


class RowIdConverter(IntegerConverter):
    """``<int:…>`` bounded to the Integer columns: ``/households/10000000000000000000000000000`` matches no route — by
    its pattern, not only by its conversion, which werkzeug tries after the method: a POST to an address whose GET
    exists would be a 405."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", INTEGER_MAX)
        super().__init__(map, *args, **kwargs)
        self.regex = digits_up_to(self.max)


def init_app(app: Flask) -> None:
    """Call before any blueprint is registered: routes read the converters when they are added."""
    app.url_map.converters["int"] = RowIdConverter
    app.before_request(_refuse_nul)


def _field_with_nul() -> str | None:
    if NUL in request.path:
        return "_path"
    is_form = request.mimetype in FORM_TYPES  # any other body (JSON) has no form: not set up to parse one
    for source in (request.args, request.form) if is_form else (request.args,):
        for key, value in source.items(multi=True):
            if NUL in (key or "") or NUL in value:  # a multipart part whose name does not parse has none
                return key
    for key, upload in request.files.items(multi=True) if is_form else ():
        if NUL in (upload.filename or ""):
            return key
    return None


def _refuse_nul() -> None:
    where = _field_with_nul()
    if where is None:
        return
    if request.blueprint == "api":
        raise ApiError(400, "bad_request", f"请求{NUL_REASON}", {where.replace(NUL, ""): NUL_REASON})
    raise BadRequest(f"请求{NUL_REASON}")

"""Statements built once per shape, for the reads every page makes (inboxes, the login's session).

Building a SELECT in SQLAlchemy and generating its cache key costs far more than compiling it, which SQLAlchemy
caches by that key: a county's inbox page spent 5.7M of its 37.6M instructions (15 %) building the same two
statements on every request. A builder wrapped in ``built_once`` takes only what changes the statement's text (a
lane's shape, which filters apply, an order, whether a page follows a cursor), never a value: every value is a named
parameter (``bindparam``) that the caller passes when it runs the statement. A statement built for one user
therefore cannot carry that user's place to another; run without a value, it fails rather than reading anything.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

Builder = TypeVar("Builder", bound=Callable[..., object])

SHAPES_KEPT = 128  # per builder: its shapes are a product of a few booleans and names


def built_once(builder: Builder) -> Builder:
    """``builder``'s statement for each shape, built the first time that shape is asked for."""
    return functools.lru_cache(maxsize=SHAPES_KEPT)(builder)  # type: ignore[return-value]

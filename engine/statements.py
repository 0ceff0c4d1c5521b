"""Statements built once per shape, for the reads every page makes (inboxes, the login's session).

Building a SELECT in SQLAlchemy and generating its cache key costs far more than compiling it, which SQLAlchemy
caches by that key: a county's inbox page spent 5.7M of its 37.6M instructions (15 %) building the same two
statements on every request. A builder wrapped in ``built_once`` takes only what changes the statement's text (a
lane's shape, which filters apply, an order, whether a page follows a cursor), never a value: every value is a named
parameter (``bindparam``) that the caller passes when it runs the statement. A statement built for one user
therefore cannot carry that user's place to another; run without a value, it fails rather than reading anything.

A built statement is shared by every request of every thread: run it, never derive another from it (``.where``,
``.params``): a derived statement would start from the shared one's memoized state.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.sql.base import Executable

Builder = TypeVar("Builder", bound=Callable[..., Any])

# Per builder: the few shapes of everyday requests stay built; a rare combination of filters is built again when
# asked after a hundred others (the inbox's rows have some 800 possible shapes, each a few dozen kilobytes)
SHAPES_KEPT = 128


def built_once(builder: Builder) -> Builder:
    """``builder``'s statement for each shape, built the first time that shape is asked for."""

    @functools.lru_cache(maxsize=SHAPES_KEPT)
    @functools.wraps(builder)
    def build(*shape: Any) -> Any:
        built = builder(*shape)
        if isinstance(built, Executable):
            # its cache key made here, before threads share it: SQLAlchemy memoizes it on first use
            built._generate_cache_key()
        return built

    return build  # type: ignore[return-value]

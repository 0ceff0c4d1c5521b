"""Each URL rule's builder compiled once per test process, not once per test's app.

Werkzeug compiles every rule of an app into two Python functions (``Rule._compile_builder``: an AST, then ``compile``):
some 140 rules, about 0.1 s of the 0.15 s CPU a test's app costs to create, and 2,600 tests create one. The function
depends only on the rule's text, its parsed parts and ``append_unknown`` — it reaches the rule's converters through
its ``self`` argument when called — so every app's same rule can bind the one function. A rule with defaults bakes
them in; those are compiled as before.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from werkzeug.routing import Rule

Builder = Callable[..., tuple[str, str]]


def compiled_once(compile_builder: Callable[[Rule, bool], Builder]) -> Callable[[Rule, bool], Builder]:
    """``Rule._compile_builder`` with its functions kept by what they are made of (``__wrapped__``: the original)."""
    kept: dict[tuple[Any, ...], Builder] = {}

    @wraps(compile_builder)
    def builder(rule: Rule, append_unknown: bool = True) -> Builder:
        if rule.defaults:
            return compile_builder(rule, append_unknown)
        key = (rule.rule, tuple(rule._trace), append_unknown)
        if key not in kept:
            kept[key] = compile_builder(rule, append_unknown)
        return kept[key]

    return builder

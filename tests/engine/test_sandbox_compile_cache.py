"""Compiled scripts are kept, bounded, by source: a refused one is refused every time, a kept one carries no names."""

from __future__ import annotations

import pytest

from engine.errors import ScriptError
from engine.sandbox import SandboxEnvironment
from engine.sandbox_policy import compile_expression, compile_script


@pytest.mark.parametrize(("compile_", "source"), [
    (compile_script, "import os"),
    (compile_script, "x = ().__class__.mro()"),
    (compile_expression, "locals()"),
    (compile_expression, "_getattr_"),
])
def test_a_refused_source_is_refused_every_time_and_never_kept(compile_, source):
    kept = compile_.cache_info().currsize
    for _ in range(3):
        with pytest.raises(ScriptError):
            compile_(source)
    assert compile_.cache_info().currsize == kept


def test_a_source_is_compiled_once_and_the_cache_is_bounded():
    source = "cache_probe = 41 + 1"
    first = compile_script(source)
    hits = compile_script.cache_info().hits
    assert compile_script(source) is first
    assert compile_script.cache_info().hits == hits + 1
    assert compile_script.cache_info().maxsize == compile_expression.cache_info().maxsize == 4096


def test_a_kept_compilation_runs_only_with_the_names_of_its_own_evaluation():
    trusted = SandboxEnvironment({"secret": lambda: "only for this engine"})
    other = SandboxEnvironment()
    source = "leaked = secret() if defined('secret') else None\nseen = get('x')"
    for env in (trusted, other):  # a loop keeps it in a worker, where the compilation cache also lives
        env.execute(source + "\nfor _ in []:\n    pass", data := {})
        assert data == {"leaked": None, "seen": None}  # secret is a function, so defined() says no
    with pytest.raises(ScriptError, match="NameError"):
        other.execute("leaked = secret()", {})
    assert trusted.evaluate("secret()", {}) == "only for this engine"
    with pytest.raises(ScriptError, match="NameError"):
        other.evaluate("secret()", {})
    assert other.evaluate("get('x')", {"x": 1}) == 1
    assert other.evaluate("get('x')", {}) is None  # nothing of the evaluation before stays with the code

"""Expressions and scripts cheap enough for the server to run itself, without a round trip to a worker.

Most gateway conditions, due dates and timer expressions only read task data and compare it:
``visit["approved"]``, ``len(hits) > 0 or get("gaps")``, ``working_deadline(today(), 5)``. Their cost
is bounded by the size of the data they read, which is bounded itself (sandbox_data.py), because
none of their operations builds anything larger than its operands: names, constants, subscripts,
comparisons, ``and``/``or``/``not``, ``x if c else y``, ``-``, ``/`` and ``//``, displays of these, and
calls of ``len``, ``bool``, ``abs``, ``isinstance``, ``defined``, ``get`` and the engine's functions (trusted
code that runs in the server in any case). An expression of at most ``MAX_NODES`` such nodes takes
microseconds; anything else (repetition, concatenation, attribute access, other builtins, loops,
comprehensions, lambdas) goes to a worker process.

A script of such expressions is as cheap: ``name = <expression>`` and ``<expression>`` lines (``reason = None``,
``escalate_level("region")``), with no loop, no other statement and no target but a plain name, so it runs each
of at most ``MAX_NODES`` nodes once.
"""

from __future__ import annotations

import ast
from collections.abc import Collection
from functools import lru_cache

MAX_NODES = 64
_CHEAP_CALLS = frozenset({"len", "bool", "abs", "isinstance", "defined", "get"})
_PRINTING = frozenset({"print", "printed"})  # names RestrictedPython turns into the worker's print collector
_CHEAP_NODES = frozenset({
    ast.Expression, ast.Name, ast.Load, ast.Constant, ast.Subscript, ast.Slice, ast.Tuple, ast.List, ast.Set,
    ast.Dict, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub, ast.UAdd, ast.IfExp, ast.Compare,
    ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.Is, ast.IsNot, ast.In, ast.NotIn,
    ast.BinOp, ast.Sub, ast.Div, ast.FloorDiv, ast.Call, ast.keyword,
})
_CHEAP_STATEMENTS = frozenset({ast.Module, ast.Assign, ast.Expr, ast.Pass})


@lru_cache(maxsize=4096)
def is_cheap(source: str, functions: Collection[str]) -> bool:
    """Whether ``source`` is an expression the server may evaluate itself; ``functions`` are trusted names."""
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError:
        return False  # the worker reports it
    return _only_cheap(tree, functions)


@lru_cache(maxsize=4096)
def is_cheap_script(source: str, functions: Collection[str]) -> bool:
    """Whether ``source`` is a script the server may run itself: cheap expressions, each evaluated or assigned to a
    plain name once."""
    try:
        tree = ast.parse(source, mode="exec")
    except SyntaxError:
        return False
    assigned_to_names = all(isinstance(target, ast.Name) for statement in tree.body
                            if isinstance(statement, ast.Assign) for target in statement.targets)
    return assigned_to_names and _only_cheap(tree, functions, _CHEAP_STATEMENTS | {ast.Store})


def _only_cheap(tree: ast.AST, functions: Collection[str], statements: frozenset[type] = frozenset()) -> bool:
    nodes = list(ast.walk(tree))
    if len(nodes) > MAX_NODES:
        return False
    for node in nodes:
        if type(node) not in _CHEAP_NODES and type(node) not in statements:
            return False
        if isinstance(node, ast.Name) and (node.id.startswith("_") or node.id in _PRINTING):
            return False
        if isinstance(node, ast.Call) and not (isinstance(node.func, ast.Name)
                                               and (node.func.id in _CHEAP_CALLS or node.func.id in functions)):
            return False
    return True

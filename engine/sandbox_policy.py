"""What a process script may say: RestrictedPython's policy plus our own refusals.

Deploy compiles every script, condition and timer expression through here, so whatever is refused
is refused when the model is deployed, never when a case reaches the step. Operators that can build
a huge value in one call are turned into calls of guards (``_add_``, ``_mul_``…) that the worker
provides; names that would reveal the namespace (``locals()``…) are refused with the alternative.
"""

from __future__ import annotations

import ast
import re
from functools import lru_cache
from types import CodeType
from typing import ClassVar

from RestrictedPython import RestrictingNodeTransformer, compile_restricted_eval, compile_restricted_exec

from engine.errors import ScriptError

HUGE_WIDTH = re.compile(r"\d{7,}")  # a format width or precision of a million characters or more
NAMESPACE_HINT = "use defined('name') to ask whether a variable exists, or get('name', default) to read it"
_INTROSPECTION = frozenset({"locals", "vars", "globals", "dir"})


class _Policy(RestrictingNodeTransformer):
    """RestrictedPython's policy, with guarded operators and the refusals a designer gets told about."""

    GUARDS: ClassVar[dict[type, str]] = {ast.Add: "_add_", ast.Mult: "_mul_", ast.Pow: "_pow_",
                                         ast.LShift: "_lshift_", ast.Mod: "_mod_"}

    def visit_Import(self, node: ast.AST) -> None:
        self.error(node, "import is not allowed in process scripts")

    visit_ImportFrom = visit_Import

    def visit_Try(self, node: ast.Try) -> ast.AST:
        if node.finalbody:
            self.error(node, "finally is not allowed in process scripts")
        if any(handler.type is None for handler in node.handlers):
            self.error(node, "a bare except is not allowed; name the exception")
        return self.node_contents_visit(node)

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id in _INTROSPECTION:
            self.error(node, f"{node.id}() is not available in process scripts; {NAMESPACE_HINT}")
        return super().visit_Name(node)

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        if node.attr == "mro":  # reaches BaseException, which would let a script catch its own time limit
            self.error(node, "mro is not allowed in process scripts")
        return super().visit_Attribute(node)

    def visit_FormattedValue(self, node: ast.FormattedValue) -> ast.AST:
        spec = node.format_spec
        if spec is not None and not all(isinstance(v, ast.Constant) for v in spec.values):
            self.error(node, "computed format specifications are not allowed")
        elif spec is not None and HUGE_WIDTH.search("".join(str(v.value) for v in spec.values)):
            self.error(node, "format width too large")
        return self.node_contents_visit(node)

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        node = self.node_contents_visit(node)
        guard = self.GUARDS.get(type(node.op))
        if guard is None:
            return node
        call = ast.Call(func=ast.Name(id=guard, ctx=ast.Load()), args=[node.left, node.right], keywords=[])
        return ast.fix_missing_locations(ast.copy_location(call, node))


@lru_cache(maxsize=4096)
def compile_expression(source: str) -> CodeType:
    """Compile an expression under the sandbox policy; raises ``ScriptError`` naming the problem."""
    return _compile(source, "eval")


@lru_cache(maxsize=4096)
def compile_script(source: str) -> CodeType:
    """Compile a script (statements) under the sandbox policy."""
    return _compile(source, "exec")


def _compile(source: str, mode: str) -> CodeType:
    compiler = compile_restricted_eval if mode == "eval" else compile_restricted_exec
    result = compiler(source.strip() if mode == "eval" else source, "<script>", policy=_Policy)
    if result.errors:
        raise ScriptError("; ".join(result.errors))
    return result.code

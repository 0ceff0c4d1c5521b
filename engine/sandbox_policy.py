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
    text = source.strip() if mode == "eval" else source
    _check_syntax(text, mode)
    compiler = compile_restricted_eval if mode == "eval" else compile_restricted_exec
    result = compiler(text, "<script>", policy=_Policy)
    if result.errors:
        raise ScriptError("; ".join(result.errors))
    return result.code


# Python's syntax messages in a designer's words (the start of the message decides); others are kept as they are
_SYNTAX_WORDS = (
    ("invalid syntax. Perhaps you forgot a comma", "语法无效，可能缺少逗号"),
    ("invalid syntax", "语法无效"),
    ("was never closed", "括号没有闭合"),
    ("unmatched", "多余的右括号"),
    ("closing parenthesis", "括号不配对"),
    ("expected ':'", "缺少冒号“:”"),
    ("unterminated string literal", "字符串缺少结尾的引号"),
    ("unterminated triple-quoted string", "三引号字符串没有结尾"),
    ("unexpected indent", "多余的缩进"),
    ("expected an indented block", "此处应有缩进的语句"),
    ("unindent does not match", "缩进与上文不一致"),
    ("invalid character", "含有无效的字符（例如中文标点）"),
    ("cannot assign to", "不能给此处赋值（比较请用 ==）"),
    ("too many nested parentheses", "括号嵌套过深"),
    ("unexpected EOF", "语句不完整"),
    ("invalid decimal literal", "无效的数字"),
)


def _check_syntax(text: str, mode: str) -> None:
    """Python's own syntax error, said in Chinese with line and column and the line itself: RestrictedPython would
    give Python's English message and no column."""
    try:
        ast.parse(text, mode=mode)
    except SyntaxError as exc:
        why = next((words for start, words in _SYNTAX_WORDS if start in (exc.msg or "")), exc.msg)
        column = f"第 {exc.offset} 列" if exc.offset else ""
        line = (exc.text or "").strip()
        shown = f"（{line[:60]}）" if line else ""
        raise ScriptError(f"第 {exc.lineno or 1} 行{column}语法错误：{why}{shown}") from None
    except (RecursionError, MemoryError):
        raise ScriptError("表达式嵌套过深") from None

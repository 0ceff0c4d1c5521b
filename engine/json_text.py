"""Reading JSON a designer typed (a form, a tests file): a bounded depth and a reason in Chinese with the line.

``json.loads`` recurses once per nesting level, so a deeply nested text raises ``RecursionError`` (not
``ValueError``) and every later walk over the value (validation, ``copy.deepcopy``) recurses as deep again.
The depth is therefore measured on the text first, linearly and without recursion, and refused above
``MAX_JSON_DEPTH``; nothing a form or a scenario needs comes near it.
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

MAX_JSON_DEPTH = 40
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}
# the json module's messages in the words a designer reads them (their position is told apart)
_JSON_MESSAGES = {
    "Expecting property name enclosed in double quotes": "应为双引号括起的字段名（最后一项后不能有逗号）",
    "Expecting ',' delimiter": "缺少逗号",
    "Expecting ':' delimiter": "缺少冒号",
    "Expecting value": "缺少值",
    "Extra data": "结尾之后还有多余的内容",
    "Unterminated string starting at": "字符串缺少结尾的双引号",
    "Invalid control character at": "字符串中有换行或控制字符",
    "Invalid \\escape": "无效的转义字符",
}


class JsonTextError(ValueError):
    """The text is not JSON that may be read: ``message`` in Chinese, ``line`` (1-based) when one can be named."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def json_depth(text: str) -> int:
    """The deepest nesting of arrays and objects in ``text`` (brackets inside strings do not count)."""
    steps = (_STEP[b] for b in _BRACKETS.findall(_STRING.sub("", text)))
    return max(accumulate(steps, initial=0))


def load_json_limited(text: str, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """``json.loads(text)`` for text a designer typed, or ``JsonTextError`` saying where and why in Chinese:
    a syntax error names line and column, nesting deeper than ``max_depth`` is refused before parsing."""
    if json_depth(text) > max_depth:
        raise JsonTextError(f"嵌套层数过多（最多 {max_depth} 层）")
    try:
        return json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        why = _JSON_MESSAGES.get(exc.msg, "格式错误")
        raise JsonTextError(f"第 {exc.lineno} 行第 {exc.colno} 列无法读取：{why}", exc.lineno) from None
    except RecursionError:  # an unbalanced text the depth count could not see through
        raise JsonTextError(f"嵌套层数过多（最多 {max_depth} 层）") from None


def _no_constant(name: str) -> Any:
    """NaN and Infinity are not JSON; Python's reader takes them unless told not to."""
    raise JsonTextError(f"“{name}”不是有效的 JSON 值")

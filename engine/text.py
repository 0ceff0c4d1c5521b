"""The rule for text a person types (names, notes, form answers): what may be stored, and in which form.

A name that is only a zero-width space looks blank on every page; NUL cannot be stored by PostgreSQL;
control characters and bidi overrides make a list or a notice show something other than what is stored.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")  # Unicode category Cc
_CONTROL_BUT_LINES = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # tab, LF and CR allowed
_SURROGATE = re.compile("[\ud800-\udfff]")  # a lone half of a pair: cannot be encoded, so never stored
_ANY_FORBIDDEN = {multiline: re.compile("|".join(p.pattern for p in (_BIDI, control, _SURROGATE)))  # one scan
                  for multiline, control in ((False, _CONTROL), (True, _CONTROL_BUT_LINES))}


class TextError(ValueError):
    """``reason`` says in Chinese why the text is refused."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _invisible(char: str) -> bool:
    """Trimmed away at the ends: blanks and format characters. Control and bidi characters are not (Python's
    ``isspace`` counts ``\\x1c``-``\\x1f`` and ``\\x85`` as blanks), so that they are refused rather than hidden."""
    if char in " \t\n\r":
        return True
    category = unicodedata.category(char)
    return category in ("Zs", "Zl", "Zp") or (category == "Cf" and char not in BIDI_CONTROLS)


def trimmed(text: str) -> str:
    """NFC, without whitespace or zero-width/format characters at either end (``"\\u200b"`` becomes ``""``)."""
    text = unicodedata.normalize("NFC", text)
    start, end = 0, len(text)
    while start < end and _invisible(text[start]):
        start += 1
    while end > start and _invisible(text[end - 1]):
        end -= 1
    return text[start:end]


def character_problem(text: str, multiline: bool = False) -> str | None:
    """Why ``text`` holds a character no stored text may hold, or None."""
    if not _ANY_FORBIDDEN[multiline].search(text):
        return None
    if _BIDI.search(text):
        return "不能包含文字方向控制字符"
    if (_CONTROL_BUT_LINES if multiline else _CONTROL).search(text):
        return "不能包含控制字符" if multiline else "不能包含换行或控制字符"
    return "包含无效字符"


def clean_text(value: Any, max_length: int, *, label: str = "", required: bool = True,
               multiline: bool = False) -> str:
    """``value`` as it is stored: NFC, trimmed, CRLF as LF; ``TextError`` when it cannot be.

    ``label`` starts each reason (``"姓名必填"``); ``required`` refuses text that is blank once trimmed;
    ``multiline`` allows newlines and tabs inside.
    """
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise TextError(f"{label}应为文本")
    text = trimmed(value.replace("\r\n", "\n") if multiline else value)
    if not text:
        if required:
            raise TextError(f"{label}必填" if not value.strip() else f"{label}不能只有空白或不可见字符")
        return ""
    problem = character_problem(text, multiline)
    if problem:
        raise TextError(f"{label}{problem}")
    if len(text) > max_length:
        raise TextError(f"{label}不能超过{max_length}个字")
    return text


def read_text(value: Any, field: str, problems: dict[str, str], max_length: int, *, label: str = "",
              required: bool = True, multiline: bool = False) -> str:
    """``clean_text``, noting a refusal in ``problems[field]`` so a form reports every field at once."""
    try:
        return clean_text(value, max_length, label=label, required=required, multiline=multiline)
    except TextError as exc:
        problems[field] = exc.reason
        return ""

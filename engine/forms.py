"""Validating task submissions against their JSON Schema form, with reasons per field in Chinese.

Beyond the schema, every submission is held to what any stored answer must be: numbers finite (JSON
Schema lets NaN through every bound), text free of control and bidi characters, ``minLength``
counting what a reader sees (a zero-width space is not an answer), and a date within 1900–2100 (a
document prints "1年1月1日" otherwise). A date property marked ``"x-not-after-today": true`` says when
something was done: it may not be later than the engine's today.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterator, Mapping
from datetime import date
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker, validators
from jsonschema.exceptions import ValidationError
from jsonschema.protocols import Validator
from referencing.exceptions import Unresolvable

from engine import clock
from engine.calendar import CHINA_TZ
from engine.errors import InvalidData
from engine.text import character_problem, trimmed

_TYPE_WORDS = {
    "string": "文本", "number": "数字", "integer": "整数", "boolean": "是或否",
    "array": "列表", "object": "对象", "null": "空值",
}


def _reason(error: ValidationError, format_words: Mapping[str, str]) -> str:
    v = error.validator_value
    match error.validator:
        case "required":
            return "必填"
        case "type":
            kinds = v if isinstance(v, list) else [v]
            return "应为" + "或".join(_TYPE_WORDS.get(k, k) for k in kinds)
        case "minimum":
            return f"不能小于{v}"
        case "maximum":
            return f"不能大于{v}"
        case "exclusiveMinimum":
            return f"必须大于{v}"
        case "exclusiveMaximum":
            return f"必须小于{v}"
        case "minLength":
            return "不能为空" if v == 1 else f"至少{v}个字"
        case "maxLength":
            return f"不能超过{v}个字"
        case "minItems":
            return f"至少{v}项"
        case "maxItems":
            return f"至多{v}项"
        case "uniqueItems":
            return "不能有重复项"
        case "enum":
            return "应为以下之一: " + "、".join(str(x) for x in v)
        case "pattern":
            return "格式不正确"
        case "format":
            return format_words.get(v, "格式不正确")
        case "additionalProperties":
            return "不允许的字段"
        case "x-not-after-today":
            return error.message
        case _:
            return "取值不正确"


FIRST_YEAR, LAST_YEAR = 1900, 2100  # the years a date in a form may fall in
NOT_AFTER_TODAY = "x-not-after-today"
_FORMAT_WORDS = {"date": f"日期应为 YYYY-MM-DD，年份在{FIRST_YEAR}至{LAST_YEAR}之间",
                 "date-time": "时间格式不正确"}  # reasons per format


def _field_paths(error: ValidationError) -> list[str]:
    base = [str(p) for p in error.absolute_path]
    if error.validator == "required":
        missing = [k for k in error.validator_value if isinstance(error.instance, dict) and k not in error.instance]
        return [".".join([*base, k]) for k in missing]
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = error.schema.get("properties", {})
        return [".".join([*base, k]) for k in error.instance if k not in allowed]
    return [".".join(base) or "_form"]


def _leaf_errors(errors: list[ValidationError]) -> list[ValidationError]:
    """``if/then`` and ``allOf`` wrap the useful errors; report those, not the wrapper."""
    result = []
    for error in errors:
        result.extend(_leaf_errors(list(error.context)) if error.context else [error])
    return result


def _visible_min_length(validator: Validator, minimum: int, instance: Any, schema: Mapping[str, Any]
                        ) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and len(trimmed(instance)) < minimum:
        yield ValidationError(f"{instance!r} is too short")


def _is_integer(checker: Any, instance: Any) -> bool:
    """An integer is an int: JSON Schema also takes 15.0, which then slips past every rule that counts ints
    (votes 3.0 against 17 passed as approved) and prints as 15.0."""
    return isinstance(instance, int) and not isinstance(instance, bool)


_SchemaValidator = validators.extend(Draft202012Validator, {"minLength": _visible_min_length},
                                     type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_integer))


def _value_problems(data: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(path, reason) for each number that is not finite and each text holding a forbidden character."""
    stack = [(path, data)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, float) and not math.isfinite(value):
            yield where or "_form", "应为有限的数字"
        elif isinstance(value, str) and (problem := character_problem(value, multiline=True)):
            yield where or "_form", problem
        elif isinstance(value, dict):
            stack.extend((f"{where}.{key}" if where else str(key), item) for key, item in value.items())
        elif isinstance(value, list):
            stack.extend((f"{where}.{index}" if where else str(index), item) for index, item in enumerate(value))


class FormValidator:
    """Checks submissions; applications add formats (e.g. a resident ID check digit) by name."""

    def __init__(self, formats: Mapping[str, tuple[Callable[[Any], bool], str]] | None = None,
                 today: Callable[[], date] | None = None) -> None:
        """``formats``: name -> (check, the Chinese reason shown when a value fails it); ``today``: the engine's
        today, which ``x-not-after-today`` dates are held to when a submission is checked."""
        self._today = today or (lambda: clock.now().astimezone(CHINA_TZ).date())
        self._schema_validator = validators.extend(_SchemaValidator, {NOT_AFTER_TODAY: self._not_after_today})
        self._checker = FormatChecker()
        self._checker.checks("date")(_is_iso_date)
        self._format_words = dict(_FORMAT_WORDS)
        for name, (check, reason) in (formats or {}).items():
            self._checker.checks(name)(check)
            self._format_words[name] = reason

    def with_today(self, today: Callable[[], date]) -> FormValidator:
        """The same checks and formats, with ``x-not-after-today`` held to another day: a process test's forms
        are checked on the day of the test's own clock, not the server's."""
        other = copy.copy(self)
        other._today = today
        other._schema_validator = validators.extend(_SchemaValidator, {NOT_AFTER_TODAY: other._not_after_today})
        return other

    def compile(self, schema: Mapping[str, Any]) -> Validator:
        """A reusable validator for ``schema`` (forms are immutable within a process version)."""
        return self._schema_validator(schema, format_checker=self._checker)

    def _not_after_today(self, validator: Validator, enabled: Any, instance: Any, schema: Mapping[str, Any]
                         ) -> Iterator[ValidationError]:
        day = form_date(instance) if enabled is True else None
        if day is not None and day > (today := self._today()):
            yield ValidationError(f"不能晚于今天（{today.year}年{today.month}月{today.day}日）")

    def validate(self, validator: Validator | None, data: Any) -> None:
        """Raise ``InvalidData`` with one reason per field, or return if ``data`` is acceptable.

        Without a form any object is accepted, but still only finite numbers and clean text.
        """
        if not isinstance(data, dict):
            raise InvalidData("提交的数据应为对象", {"_form": "应为对象"})
        fields = dict(_value_problems(data))
        if validator is not None:
            for path, reason in schema_reasons(validator, data, self._format_words).items():
                fields.setdefault(path, reason)
        if fields:
            raise InvalidData("表单填写有误", fields)


def plain_validator(schema: Mapping[str, Any]) -> Validator:
    """A validator of ``schema`` alone (e.g. an API request body, whose domain rules check the values after it):
    integers as forms read them, ``minLength`` as a reader counts, formats only noted, no value rules."""
    _SchemaValidator.check_schema(schema)
    return _SchemaValidator(schema)


def schema_reasons(validator: Validator, data: Any, format_words: Mapping[str, str] = _FORMAT_WORDS
                   ) -> dict[str, str]:
    """Each field where ``data`` breaks ``validator``'s schema, with its reason in Chinese (the first per field)."""
    fields: dict[str, str] = {}
    for error in _leaf_errors(sorted(_schema_errors(validator, data), key=lambda e: list(e.absolute_path))):
        for path in _field_paths(error):
            fields.setdefault(path, _reason(error, format_words))
    return fields


def _schema_errors(validator: Validator, data: Any) -> list[ValidationError]:
    """The form's complaints about ``data``. A form stored before deploy refused looping or dangling ``$ref``s
    cannot check anything: the user is told so (the task waits for a fixed version), never a server error."""
    try:
        return list(validator.iter_errors(data))
    except (RecursionError, Unresolvable):
        raise InvalidData("表单定义有误（$ref 循环或无法解析），无法检查提交的内容，请联系流程设计员",
                          {"_form": "表单定义有误"}) from None


def _is_iso_date(value: Any) -> bool:
    return not isinstance(value, str) or form_date(value) is not None


def form_date(value: Any) -> date | None:
    """The day a date string names: YYYY-MM-DD, in the years a form may speak of; otherwise None. Domain rules
    that read dates outside forms read them with this too."""
    if not isinstance(value, str) or len(value) != 10:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    return day if FIRST_YEAR <= day.year <= LAST_YEAR else None

"""A case's data as readable tables.

Field titles and choice labels come from the forms of the case's own process version, so a new process
reads well without code; the words below cover what scripts add beside the forms.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from engine.calendar import CHINA_TZ
from monitoring import processes
from web.notices.words import stage_name
from web.templating import cn_date, cn_datetime, label, money, place_name

GENERAL = "基本信息"
WORDS = {  # what scripts of any process add beside the forms; a process names its own records (processes.words)
    "rejected_step": "未通过的步骤", "objections": "异议记录",
    "per_capita_income": "家庭人均纯收入(元)", "income_line": "监测收入标准(元)",
    "rigid_expenses": "合规自付刚性支出(元)", "expense_warning": "刚性支出预警线(元)",
    "guarantee_problems": "“三保障”和饮水安全问题", "suggested_type": "建议监测类型", "household_type": "农户类型",
    "notice": "公示", "notice_id": "公示编号", "starts_on": "张贴日期", "ends_on": "公示截止", "stage": "公示阶段",
    "received_on": "收到日期", "objection": "异议", "by": "异议人", "content": "异议内容",
    "member": "家庭成员", "exclusion_label": "排除情形", "dataset_label": "比对数据", "row": "数据行号",
    "evidence": "依据",
    "data_gaps": "缺失或过期的比对数据", "uploaded_on": "最近上传", "problem": "情况", "max_age_days": "有效期(天)",
}
VALUE_WORDS = {"problem": {"missing": "未上传", "stale": "已过期"}}  # values scripts add, by field
CODE_LISTS = {"channel": "channel", "suggested_type": "monitoring_type", "monitoring_type": "monitoring_type",
              "risk_types": "risk_type", "department": "department", "household_type": "household_type"}
STEP_VALUED = {"rejected_step"}  # values are BPMN step ids
PLACE_VALUED = {"place", "parent"}  # values are place codes (a task's place, the place above a campaign's case)
FIELD_VALUED = {"guarantee_problems"}  # values are names of form fields
HIDDEN = {"household_id", "exclusion", "dataset", "key", "unmet", "code"}  # shown elsewhere, or codes beside their
# labels (a campaign's village: its code beside its name)
_SECRET = re.compile(r"password|secret|token|^_", re.IGNORECASE)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")  # a moment scripts keep as text (a deadline)


@dataclass(frozen=True)
class FieldInfo:
    title: str
    choices: dict[str, str] = field(default_factory=dict)
    attachment: bool = False
    parts: dict[str, FieldInfo] = field(default_factory=dict)  # of an object, or of an array's object items


Vocabulary = dict[str, FieldInfo]


@dataclass(frozen=True)
class Table:
    title: str
    columns: list[str]
    rows: list[list[str]]


@dataclass(frozen=True)
class Section:
    title: str
    rows: list[tuple[str, str]]
    tables: list[Table]


@dataclass(frozen=True)
class _Context:
    """What formatting a value needs besides the value: where its words come from."""

    vocabulary: Vocabulary
    everything: Vocabulary  # fields of all forms, for values that name fields
    steps: dict[str, str]
    words: Mapping[str, str]  # titles of what is not a form field: WORDS and the process's own


def sections(data: Mapping[str, Any], forms: Mapping[str, Any], step_names: dict[str, str],
             process_key: str) -> list[Section]:
    """Scalars under “基本信息”, then one section per nested record, in the data's order; records are titled as
    the case's process names them."""
    words = {**WORDS, **processes.descriptor(process_key).words}
    vocabularies = [(schema.get("title", name), _fields(schema, words)) for name, schema in forms.items()]
    everything = {key: info for _, vocabulary in reversed(vocabularies) for key, info in vocabulary.items()}
    general = _Context(everything, everything, step_names, words)
    scalars = {k: v for k, v in data.items() if not isinstance(v, dict) and not _is_records(v)}
    found = [_section(GENERAL, scalars, general)] if _shown(scalars) else []
    for key, value in data.items():
        if _hidden(key) or key in scalars:
            continue
        if isinstance(value, dict):
            title, vocabulary = _matching_form(key, value, vocabularies, everything, words)
            found.append(_section(title, value, _Context(vocabulary, everything, step_names, words)))
        else:
            found.append(Section(words.get(key, key), [], [_table(key, value, general)]))
    return found


def _fields(schema: Mapping[str, Any], words: Mapping[str, str]) -> Vocabulary:
    properties = schema.get("properties") or {}
    return {key: _info(key, prop, words) for key, prop in properties.items() if isinstance(prop, dict)}


def _info(key: str, prop: Mapping[str, Any], words: Mapping[str, str]) -> FieldInfo:
    items = prop.get("items") if isinstance(prop.get("items"), dict) else {}
    choices = prop.get("oneOf") or items.get("oneOf") or []
    return FieldInfo(prop.get("title") or words.get(key, key),
                     {c["const"]: c.get("title", c["const"]) for c in choices if isinstance(c, dict) and "const" in c},
                     prop.get("format") == "attachment", _fields(items, words) or _fields(prop, words))


def _matching_form(key: str, record: Mapping[str, Any], vocabularies: list[tuple[str, Vocabulary]],
                   everything: Vocabulary, words: Mapping[str, str]) -> tuple[str, Vocabulary]:
    """The form whose fields cover most of the record (its title when the word list has none)."""
    keys = set(record)
    title, vocabulary = max(vocabularies, key=lambda v: len(keys & v[1].keys()), default=("", {}))
    if len(keys & vocabulary.keys()) * 2 <= len(keys):
        return words.get(key, key), everything
    return words.get(key, title), vocabulary


def _section(title: str, record: Mapping[str, Any], context: _Context) -> Section:
    rows, tables = [], []
    for key, value in record.items():
        if _hidden(key) or value is None:
            continue
        if _is_records(value):
            tables.append(_table(key, value, context))
        else:
            rows.append((_title(key, context.vocabulary, context.words), _text(key, value, context)))
    return Section(title, rows, tables)


def _table(key: str, records: list[dict[str, Any]], context: _Context) -> Table:
    info = context.vocabulary.get(key)
    parts = info.parts if info else {}
    keys = dict.fromkeys([*parts, *(k for r in records for k in r)])  # the form's order first
    columns = [c for c in keys if not _hidden(c) and any(r.get(c) not in (None, "", []) for r in records)]
    inner = _Context(parts or context.everything, context.everything, context.steps, context.words)
    return Table(info.title if info else context.words.get(key, key),
                 [_title(c, parts, context.words) for c in columns],
                 [[_text(c, r.get(c), inner) for c in columns] for r in records])


def _text(key: str, value: Any, context: _Context) -> str:
    info = context.vocabulary.get(key)
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dict):
        return "；".join(f"{_title(k, context.vocabulary, context.words)}：{_text(k, v, context)}"
                        for k, v in value.items()
                        if not _hidden(k) and v is not None)
    if isinstance(value, list):
        return "、".join(_text(key, item, context) for item in value) or "无"
    if isinstance(value, int | float) and _is_amount(key, context):
        return money(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if info and info.attachment:
        return "已上传"
    return _word(key, str(value), info, context) if isinstance(value, str) else str(value)


def _word(key: str, value: str, info: FieldInfo | None, context: _Context) -> str:
    if info and value in info.choices:
        return info.choices[value]
    if key in CODE_LISTS:
        return label(value, CODE_LISTS[key])
    if key in STEP_VALUED:
        return context.steps.get(value, "—")
    if key in FIELD_VALUED:
        return _title(value, context.everything, context.words)
    if key == "stage":
        return stage_name(value)
    if key in VALUE_WORDS:
        return VALUE_WORDS[key].get(value, "—")
    if key in PLACE_VALUED:
        return place_name(value)
    if _ISO_TIME.match(value):
        return _moment(value)
    return cn_date(value) if _ISO_DATE.fullmatch(value) else value


def _moment(value: str) -> str:
    """2026年7月15日 12:00 in China time (one without a zone is China's); text that is no moment as recorded."""
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        return value
    return cn_datetime(at if at.tzinfo else at.replace(tzinfo=CHINA_TZ))


def _is_amount(key: str, context: _Context) -> bool:
    """A field whose title is in yuan (工资性收入(元), 医疗支出(合规自付,元)) holds money."""
    return _declared_title(key, context.vocabulary, context.words).endswith(("元)", "元）"))


def _declared_title(key: str, vocabulary: Vocabulary, words: Mapping[str, str]) -> str:
    info = vocabulary.get(key)
    return info.title if info else words.get(key, key)


def _title(key: str, vocabulary: Vocabulary, words: Mapping[str, str]) -> str:
    """The title as a reader reads it beside a value: Chinese punctuation, and no (元) where the amount already
    says 元 (工资性收入(元) → 工资性收入; 医疗支出(合规自付,元) → 医疗支出（合规自付）)."""
    title = _YUAN_UNIT.sub(lambda m: f"（{m.group(1)}）" if m.group(1) else "", _declared_title(key, vocabulary, words))
    return _SPACED.sub(r"\1", title.translate(_FULL_WIDTH))


_YUAN_UNIT = re.compile(r"[(（]([^()（）]*?)[,，]?\s*元[)）]$")
_FULL_WIDTH = str.maketrans({"(": "（", ")": "）", ",": "，"})
_SPACED = re.compile(r"\s*([（），])\s*")


def _is_records(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _hidden(key: str) -> bool:
    return key in HIDDEN or bool(_SECRET.search(key))


def _shown(record: Mapping[str, Any]) -> bool:
    return any(not _hidden(k) and v is not None for k, v in record.items())

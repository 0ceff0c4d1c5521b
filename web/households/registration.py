"""The registration form of a household, as a JSON Schema drawn by the shared form macros.

Choices come from the code lists in force (an administrator's edits show at once); the domain
(``monitoring.households.create_household``) still checks every value and names the field it refuses.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from monitoring.codelists import labels
from web.inbox.schema_form import Submission

MEMBER_CHOICES = (("relation", "与户主关系", ""), ("sex", "性别", "不填则按身份证号"), ("ethnicity", "民族", ""),
                  ("education", "文化程度", ""), ("schooling", "在校生状况", ""), ("labour_skill", "劳动技能", ""),
                  ("insurance", "参保情况", ""))
MEMBER_TEXTS = (("disability", "残疾类别和等级"), ("work", "务工情况"), ("phone", "联系电话"))


def _text(title: str, hint: str = "", max_length: int | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"title": title, "type": "string", "description": hint}
    if max_length:
        schema["maxLength"] = max_length
    return schema


def _choice(title: str, options: dict[str, str], hint: str = "") -> dict[str, Any]:
    return {"title": title, "type": "string", "description": hint,
            "oneOf": [{"const": code, "title": text} for code, text in options.items()]}


def _member_schema(session: Session) -> dict[str, Any]:
    choices = {key: _choice(title, labels(session, key), hint) for key, title, hint in MEMBER_CHOICES}
    return {
        "title": "家庭成员", "type": "object", "required": ["name", "id_number", "relation"],
        "properties": {
            "name": _text("姓名"), "id_number": _text("身份证号", "18位，末位可为X"), **choices,
            "health": {"title": "健康状况", "description": "可多选；选“健康”时不能选其他", "type": "array",
                       "items": _choice("健康状况", labels(session, "health"))},
            **{key: _text(title) for key, title in MEMBER_TEXTS},
        },
    }


def registration_schema(session: Session, villages: Sequence[Row[tuple[str, str]]]) -> dict[str, Any]:
    """Household fields and its member rows, as ``create_household`` accepts them."""
    return {
        "type": "object", "required": ["village", "household_type", "members"],
        "properties": {
            "village": _choice("嘎查村", {v.code: v.name for v in villages}),
            "group": _text("村民小组", "如：2组"),
            "household_type": _choice("户类型", labels(session, "household_type")),
            "phone": _text("联系电话"),
            "bank_account": _text("银行账号", "补助资金发放账号"),
            "address": _text("住址", max_length=200),
            "members": {"title": "家庭成员", "description": "须有且只有一名户主；空行不保存", "type": "array",
                        "items": _member_schema(session)},
        },
    }


def read_form(schema: dict[str, Any], form: MultiDict) -> Submission:
    """The posted form as data; a missing village is reported here, since the domain would only say 404."""
    submission = Submission(schema, form)
    if not submission.data.get("village"):
        submission.errors["village"] = "请选择嘎查村"
    return submission


def blank_form(villages: Sequence[Row[tuple[str, str]]]) -> dict[str, Any]:
    """A head's row and one more; a cadre of one village has it chosen already."""
    return {"village": villages[0].code if len(villages) == 1 else None, "household_type": "ordinary",
            "members": [{"relation": "head"}, {}]}


def with_blank_row(data: dict[str, Any]) -> dict[str, Any]:
    """One more empty member row, for a browser without scripts."""
    return {**data, "members": [*data.get("members", []), {}]}

"""The query parameters routes of ``/api/v1`` declare (``web.api.spec.Param``), named once for the routes that share
them. The declaration is the check (``web.api.parsing.read_query``): the values, bounds and choices written here are
what a request is held to, so a choice is read from the rule it names (the inbox's orders, a measure's statuses)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from engine.limits import INTEGER_MAX
from engine.model_drafts import DRAFT
from engine.models import InstanceStatus
from engine.queries import INBOX_ORDERS
from monitoring.campaign_worklist import FILTERS
from monitoring.models import MeasureStatus
from web.api.spec import AFTER, LIMIT, Param

__all__ = ["AFTER", "LIMIT", "format_param", "place_param"]

TEXT = {"type": "string"}
VERSION_NUMBER = {"type": "integer", "minimum": 1, "maximum": INTEGER_MAX}  # a version some row could have


def choice(values: Iterable[str]) -> dict[str, Any]:
    return {"type": "string", "enum": [str(value) for value in values]}


def place_param(description: str = "地区代码（默认为调用者所在地区）") -> Param:
    return Param("place", TEXT, description)


def format_param(formats: tuple[str, ...]) -> Param:
    return Param("format", choice(formats), "返回格式（默认 json）")


MAIN = Param("main", TEXT, "主流程标识（文件中有多个可执行流程时）")
FILENAME = Param("filename", TEXT, "以 application/xml 上传时的文件名")
VERSION = Param("version", VERSION_NUMBER, "版本号（默认最新）")
PROCESS = Param("process", TEXT, "只看此流程")
STATUS = Param("status", choice(InstanceStatus), "只看此状态")
ORDER = Param("order", choice(INBOX_ORDERS), "排序：oldest（默认，最早的在前）或 newest")
META = Param("meta", TEXT, "有值时返回文书记录（JSON）而非 PDF")
REVISION = Param("revision", {"type": "integer", "minimum": 0, "maximum": INTEGER_MAX}, "草稿的修订号", required=True)
DIFF_FROM = Param("from", VERSION_NUMBER, "对比的起始版本", required=True)
DIFF_TO = Param("to", {"anyOf": [VERSION_NUMBER, {"type": "string", "enum": [DRAFT]}]},
                f"对比的目标版本号，或 {DRAFT}", required=True)
MIGRATION_VERSION = Param("version", VERSION_NUMBER, "版本号", required=True)
HOUSEHOLD_SEARCH = (
    Param("q", TEXT, "户主或成员姓名，或身份证号尾号"),
    Param("village", TEXT, "嘎查村代码"),
    Param("status", TEXT, "监测状态"),
    Param("type", TEXT, "监测类型"),
    Param("quarter", TEXT, "季度（如 2026Q4），与 count、place 一起：季度通报中一个数字的名单"),
    Param("count", TEXT, "季度通报的统计口径"),
    Param("place", TEXT, "季度通报名单的地区"),
)
THRESHOLD_KIND = Param("kind", TEXT, "标准种类（默认 income_line）")
MEASURE_STATUS = Param("status", choice(MeasureStatus), "只看此状态")
MARKING_DAY = Param("on", TEXT, "日期 YYYY-MM-DD（默认今天）")
WORKLIST_ONLY = Param("only", choice(FILTERS), "只看这一类农户")
QUARTER = Param("quarter", TEXT, "季度，如 2026Q4（默认本季度）")

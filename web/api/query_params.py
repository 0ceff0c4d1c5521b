"""The query parameters routes of ``/api/v1`` declare (``web.api.spec.Param``), named once for the routes that share
them. Handlers read and check them as before; the OpenAPI document lists them."""

from __future__ import annotations

from web.api.spec import AFTER, LIMIT, Param

__all__ = ["AFTER", "LIMIT", "format_param", "place_param"]

TEXT = {"type": "string"}
INTEGER = {"type": "integer"}


def place_param(description: str = "地区代码（默认为调用者所在地区）") -> Param:
    return Param("place", TEXT, description)


def format_param(formats: tuple[str, ...]) -> Param:
    return Param("format", {"type": "string", "enum": list(formats)}, "返回格式（默认 json）")


MAIN = Param("main", TEXT, "主流程标识（文件中有多个可执行流程时）")
FILENAME = Param("filename", TEXT, "以 application/xml 上传时的文件名")
VERSION = Param("version", INTEGER, "版本号（默认最新）")
PROCESS = Param("process", TEXT, "只看此流程")
STATUS = Param("status", TEXT, "只看此状态：running、completed、error、cancelled")
ORDER = Param("order", {"type": "string", "enum": ["oldest", "newest"]}, "排序：oldest（默认，最早的在前）或 newest")
META = Param("meta", TEXT, "有值时返回文书记录（JSON）而非 PDF")
REVISION = Param("revision", INTEGER, "草稿的修订号", required=True)
DIFF_FROM = Param("from", INTEGER, "对比的起始版本", required=True)
DIFF_TO = Param("to", TEXT, "对比的目标版本号，或 draft", required=True)
MIGRATION_VERSION = Param("version", INTEGER, "版本号", required=True)
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
MEASURE_STATUS = Param("status", {"type": "string", "enum": ["planned", "in_progress", "done", "stopped"]},
                       "只看此状态")
MARKING_DAY = Param("on", TEXT, "日期 YYYY-MM-DD（默认今天）")
WORKLIST_ONLY = Param("only", {"type": "string", "enum": ["unchecked", "monitored", "below_line"]}, "只看这一类农户")
QUARTER = Param("quarter", TEXT, "季度，如 2026Q4（默认本季度）")

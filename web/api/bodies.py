"""JSON Schemas (2020-12) of the request bodies, one per route that reads JSON. ``json_body()`` holds a request to its
route's schema (a 400 naming the field) and the OpenAPI document shows the same schema.

Two kinds of field: those the route itself reads (``typed``: a wrong type or a missing required one is a malformed
request, 400), and those a use case reads by its own rules (``ruled``: any JSON passes the schema, and the use case
answers 422 naming the field with the rule's own words — "经济损失（元）应为金额（数字）" says more than a type)."""

from __future__ import annotations

from typing import Any

from web.api.schemas import ANY_OBJECT, BOOLEAN, INTEGER, TEXT, list_of, nullable
from web.api.spec import Schema


def body(properties: dict[str, Schema], *required: str) -> Schema:
    """An object with these fields, ``required`` among them; other fields are let through (api.md: domain processes
    may take more)."""
    return {"type": "object", "properties": properties, "required": list(required)}


def ruled(description: str, *examples: Any) -> Schema:
    """A field the use case checks by its rules (422 naming it): described, not typed, so the rule's words reach the
    user instead of a bare type error."""
    return {"description": f"{description}（由业务规则检查，不符时 422 说明该字段）",
            **({"examples": list(examples)} if examples else {})}


DAY = "日期 YYYY-MM-DD"
AMOUNT = "金额（元），JSON 数字"
OPTIONAL_TEXT = nullable(TEXT)
OPTIONAL_OBJECT = nullable(ANY_OBJECT)
OPTIONAL_INTEGER = nullable(INTEGER)

TOKEN = body({"username": TEXT, "password": TEXT})
START_INSTANCE = body({"process": {**TEXT, "description": "流程标识"}, "data": OPTIONAL_OBJECT,
                       "household_id": OPTIONAL_INTEGER, "place": {**OPTIONAL_TEXT, "description": "地区代码"}},
                      "process")
MESSAGE = body({"name": {**TEXT, "description": "BPMN 消息名"}, "payload": OPTIONAL_OBJECT}, "name")
CANCEL = body({"reason": OPTIONAL_TEXT})
COMPLETE = body({"data": {**OPTIONAL_OBJECT, "description": "按任务表单（JSON Schema）填写"}})
COMPLETE_BATCH = body({"task_ids": list_of(TEXT), "data": OPTIONAL_OBJECT,
                       "per_task": {**OPTIONAL_OBJECT, "description": "任务编号 → 该户自己的填写"}}, "task_ids")
PRINT_DOCUMENT = body({"kind": {**TEXT, "description": "文书种类"}, "subject_id": OPTIONAL_INTEGER}, "kind")

HOUSEHOLD = body({"village": ruled("嘎查村代码"), "household_type": ruled("户类型代码"), "group": ruled("村民小组"),
                  "address": ruled("住址"), "phone": ruled("电话"), "bank_account": ruled("银行账号"),
                  "focus_groups": ruled("重点人群，文本列表"), "members": ruled("家庭成员（至少一名）的列表")})
THRESHOLD = body({"kind": TEXT, "place": TEXT, "year": INTEGER, "amount": ruled(AMOUNT, 6600),
                  "note": ruled("说明")}, "kind", "place", "year")
CODE_ENTRY = body({"label": ruled("名称"), "active": nullable(BOOLEAN), "position": OPTIONAL_INTEGER})
REVERSAL = body({"reason": ruled("回退理由")})

CHANGE = body({"kind": ruled("birth、death、marry_in、marry_out、move_in、move_out、split 或 merge"),
               "on": ruled(DAY), "member": ruled("新成员（出生、嫁入、迁入）"), "member_id": ruled("离开的成员"),
               "member_ids": ruled("分户迁出的成员"), "new_head_id": ruled("新户主"), "head_id": ruled("新户的户主"),
               "into_household_id": ruled("并入的农户"), "head_relation": ruled("与新户主的关系"),
               "note": ruled("说明"), "evidence_id": ruled("已上传的证明")})
MARK_CHANGES = body({"change_ids": ruled("变更编号的列表")})

MEASURE = body({name: ruled(text) for name, text in (
    ("category", "措施类别代码"), ("subtype", "措施子类代码"), ("content", "内容"), ("department", "牵头部门"),
    ("responsible", "责任人"), ("start_on", DAY), ("end_on", DAY), ("amount", AMOUNT))})
MEASURE_UPDATE = body({name: ruled(text) for name, text in (
    ("status", "planned、in_progress、done 或 stopped"), ("done_on", DAY), ("result", "成效"), ("amount", AMOUNT),
    ("reason", "更正理由"))})
MARKING_WINDOW = body({"place": ruled("地区代码"), "opens_on": ruled(DAY), "closes_on": ruled(DAY),
                       "replace_default": ruled("替换默认标注期时为 true")})

CAMPAIGN = body({"year": ruled("本年度"), "place": ruled("自治区代码"), "income_line": ruled(AMOUNT),
                 "deadlines": ruled("各级截止日期：village、township、county、league")})
CAMPAIGN_CHECK = body({"household_id": INTEGER, "note": ruled("说明")}, "household_id")
MEASUREMENT = body({"year": ruled("本年度"), **{name: ruled(AMOUNT) for name in (
    "wage_income", "business_income", "property_income", "transfer_income", "business_expenses", "claims_income",
    "education_expense", "medical_expense", "housing_expense", "water_expense", "property_loss")}})

EVENT = body({name: ruled(text) for name, text in (
    ("kind", "事项类别代码"), ("kind_note", "其他类别的说明"), ("occurred_at", "发生时间 ISO 8601"),
    ("place", "地区代码"),
    ("summary", "事项概况"), ("affected_households", "受影响户数，整数"), ("affected_people", "受影响人数，整数"),
    ("losses", AMOUNT), ("measures_taken", "已采取措施"), ("needs", "需要解决的问题"))})
EVENT_UPDATE = body({name: ruled(text) for name, text in (
    ("text", "续报内容"), ("affected_households", "受影响户数，整数"), ("affected_people", "受影响人数，整数"),
    ("losses", AMOUNT), ("closed", "事项办结时为 true"))})
EVENT_HOUSEHOLDS = body({"household_ids": ruled("农户编号的列表")})

REVISION = body({"revision": {**INTEGER, "description": "草稿的修订号"}}, "revision")
DRAFT = body({"revision": INTEGER,
              "files": {**ANY_OBJECT, "description": "文件名 → 内容（BPMN/DMN XML、表单 JSON、流程测试）"},
              "main": OPTIONAL_TEXT}, "revision", "files")
PUBLISH = body({"revision": INTEGER, "comment": OPTIONAL_TEXT}, "revision")
MIGRATE = body({"from_version": INTEGER, "to_version": INTEGER,
                "instance_ids": ruled("实例编号的列表，或 \"all\""), "dry_run": BOOLEAN},
               "from_version", "to_version", "dry_run")

# Multipart uploads (read by the route, not by json_body).
MODEL_FILES = {"type": "object", "properties": {
    "file": {"type": "array", "items": {"type": "string", "contentMediaType": "application/octet-stream"},
             "description": "BPMN、DMN、表单与流程测试文件"},
    "main": {**TEXT, "description": "主流程标识（多个可执行流程时）"}}, "required": ["file"]}
FILE_UPLOAD = {"type": "object", "properties": {
    "file": {"type": "string", "contentMediaType": "application/octet-stream"}}, "required": ["file"]}
DEPARTMENT_UPLOAD = {"type": "object", "properties": {
    "file": {"type": "string", "contentMediaType": "application/octet-stream"},
    "dataset": {**TEXT, "description": "数据集"}}, "required": ["file", "dataset"]}

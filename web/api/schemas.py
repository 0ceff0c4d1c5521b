"""JSON Schemas (2020-12) of what the API answers: the error body and the main resources, named once so the OpenAPI
document lists each under ``components`` and the routes refer to it. They describe the shapes ``views`` and the route
modules build; the fuzz test holds the live answers to them."""

from __future__ import annotations

from typing import Any

from web.api.spec import Files, Schema

COMPONENTS: dict[str, Schema] = {}

TEXT: Schema = {"type": "string"}
INTEGER: Schema = {"type": "integer"}
NUMBER: Schema = {"type": "number"}
BOOLEAN: Schema = {"type": "boolean"}
ANY_OBJECT: Schema = {"type": "object"}
TIME: Schema = {"type": ["string", "null"], "description": "ISO 8601（带时区）"}
DAY: Schema = {"type": ["string", "null"], "description": "YYYY-MM-DD"}


def nullable(schema: Schema) -> Schema:
    """``schema`` or null (JSON Schema 2020-12 has no ``nullable``: a type list, or ``anyOf`` for a reference)."""
    if "$ref" in schema:
        return {"anyOf": [dict(schema), {"type": "null"}]}
    kinds = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
    return {**schema, "type": [*kinds, "null"]}


def shape(properties: dict[str, Schema], *, required: tuple[str, ...] | None = None) -> Schema:
    """An object with ``properties``, all of them always present unless ``required`` says which; more are allowed
    (api.md: fields are added freely)."""
    return {"type": "object", "properties": properties,
            "required": list(properties if required is None else required)}


def list_of(schema: Schema) -> Schema:
    return {"type": "array", "items": schema}


def component(name: str, schema: Schema) -> Schema:
    """Name ``schema`` in the document's ``components``; the reference to it."""
    COMPONENTS[name] = schema
    return {"$ref": f"#/components/schemas/{name}"}


ERROR = component("Error", shape({"error": shape({
    "code": {**TEXT, "description": "机器可读的错误代码"},
    "message": {**TEXT, "description": "给用户看的中文说明"},
    "fields": {"type": "object", "additionalProperties": TEXT, "description": "字段名 → 原因"},
    "details": list_of(ANY_OBJECT),
    "current_revision": INTEGER,
    "retry_after": INTEGER,
}, required=("code", "message"))}))

TOKEN = component("Token", shape({"token": TEXT, "user": shape({"username": TEXT, "role": TEXT, "place": TEXT})}))

TASK = component("Task", shape({
    "id": TEXT, "instance_id": INTEGER, "process": TEXT, "bpmn_id": TEXT, "name": nullable(TEXT),
    "subject": nullable(TEXT), "role": nullable(TEXT), "place": nullable(TEXT), "state": TEXT, "due_at": TIME,
    "claimed_by": nullable(TEXT), "created_at": TIME, "completed_at": TIME, "completed_by": nullable(TEXT),
    "overdue": BOOLEAN,
}))

TASK_DETAIL = component("TaskDetail", {"allOf": [TASK, shape({
    "form": {"type": ["object", "boolean", "null"], "description": "任务表单的 JSON Schema，无表单时为 null"},
    "prefill": ANY_OBJECT, "evidence": ANY_OBJECT, "plan": ANY_OBJECT,
}, required=("form", "prefill", "evidence"))]})

_WAITING = {"oneOf": [shape({"type": {"const": "timer"}, "until": TEXT}),
                      shape({"type": {"const": "message"}, "name": TEXT})]}

INSTANCE_SUMMARY = component("InstanceSummary", shape({
    "id": INTEGER, "process": TEXT, "version": INTEGER, "place": nullable(TEXT), "business_key": nullable(TEXT),
    "status": {"enum": ["running", "completed", "error", "cancelled"]}, "created_at": TIME, "ended_at": TIME,
    "waiting": list_of(_WAITING),
}))

CASE_EVENT = component("CaseEvent", shape({"at": TIME, "user": nullable(TEXT), "type": TEXT, "task": nullable(TEXT),
                                           "detail": {}}))

INSTANCE = component("Instance", {"allOf": [INSTANCE_SUMMARY, shape({
    "data": ANY_OBJECT, "error": nullable(TEXT), "tasks": list_of(TASK), "events": list_of(CASE_EVENT),
    "events_next": {"type": ["string", "null"], "description": "其余审计事件的下一页地址"},
}, required=("data", "error", "tasks", "events"))]})

STEP_RESULT = component("StepResult", {
    "description": "完成任务后的流程实例；调用者无权查看整个实例时为有限视图（limited: true）",
    "anyOf": [INSTANCE, shape({"id": INTEGER, "process": TEXT, "status": TEXT, "limited": {"const": True},
                               "tasks": list_of(TASK)})]})

PROCESS_MODEL = component("ProcessModel", shape({
    "key": TEXT, "name": nullable(TEXT), "version": INTEGER, "sha256": TEXT, "deployed_at": TIME,
}))

PROBLEM = component("Problem", shape({"file": nullable(TEXT), "element": nullable(TEXT), "line": nullable(INTEGER),
                                      "message": TEXT}, required=("message",)))

DRAFT = component("Draft", shape({
    "key": TEXT, "revision": INTEGER, "base_version": nullable(INTEGER), "saved": BOOLEAN,
    "files": {"type": "object", "additionalProperties": TEXT}, "main": nullable(TEXT), "updated_by": nullable(TEXT),
    "updated_at": TIME,
}))

DOCUMENT = component("Document", shape({
    "id": INTEGER, "kind": TEXT, "annex": INTEGER, "title": TEXT, "version": INTEGER,
    "subject": {**TEXT, "description": "如 household:1、notice:3、blank"},
    "status": TEXT, "sha256": nullable(TEXT), "size": nullable(INTEGER), "households": list_of(INTEGER),
    "created_at": TIME, "rendered_at": TIME, "url": TEXT,
}))

_MONITORING = shape({"status": nullable(TEXT), "type": nullable(TEXT), "risk_types": {},
                     "since": DAY, "elimination_method": nullable(TEXT), "eliminated_on": DAY})

HOUSEHOLD_SUMMARY = component("HouseholdSummary", shape({
    "id": INTEGER, "village": TEXT, "group": nullable(TEXT), "head": nullable(TEXT), "size": INTEGER,
    "household_type": nullable(TEXT), "monitoring": _MONITORING,
}))

MEMBER = component("Member", shape({"id": INTEGER, "name": TEXT, "id_number": nullable(TEXT),
                                    "relation": nullable(TEXT)}, required=("id", "name")))

HOUSEHOLD = component("Household", {
    "description": "完整记录；行业部门经比对命中看到的是有限视图（姓名、脱敏身份证号、命中）",
    "anyOf": [{"allOf": [HOUSEHOLD_SUMMARY, shape({
        "address": nullable(TEXT), "members": list_of(MEMBER), "measurements": list_of(ANY_OBJECT),
        "cases": list_of(ANY_OBJECT), "status_changes": list_of(ANY_OBJECT), "comparison_hits": list_of(ANY_OBJECT),
    }, required=("members", "measurements", "cases"))]},
        shape({"id": INTEGER, "village": TEXT, "members": list_of(ANY_OBJECT),
               "comparison_hits": list_of(ANY_OBJECT)})],
})

MEASURE = component("Measure", shape({
    "id": INTEGER, "household_id": INTEGER, "category": TEXT, "subtype": nullable(TEXT), "content": nullable(TEXT),
    "department": nullable(TEXT), "responsible": nullable(TEXT), "start_on": DAY, "end_on": DAY,
    "amount": nullable(NUMBER), "status": {"enum": ["planned", "in_progress", "done", "stopped"]}, "done_on": DAY,
    "result": nullable(TEXT),
}))

SAVED_MEASURE = component("SavedMeasure", {"allOf": [MEASURE, shape({
    "warnings": list_of(shape({"code": TEXT, "message": TEXT})), "safety_net_household": BOOLEAN})]})

NOTICE = component("Notice", shape({"id": INTEGER, "stage": TEXT, "village": TEXT, "starts_on": DAY, "ends_on": DAY,
                                    "households": list_of(INTEGER)}))

THRESHOLD = component("Threshold", shape({"kind": TEXT, "place": TEXT, "year": INTEGER, "amount": NUMBER,
                                          "note": nullable(TEXT), "set_at": TIME, "set_by": nullable(TEXT)}))

UPLOAD = component("DepartmentUpload", shape({"id": INTEGER, "dataset": TEXT, "rows": INTEGER, "county": TEXT},
                                             required=("id", "dataset", "rows", "county")))

CHANGE = component("HouseholdChange", shape({
    "id": INTEGER, "household_id": INTEGER, "kind": TEXT, "on": TEXT, "member_id": nullable(INTEGER),
    "member": nullable(shape({"id": INTEGER, "name": TEXT})), "related_household_id": nullable(INTEGER),
    "moved_members": list_of(shape({"id": INTEGER, "name": TEXT})), "note": nullable(TEXT),
    "evidence_id": nullable(INTEGER), "recorded_at": TIME, "recorded_by": nullable(TEXT),
    "status": {"enum": ["pending", "marked"]}, "marked_on": DAY, "marked_by": nullable(TEXT),
}))

CHANGES = component("HouseholdChanges", shape({
    "household": HOUSEHOLD_SUMMARY, "merged_into_id": nullable(INTEGER), "merged_on": DAY,
    "split_from_id": nullable(INTEGER), "members": list_of(MEMBER), "members_left": list_of(MEMBER),
    "changes": list_of(CHANGE), "change": CHANGE, "related_household": HOUSEHOLD_SUMMARY,
}, required=("household", "members", "members_left", "changes")))

MARKING_WINDOW = component("MarkingWindow", shape({"id": INTEGER, "place": TEXT, "opens_on": TEXT, "closes_on": TEXT,
                                                   "created_by": nullable(TEXT), "created_at": TIME}))

CAMPAIGN = component("Campaign", shape({
    "id": INTEGER, "year": INTEGER, "place": TEXT, "income_line": NUMBER, "deadlines": ANY_OBJECT, "status": TEXT,
}))

CAMPAIGN_PROGRESS = component("CampaignProgress", {"allOf": [CAMPAIGN, shape({
    "own": nullable(ANY_OBJECT), "progress": list_of(ANY_OBJECT), "totals": ANY_OBJECT, "late": list_of(ANY_OBJECT),
    "summary": ANY_OBJECT})]})

EVENT = component("Event", shape({
    "id": INTEGER, "kind": TEXT, "kind_note": nullable(TEXT), "occurred_at": TIME, "place": TEXT, "county": TEXT,
    "summary": TEXT, "affected_households": INTEGER, "affected_people": INTEGER, "losses": NUMBER,
    "status": TEXT, "waiting_level": nullable(TEXT), "late": BOOLEAN, "standing": nullable(TEXT),
    "levels": list_of(ANY_OBJECT), "updates": list_of(ANY_OBJECT), "households": list_of(ANY_OBJECT),
}, required=("id", "kind", "place", "county", "status")))

EVENT_UPDATE = component("EventUpdate", shape({
    "id": INTEGER, "reported_at": TIME, "reported_by": nullable(TEXT), "text": TEXT,
    "affected_households": nullable(INTEGER), "affected_people": nullable(INTEGER), "losses": nullable(NUMBER),
    "closed": BOOLEAN}))


VERSION_ENTRY = component("VersionEntry", shape({
    "version": INTEGER, "sha256": TEXT, "name": nullable(TEXT), "deployed_by": nullable(TEXT), "deployed_at": TIME,
    "comment": nullable(TEXT), "running": INTEGER}))

CODE_ENTRY = component("CodeEntry", shape({"list": TEXT, "code": TEXT, "label": TEXT, "active": BOOLEAN}))

ATTACHMENT = component("Attachment", shape({"id": INTEGER, "filename": TEXT, "content_type": TEXT, "size": INTEGER}))

MARKING_WINDOWS = component("MarkingWindows", shape({
    "place": TEXT, "on": TEXT,
    "applies": nullable(shape({"place": nullable(TEXT), "opens_on": TEXT, "closes_on": TEXT, "default": BOOLEAN})),
    "next_opening": DAY, "windows": list_of(MARKING_WINDOW), "total": INTEGER,
    "next": {"type": ["string", "null"], "description": "下一页的游标（作为 after 传回）"}}))

CAMPAIGN_CHECK = component("CampaignCheck", shape({"campaign_id": INTEGER, "household_id": INTEGER,
                                                   "checked_by": TEXT, "checked_at": TIME, "note": nullable(TEXT)}))

BATCH_RESULT = component("BatchResult", shape({"instances": list_of(STEP_RESULT)}))
MIGRATION = component("Migration", shape({"instances": list_of(shape({
    "id": INTEGER, "migratable": BOOLEAN, "reasons": list_of(TEXT), "migrated": BOOLEAN, "tasks": {}, "notes": {}},
    required=("id", "migratable", "reasons")))}))
MEASUREMENT_RESULT = component("MeasurementResult", shape({"year": INTEGER, "per_capita": nullable(NUMBER),
                                                           "income_line": NUMBER, "below_line": nullable(BOOLEAN)}))
UNCHECKED = component("Unchecked", shape({"campaign_id": INTEGER, "household_id": INTEGER, "checked": BOOLEAN}))

PDF = Files(("application/pdf",))
SHEETS = Files(("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/pdf"))


def problems(extra: dict[str, Any] | None = None) -> Schema:
    """An answer carrying a model's ``problems`` (validate, draft save)."""
    return shape({"problems": list_of(PROBLEM), **(extra or {})})


DRAFT_SAVED = component("DraftSaved", problems({"revision": INTEGER, "updated_at": TIME}))
TEST_RUN = component("TestRun", problems({"results": list_of(ANY_OBJECT)}))

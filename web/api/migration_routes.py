"""Moving running instances of a process onto another version of it (api.md "Process design": migrate).

The rules are ``engine.migration``'s; a designer migrates, an admin reads the list along, every other role finds
nothing here, and each sees only the instances at its place or below.
"""

from __future__ import annotations

from typing import Any

from flask import g, jsonify, url_for

from engine import migration, versions
from engine.limits import fits_integer
from monitoring import permissions
from monitoring.models import Household
from web.api import bodies as b
from web.api import paging, views
from web.api import query_params as q
from web.api import schemas as s
from web.api.auth import current_actor, token_required
from web.api.blueprint import api
from web.api.errors import ApiError
from web.api.parsing import field, json_body, query
from web.api.spec import operation
from web.boundary import engine, unit_of_work
from web.cases.listing import rows_of
from web.extensions import db

ALL = "all"


@api.post("/process-models/<key>/migrate")
@operation("把运行中的实例迁移到另一版本", {200: s.MIGRATION}, body=b.MIGRATE, refusals=(403, 409))
@token_required
def migrate_instances(key: str):
    permissions.require_model_designer(g.user.role)
    body = json_body()
    from_version, to_version = field(body, "from_version", int), field(body, "to_version", int)
    instance_ids, dry_run = _instance_ids(body), field(body, "dry_run", bool)
    with unit_of_work() as session:
        results = migration.migrate(engine(), session, current_actor(), key, from_version, to_version, instance_ids,
                                    dry_run)
    return jsonify({"instances": [_result(r) for r in results]})


@api.get("/process-models/<key>/instances")
@operation("某版本运行中的实例（分页）", {200: s.list_of(s.INSTANCE_SUMMARY)}, query=(q.MIGRATION_VERSION,), paged=True,
           refusals=(403, 422))
@token_required
def instances_to_migrate(key: str):
    permissions.require_model_reader(g.user.role)
    number = query("version")
    version = versions.get_version(db.session, key, number)
    found = migration.running_instances(db.session, current_actor(), version.id, paging.window())
    tasks = migration.open_tasks_of(db.session, [row.id for row in found.rows])
    cases = {case.instance.id: case for case in rows_of(db.session, found.rows)}
    return paging.paged(found, lambda row: {
        **views.instance_summary(row, number), "place_name": cases[row.id].village,
        "household": _household(cases[row.id].household), "url": url_for("cases.detail", instance_id=row.id),
        "waiting_text": cases[row.id].waiting,
        "tasks": [{"bpmn_id": task.bpmn_id, "name": task.name} for task in tasks[row.id]]})


def _household(household: Household | None) -> dict[str, Any] | None:
    """Which household a case is about, as the case list names it (by its head), so a designer knows the case."""
    if household is None:
        return None
    return {"id": household.id, "head": household.head.name if household.head else None}


def _instance_ids(body: dict[str, Any]) -> list[int] | None:
    """The ids asked for (integers a row could have), or None for "all"; how many is the engine's rule."""
    value = body.get("instance_ids")
    if value == ALL:
        return None
    if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise ApiError(400, "bad_request", "instance_ids 应为实例编号的数组或 \"all\"",
                       {"instance_ids": "应为整数数组或 \"all\""})
    if not all(fits_integer(v) for v in value):
        raise ApiError(422, "invalid_data", "实例编号超出范围", {"instance_ids": "数值超出范围"})
    return value


def _result(result: migration.InstanceMigration) -> dict[str, Any]:
    return {"id": result.id, "migratable": result.migratable, "reasons": result.reasons,
            "migrated": result.migrated, "tasks": result.tasks, "notes": result.notes}

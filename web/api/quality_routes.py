"""``/api/v1/quality`` (api.md "Reports"): the data-quality findings of a place as JSON or XLSX, and a run of the
checks on demand — the same functions as the quality pages."""

from __future__ import annotations

from typing import Any

from flask import jsonify

from engine.scope import code_at
from monitoring.quality import corrections, findings, runner
from monitoring.quality.catalogue import CHECKS, title_of
from monitoring.quality.models import QualityFinding
from web.api import bodies as b
from web.api import paging
from web.api import query_params as q
from web.api import schemas as s
from web.api.auth import current_actor, token_required
from web.api.blueprint import api
from web.api.parsing import json_body, query
from web.api.spec import Files, Param, operation
from web.boundary import engine, unit_of_work
from web.exports import XLSX, xlsx_response
from web.extensions import db
from web.quality import listing

FORMATS = ("json", "xlsx")
RULE = Param("rule", q.TEXT, "只看此检查规则（如 Q101）")
STATUS = Param("status", q.choice(findings.STATUSES), "open（默认，未整改）、resolved（已整改）或 all")

FINDING = s.component("QualityFinding", s.shape({
    "id": s.INTEGER, "household_id": s.INTEGER, "rule": s.TEXT, "title": s.TEXT, "severity": s.TEXT,
    "message": s.TEXT, "fields": s.list_of(s.TEXT), "village": s.TEXT, "found_at": s.TIME, "last_seen_at": s.TIME,
    "resolved_at": s.TIME}))
RUN = s.component("QualityRun", s.shape({
    "run_id": s.INTEGER, "place": s.TEXT, "checked": s.INTEGER, "tripped": s.INTEGER, "new": s.INTEGER,
    "closed": s.INTEGER, "open": s.INTEGER, "failed": s.list_of(s.TEXT), "corrections_started": s.INTEGER}))
RUN_BODY = b.body({"place": b.ruled("地区代码（默认为调用者所在地区）")})


def finding_body(finding: QualityFinding) -> dict[str, Any]:
    check = CHECKS.get(finding.rule)
    return {"id": finding.id, "household_id": finding.household_id, "rule": finding.rule,
            "title": title_of(finding.rule), "severity": finding.severity,
            "message": finding.message, "fields": list(check.fields) if check else [],
            "village": code_at(finding.place_path),
            "found_at": finding.found_at.isoformat(), "last_seen_at": finding.last_seen_at.isoformat(),
            "resolved_at": finding.resolved_at.isoformat() if finding.resolved_at else None}


@api.get("/quality/findings")
@operation("数据质量问题（分页，或导出 XLSX）", {200: s.list_of(FINDING)},
           query=(q.place_param(), RULE, STATUS, q.format_param(FORMATS)), files=Files((XLSX,)), paged=True,
           refusals=(404, 422))
@token_required
def list_findings():
    """``?place=CODE&rule=Q101&status=open|resolved|all&format=json|xlsx``: the findings of a place in the caller's
    scope (its own by default), village by village; a line department sees none. The JSON keeps the codes (api.md);
    the workbook is the quality page's, in words."""
    actor, place, rule, status = current_actor(), query("place"), query("rule"), query("status", "open")
    if query("format", "json") == "xlsx":
        return xlsx_response("数据质量问题", "quality-findings", listing.columns(),
                             listing.all_rows(db.session, actor, place, rule, status), engine().now())
    found = findings.findings_page(db.session, actor, place, rule, status, paging.window())
    return paging.paged(found, finding_body)


@api.post("/quality/run")
@operation("在调用者范围内运行数据质量检查", {200: RUN}, body=RUN_BODY, body_required=False,
           refusals=(403, 404, 409, 422))
@token_required
def run_quality_checks():
    """``{"place": CODE?}``: the caller's place by default, or a place below it, a county at a time; the run's
    counts. 409 when another run holds one of its counties (the counties before it are committed)."""
    place = json_body(optional=True).get("place")
    with unit_of_work() as session:
        actor = current_actor()
        scope = runner.scope_of(session, actor, place, engine().now())
        summary, assigned = corrections.run_and_assign(engine(), session, scope, actor.username, engine().now())
    return jsonify({"run_id": summary.run_id, "place": code_at(summary.place_path), "checked": summary.checked,
                    "tripped": summary.tripped, "new": summary.new, "closed": summary.closed, "open": summary.open,
                    "failed": summary.failed, "corrections_started": assigned})

"""JSON shapes of the domain resources (households, uploads, notices, thresholds)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from monitoring import cases, comparison, status_history
from monitoring.id_number import mask_id_number
from monitoring.models import (
    Household,
    HouseholdFeedback,
    HouseholdStatusChange,
    Measurement,
    Member,
    Notice,
    Threshold,
)
from monitoring.rules import net_income, per_capita_income
from web.api.views import iso
from web.households.listing import Hit

MEMBER_FIELDS = ("name", "id_number", "relation", "sex", "ethnicity", "education", "schooling", "health",
                 "disability", "labour_skill", "work", "insurance", "phone")
MEASUREMENT_FIELDS = ("year", "wage_income", "business_income", "property_income", "transfer_income",
                      "business_expenses", "claims_income", "education_expense", "medical_expense",
                      "housing_expense", "water_expense", "property_loss", "dropout", "uninsured_large_medical",
                      "unsafe_house", "unsafe_water")


def member(m: Member) -> dict[str, Any]:
    return {"id": m.id, **{f: getattr(m, f) for f in MEMBER_FIELDS}}


def _plain(value: Any) -> Any:
    return float(value) if isinstance(value, Decimal) else value


def measurement(m: Measurement, size: int) -> dict[str, Any]:
    body = {f: _plain(getattr(m, f)) for f in MEASUREMENT_FIELDS}
    body["net_income"] = float(net_income(m))
    body["per_capita_income"] = float(per_capita_income(m, size)) if size else None
    body["recorded_at"] = iso(m.recorded_at)
    return body


def household_summary(h: Household) -> dict[str, Any]:
    head = h.head
    return {
        "id": h.id, "village": h.village_code, "group": h.group_name, "head": head.name if head else None,
        "size": h.size, "household_type": h.household_type,
        "monitoring": {"status": h.monitoring_status, "type": h.monitoring_type, "risk_types": h.risk_types,
                       "since": iso(h.monitored_since), "elimination_method": h.elimination_method,
                       "eliminated_on": iso(h.eliminated_on)},
    }


def status_change(c: HouseholdStatusChange) -> dict[str, Any]:
    return {"from": c.from_status, "to": c.to_status, "monitoring_type": c.monitoring_type, "method": c.method,
            "reason": c.reason, "instance_id": c.instance_id, "on": c.changed_on.isoformat(),
            "at": iso(c.changed_at), "by": c.changed_by}


def household(session: Session, h: Household, feedback: list[HouseholdFeedback]) -> dict[str, Any]:
    body = household_summary(h)
    body.update({
        "address": h.address, "phone": h.phone, "bank_account": h.bank_account, "focus_groups": h.focus_groups,
        "authorization": h.authorization,
        "members": [member(m) for m in h.members],
        "measurements": [measurement(m, h.size) for m in h.measurements],
        "cases": [{"id": c.id, "process": c.process_key, "status": c.status, "created_at": iso(c.created_at),
                   "ended_at": iso(c.ended_at)} for c in cases.cases_of(session, h.id)],
        "feedback": [{"step": f.step, "reason": f.reason, "at": iso(f.created_at), "by": f.created_by}
                     for f in feedback],
        "comparison_hits": [comparison.describe(session, hit) for hit in comparison.hits_for(session, h.id)],
        "status_changes": [status_change(c) for c in status_history.history(session, h.id)],
    })
    return body


def linked_household(h: Household, hits: list[Hit]) -> dict[str, Any]:
    """A household as a line department sees it through hits on its data: names, masked ID numbers, the hits."""
    return {
        "id": h.id, "village": h.village_code, "group": h.group_name, "head": h.head.name if h.head else None,
        "members": [{"name": m.name, "relation": m.relation, "id_number": mask_id_number(m.id_number)}
                    for m in h.members],
        "comparison_hits": [{"member": x.hit.member_name, "id_number": x.masked_id, "dataset": x.hit.dataset,
                             "dataset_label": x.dataset, "filename": x.upload.filename, "row": x.record.row_number,
                             "evidence": x.record.evidence, "compared_at": iso(x.hit.compared_at)} for x in hits],
    }


def notice(n: Notice, household_ids: list[int]) -> dict[str, Any]:
    return {"id": n.id, "stage": n.stage, "village": n.village_code, "starts_on": iso(n.starts_on),
            "ends_on": iso(n.ends_on), "households": household_ids}


def threshold(t: Threshold) -> dict[str, Any]:
    return {"kind": t.kind, "place": t.place_code, "year": t.year, "amount": float(t.amount), "note": t.note,
            "set_at": iso(t.set_at), "set_by": t.set_by}

"""Department data comparison (数据比对): uploads keyed by ID number, matched against household members."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from engine.assignment import Actor
from engine.calendar import CHINA_TZ
from engine.errors import Forbidden, InvalidData
from monitoring import thresholds
from monitoring.codelists import labels
from monitoring.department_files import DATASETS, parse_department_file
from monitoring.models import (
    ComparisonHit,
    DepartmentRecord,
    DepartmentUpload,
    Household,
    Place,
    PlaceLevel,
    Role,
    User,
)


def county_of(session: Session, place_path: str) -> Place:
    """The county (旗县) on a place's path: comparisons use that county's department data."""
    codes = [c for c in place_path.strip("/").split("/") if c]
    county = session.execute(select(Place).where(Place.code.in_(codes), Place.level == PlaceLevel.COUNTY)).scalar()
    if county is None:
        raise InvalidData("所在旗县未知", {"place": "该区划不在任何旗县之下"})
    return county


def upload(session: Session, user: User, actor: Actor, dataset: str, filename: str, content: bytes,
           at: datetime) -> DepartmentUpload:
    """Import a department's file whole, or refuse it whole with a report per bad row."""
    if user.role != Role.DEPARTMENT:
        raise Forbidden("只有行业部门用户可以上传比对数据")
    if dataset not in DATASETS:
        raise InvalidData("未知的数据集", {"dataset": "应为 " + "/".join(DATASETS)})
    if user.department not in DATASETS[dataset].departments:
        raise Forbidden(f"本部门不提供“{DATASETS[dataset].label}”数据")
    rows = parse_department_file(filename, content, dataset)
    county = county_of(session, actor.place_path)
    record = DepartmentUpload(dataset=dataset, department=user.department, county_code=county.code,
                              filename=filename[:200], sha256=hashlib.sha256(content).hexdigest(),
                              row_count=len(rows), uploaded_by=user.username, uploaded_at=at)
    session.add(record)
    session.flush()
    if rows:
        session.execute(insert(DepartmentRecord), [
            {"upload_id": record.id, "row_number": r.row_number, "id_number": r.id_number, "name": r.name,
             "excluded": r.excluded, "evidence": r.evidence} for r in rows])
    return record


def _latest_uploads(session: Session, county_code: str) -> list[int]:
    """The newest upload of each dataset for the county: a new file replaces the old one."""
    newest = (select(DepartmentUpload.dataset, func.max(DepartmentUpload.id).label("id"))
              .where(DepartmentUpload.county_code == county_code).group_by(DepartmentUpload.dataset))
    return [row.id for row in session.execute(newest)]


def compare(session: Session, household: Household, at: datetime) -> list[ComparisonHit]:
    """Match every member against the county's department data; each excluded row is a hit with its evidence."""
    county = county_of(session, household.place_path)
    members = {m.id_number: m for m in household.members}
    uploads = _latest_uploads(session, county.code)
    if not uploads or not members:
        return []
    rows = session.execute(
        select(DepartmentRecord, DepartmentUpload.dataset).join(DepartmentUpload)
        .where(DepartmentRecord.upload_id.in_(uploads), DepartmentRecord.id_number.in_(members),
               DepartmentRecord.excluded.is_(True))
        .order_by(DepartmentRecord.id)
    ).all()
    hits = [ComparisonHit(household_id=household.id, member_name=members[record.id_number].name,
                          id_number=record.id_number, exclusion=DATASETS[dataset].exclusion, dataset=dataset,
                          record_id=record.id, compared_at=at)
            for record, dataset in rows]
    session.add_all(hits)
    session.flush()
    return hits


DEFAULT_DATA_MAX_AGE_DAYS = 92  # one quarter: departments compare data quarterly (§六)


def data_gaps(session: Session, place_path: str, at: datetime) -> list[dict[str, Any]]:
    """Datasets the county has no upload of, or only one older than its setting (default one quarter).

    A missing file is not "no hit": the county sees each gap at the comparison step and confirms it.
    """
    county = county_of(session, place_path)
    year = at.astimezone(CHINA_TZ).year
    setting = thresholds.current(session, thresholds.DATA_MAX_AGE, county.path, year)
    max_age = timedelta(days=int(setting) if setting is not None else DEFAULT_DATA_MAX_AGE_DAYS)
    newest = dict(session.execute(
        select(DepartmentUpload.dataset, func.max(DepartmentUpload.uploaded_at))
        .where(DepartmentUpload.county_code == county.code).group_by(DepartmentUpload.dataset)).all())
    gaps = []
    for key, dataset in DATASETS.items():
        uploaded = newest.get(key)
        if uploaded is not None and at - uploaded <= max_age:
            continue
        gaps.append({"dataset": key, "dataset_label": dataset.label,
                     "uploaded_on": uploaded.astimezone(CHINA_TZ).date().isoformat() if uploaded else None,
                     "problem": "stale" if uploaded else "missing", "max_age_days": max_age.days})
    return gaps


def describe(session: Session, hit: ComparisonHit) -> dict[str, Any]:
    """A hit as the county's comparison review shows it: who, which exclusion, from which data, the evidence."""
    record = session.get(DepartmentRecord, hit.record_id)
    return {
        "member": hit.member_name, "exclusion": hit.exclusion,
        "exclusion_label": labels(session, "exclusion").get(hit.exclusion, hit.exclusion),
        "dataset": hit.dataset, "dataset_label": DATASETS[hit.dataset].label,
        "row": record.row_number, "evidence": record.evidence,
    }


def hits_for(session: Session, household_id: int) -> list[ComparisonHit]:
    return list(session.execute(select(ComparisonHit).where(ComparisonHit.household_id == household_id)
                                .order_by(ComparisonHit.id)).scalars())

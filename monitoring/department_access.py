"""What a line department is granted beyond its place: its uploads, the hits on its data, the assistance
measures it leads, the households those hits and measures name (``permissions.OWN_DATA_ROLES``), and of the
case of a task routed to it only what that work needs. The county's other records stay closed to it (404)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import CompoundSelect, Select, and_, false, select, union
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from engine.assignment import Actor
from engine.scope import below
from monitoring.id_number import mask_id_number, mask_id_numbers_in
from monitoring.models import ComparisonHit, DepartmentRecord, DepartmentUpload, Household, Measure, Place, Role, User
from monitoring.permissions import sees_full_record


def department_of(session: Session, actor: Actor) -> str | None:
    """The department code of a department user (None for other roles or an account without one)."""
    if actor.role != Role.DEPARTMENT:
        return None
    return session.execute(select(User.department).where(User.username == actor.username)).scalar()


def _own(session: Session, actor: Actor) -> ColumnElement[bool]:
    """An upload of the department for a county at its place (nothing for an account without a department)."""
    counties = select(Place.code).where(below(Place.path, actor.place_path))
    return and_(DepartmentUpload.department == department_of(session, actor),
                DepartmentUpload.county_code.in_(counties))


def own_uploads(session: Session, actor: Actor) -> Select[tuple[DepartmentUpload]]:
    return select(DepartmentUpload).where(_own(session, actor))


HitRow = tuple[ComparisonHit, DepartmentRecord, DepartmentUpload]


def hits_on_own_data(session: Session, actor: Actor) -> Select[HitRow]:
    """Comparison hits whose evidence row comes from one of the department's uploads, with that row and upload."""
    return (select(ComparisonHit, DepartmentRecord, DepartmentUpload)
            .join(DepartmentRecord, DepartmentRecord.id == ComparisonHit.record_id)
            .join(DepartmentUpload, DepartmentUpload.id == DepartmentRecord.upload_id)
            .where(_own(session, actor)))


def linked_household_ids(session: Session, actor: Actor) -> CompoundSelect:
    """Households a hit on the department's data, or a measure it leads in its county, links it to."""
    by_hits = (select(ComparisonHit.household_id.label("household_id"))
               .join(DepartmentRecord, DepartmentRecord.id == ComparisonHit.record_id)
               .join(DepartmentUpload, DepartmentUpload.id == DepartmentRecord.upload_id)
               .where(_own(session, actor)))
    by_measures = (select(Measure.household_id.label("household_id"))
                   .join(Household, Household.id == Measure.household_id)
                   .where(Measure.department == department_of(session, actor),
                          below(Household.place_path, actor.place_path)))
    return union(by_hits, by_measures)


def is_linked(session: Session, actor: Actor, household_id: int) -> bool:
    linked = linked_household_ids(session, actor).subquery()
    query = select(linked.c.household_id).where(linked.c.household_id == household_id).limit(1)
    return session.execute(query).first() is not None


def case_data(session: Session, actor: Actor, household: Household | None, data: dict[str, Any]) -> dict[str, Any]:
    """A case's data as the actor may read it. Those whose place opens the case read all of it (each view masks
    ID numbers as it does for them); a department reading the case of a task routed to it reads only what its
    work needs — the household's name, village and masked ID number and the measures it leads there — never
    phones, bank accounts, health details or other departments' answers, whatever the case holds."""
    if sees_full_record(actor):
        return data
    if household is None:
        return {}
    department = department_of(session, actor)
    head = household.head
    measures = session.execute(select(Measure).where(Measure.household_id == household.id,
                                                     Measure.department == department if department else false())
                               .order_by(Measure.id)).scalars()
    return {"household": {"name": head.name if head else "", "village": household.village_code,
                          "id_number": mask_id_number(head.id_number) if head else ""},
            "measures": [{"id": m.id, "category": m.category, "subtype": m.subtype, "content": m.content,
                          "status": m.status} for m in measures]}


def case_event_detail(actor: Actor, detail: Any) -> Any:
    """An event's detail (a step's answers) in a case's timeline: none for a department, which may read the case
    of its own task but not what other steps recorded."""
    return mask_id_numbers_in(detail) if sees_full_record(actor) else None

"""What a line department is granted beyond its place: its uploads, the hits on its data, the assistance
measures it leads, and the households those hits and measures name (``permissions.OWN_DATA_ROLES``). The
county's other records stay closed to it (404)."""

from __future__ import annotations

from sqlalchemy import CompoundSelect, Select, and_, select, union
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from engine.assignment import Actor
from engine.scope import below
from monitoring.models import ComparisonHit, DepartmentRecord, DepartmentUpload, Household, Measure, Place, Role, User


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

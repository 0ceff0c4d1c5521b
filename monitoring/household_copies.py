"""Copies of a household's fields on other rows, so that region-wide counts and searches read one index range:
``household_risks`` (one row per risk type of a household, with its status and place) and ``members.place_path``
(a member's household's place, for a name search cut to an area).

The ORM keeps them, here and nowhere else: whatever writes ``Household.risk_types``, ``monitoring_status`` or
``place_path``, or moves a member to another household, gets its copies rewritten within the same flush. Rows
written around the ORM (a migration, the synthetic region) are filled by ``fill_household_risks`` and
``fill_member_places``, the same derivation in SQL.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import ForeignKey, Index, String, delete, event, insert, inspect, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Session, mapped_column

from engine.models import Base, PlacePath
from monitoring.json_lists import list_items
from monitoring.models import Household, Member

RISK_SOURCES = ("risk_types", "monitoring_status", "place_path")  # the household's fields household_risks copies


class HouseholdRisk(Base):
    """A risk type of a household (``Household.risk_types`` as rows), with what the dashboard counts filter on."""

    __tablename__ = "household_risks"
    # the dashboard's count per risk type: one range per status and area, read from the index alone
    __table_args__ = (Index("ix_household_risks_count", "monitoring_status", "place_path", "risk_type"),)

    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), primary_key=True)
    risk_type: Mapped[str] = mapped_column(String(30), primary_key=True)
    monitoring_status: Mapped[str] = mapped_column(String(20))
    place_path: Mapped[str] = mapped_column(PlacePath)


def _risk_rows(connection: Connection, household_ids: Collection[int] | None) -> Any:
    """``household_id, risk_type, monitoring_status, place_path`` of each risk type in the households' JSON lists
    (all households when ``household_ids`` is None); a value that is not a list holds no risk, a type listed twice
    is one row."""
    risks = list_items(connection.dialect.name, Household.risk_types)
    rows = (select(Household.id, risks.c.value, Household.monitoring_status, Household.place_path).distinct()
            .select_from(Household).join(risks, risks.c.value.is_not(None)))
    return rows if household_ids is None else rows.where(Household.id.in_(household_ids))


def fill_household_risks(connection: Connection, household_ids: Collection[int] | None = None) -> None:
    """Rewrite the ``household_risks`` rows of these households (of all when None) from the households' rows."""
    table = HouseholdRisk.__table__
    gone = delete(table) if household_ids is None else delete(table).where(table.c.household_id.in_(household_ids))
    connection.execute(gone)
    connection.execute(insert(table).from_select(
        ["household_id", "risk_type", "monitoring_status", "place_path"], _risk_rows(connection, household_ids)))


def fill_member_places(connection: Connection) -> None:
    """Give every member its household's place path (rows loaded around the ORM)."""
    members = Member.__table__
    connection.execute(update(members).values(place_path=select(Household.place_path).where(
        Household.id == members.c.household_id).scalar_subquery()))


def _changed(instance: Any, names: Collection[str]) -> bool:
    state = inspect(instance)
    return state.pending or any(state.attrs[name].history.has_changes() for name in names)


@event.listens_for(Session, "before_flush")
def _place_members(session: Session, _context: Any, _instances: Any) -> None:
    """A member new or moved to another household takes its household's place; a household moved takes its
    members along. Set before the rows are written, so the INSERT or UPDATE carries it."""
    for instance in (*session.new, *session.dirty):
        if isinstance(instance, Member) and _changed(instance, ("household_id", "household")):
            household = _household_of(session, instance)
            if household is not None:
                instance.place_path = household.place_path
        elif isinstance(instance, Household) and not inspect(instance).pending \
                and _changed(instance, ("place_path",)):
            for member in (*instance.members, *instance.former_members):
                member.place_path = instance.place_path
    for instance in session.deleted:
        if isinstance(instance, Household):
            session.execute(delete(HouseholdRisk).where(HouseholdRisk.household_id == instance.id))


def _household_of(session: Session, member: Member) -> Household | None:
    """The household a member is about to be written in: the one it was appended to (which may have no id yet), or
    the one its ``household_id`` names when only that was set (the relationship then still holds the old one)."""
    if member.household is not None and (_changed(member, ("household",)) or member.household_id is None):
        return member.household
    return session.get(Household, member.household_id) if member.household_id is not None else None


@event.listens_for(Session, "after_flush")
def _copy_risks(session: Session, _context: Any) -> None:
    """Households whose risk types, status or place were just written get their ``household_risks`` rewritten
    (after the flush: a new household has its id only then)."""
    ids = [instance.id for instance in (*session.new, *session.dirty)
           if isinstance(instance, Household) and _changed(instance, RISK_SOURCES)]
    if ids:
        fill_household_risks(session.connection(), ids)

"""The place tree as a manager walks it: one place, the way down to it, its children, a new child."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from engine.assignment import Actor
from engine.errors import InvalidData
from monitoring import places
from monitoring.models import Place, PlaceLevel


def trail(session: Session, actor: Actor, place: Place) -> list[Place]:
    """The places from the actor's own down to ``place``, for the breadcrumb."""
    codes = [code for code in place.path.strip("/").split("/") if code]
    rows = session.execute(select(Place).where(Place.code.in_(codes))).scalars()
    return sorted((p for p in rows if actor.sees(p.path)), key=lambda p: len(p.path))


def children(session: Session, place: Place) -> list[tuple[Place, int]]:
    """The place's children, each with how many children it has in turn."""
    grandchild = aliased(Place)
    rows = session.execute(
        select(Place, func.count(grandchild.code)).outerjoin(grandchild, grandchild.parent_code == Place.code)
        .where(Place.parent_code == place.code).group_by(Place.code).order_by(Place.code)
    )
    return [(child, count) for child, count in rows]


def may_have_children(place: Place) -> bool:
    return place.level != PlaceLevel.VILLAGE


def add_child(session: Session, parent: Place, form: Mapping[str, str]) -> Place:
    """A new place one level below ``parent``; its code is the national division code."""
    if not may_have_children(parent):
        raise InvalidData("嘎查村下不能再设区划")
    return places.add_place(session, (form.get("code") or "").strip(), form.get("name", ""), parent.code)

"""Department data uploads as the administration lists them: the counties in the user's place, newest first."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.assignment import Actor
from monitoring.department_files import DATASETS, datasets_for_department
from monitoring.models import DepartmentUpload, Place, Role, User

SHOWN = 200


@dataclass(frozen=True)
class Listed:
    upload: DepartmentUpload
    county: str
    in_use: bool  # the newest of its county and dataset: the one the comparison reads

    @property
    def dataset(self) -> str:
        return DATASETS[self.upload.dataset].label if self.upload.dataset in DATASETS else self.upload.dataset


def uploads_in_scope(session: Session, actor: Actor) -> list[Listed]:
    """Uploads for the counties at or below the actor's place (a department sees its own county's)."""
    rows = session.execute(
        select(DepartmentUpload, Place.name).join(Place, Place.code == DepartmentUpload.county_code)
        .where(Place.path.startswith(actor.place_path, autoescape=True))
        .order_by(DepartmentUpload.id.desc()).limit(SHOWN)
    )
    seen: set[tuple[str, str]] = set()
    listed = []
    for upload, county in rows:
        key = (upload.county_code, upload.dataset)
        listed.append(Listed(upload, county, key not in seen))
        seen.add(key)
    return listed


def datasets_of(user: User) -> list[tuple[str, str]]:
    """``(key, label)`` of the datasets the user may upload: only a department's own."""
    if user.role != Role.DEPARTMENT or not user.department:
        return []
    return [(key, DATASETS[key].label) for key in datasets_for_department(user.department)]

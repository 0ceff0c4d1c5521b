"""Department data uploads as the administration lists them: the counties in the user's place (a department's
own uploads), newest first, a page at a time or as XLSX."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from engine.assignment import Actor
from engine.paging import Key, Page, Window, page, walk
from engine.scope import within
from monitoring import department_access
from monitoring.codelists import labels
from monitoring.department_files import DATASETS, datasets_for_department
from monitoring.models import DepartmentUpload, Place, Role, User
from web.exports import EXPORT_MAX_ROWS, Column

UPLOAD_ORDER = (Key(DepartmentUpload.id, descending=True),)  # newest first


@dataclass(frozen=True)
class Listed:
    upload: DepartmentUpload
    county: str
    in_use: bool  # the newest of its county and dataset: the one the comparison reads

    @property
    def dataset(self) -> str:
        return DATASETS[self.upload.dataset].label if self.upload.dataset in DATASETS else self.upload.dataset


def uploads_query(session: Session, actor: Actor) -> Select[tuple[DepartmentUpload]]:
    """Uploads for the counties at or below the actor's place; a department's own uploads only."""
    if not actor.place_scope:
        return department_access.own_uploads(session, actor)
    return select(DepartmentUpload).where(DepartmentUpload.county_code.in_(
        select(Place.code).where(within(Place.path, actor))))


def listed(session: Session, uploads: list[DepartmentUpload]) -> list[Listed]:
    """Each upload with its county's name and whether the comparison reads it (the newest of its dataset)."""
    counties = {u.county_code for u in uploads}
    names = dict(session.execute(select(Place.code, Place.name).where(Place.code.in_(counties))).all())
    newest = set(session.execute(select(func.max(DepartmentUpload.id)).where(
        DepartmentUpload.county_code.in_(counties)).group_by(DepartmentUpload.county_code, DepartmentUpload.dataset)
    ).scalars())
    return [Listed(u, names.get(u.county_code, u.county_code), u.id in newest) for u in uploads]


def uploads_page(session: Session, actor: Actor, window: Window) -> Page[Listed]:
    found = page(session, uploads_query(session, actor), UPLOAD_ORDER, window)
    return Page(listed(session, found.rows), found.total, found.next_cursor)


def all_uploads(session: Session, actor: Actor) -> Iterator[list[Listed]]:
    for rows in walk(session, uploads_query(session, actor), UPLOAD_ORDER, EXPORT_MAX_ROWS):
        yield listed(session, rows)


def upload_columns(session: Session) -> list[Column[Listed]]:
    departments = labels(session, "department", include_retired=True)
    return [
        Column("数据集", lambda i: i.dataset, width=28),
        Column("部门", lambda i: departments.get(i.upload.department, i.upload.department)),
        Column("旗县", lambda i: i.county),
        Column("文件", lambda i: i.upload.filename, width=24),
        Column("行数", lambda i: i.upload.row_count, "int", width=8),
        Column("上传人", lambda i: i.upload.uploaded_by),
        Column("上传时间", lambda i: i.upload.uploaded_at, "datetime", width=18),
        Column("状态", lambda i: "比对使用中" if i.in_use else "已被替换"),
    ]


def datasets_of(user: User) -> list[tuple[str, str]]:
    """``(key, label)`` of the datasets the user may upload: only a department's own."""
    if user.role != Role.DEPARTMENT or not user.department:
        return []
    return [(key, DATASETS[key].label) for key in datasets_for_department(user.department)]

"""The household list and a department's comparison hits, as pages and as XLSX with the same columns."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from sqlalchemy.orm import Session

from engine.assignment import Actor
from engine.paging import Key, Page, Window, page, walk
from monitoring import department_access
from monitoring.codelists import labels
from monitoring.department_files import DATASETS
from monitoring.households import Search
from monitoring.id_number import mask_id_number
from monitoring.models import ComparisonHit, DepartmentRecord, DepartmentUpload, Household, Place
from web.cases.listing import households_by_id
from web.dashboard import filters
from web.exports import EXPORT_MAX_ROWS, Column
from web.households.record import STATUSES


def search_from(args: Mapping[str, str]) -> Search:
    """The search a list request asks (the page's and the API's parameters are the same)."""
    values = {key: (args.get(key) or "").strip() or None for key in ("village", "status", "type", "q")}
    return Search(values["village"], values["status"], values["type"], values["q"],
                  tuple(filters.household_conditions(args)))


HIT_ORDER = (Key(ComparisonHit.id, descending=True),)  # the newest comparison first


def _place_names(session: Session) -> Callable[[str], str]:
    """A place's name by its code, each read once per list: an export names the same villages for thousands of rows,
    and the session's identity map keeps no place that nothing else holds (it read one per row)."""
    @functools.cache
    def name(code: str) -> str:
        place = session.get(Place, code)
        return place.name if place else code

    return name


def household_columns(session: Session) -> list[Column[Household]]:
    """The list's columns: ID numbers masked as on the page, the registration date as a date."""
    types, kinds = labels(session, "household_type", include_retired=True), labels(
        session, "monitoring_type", include_retired=True)
    risks, village = labels(session, "risk_type", include_retired=True), _place_names(session)
    return [
        Column("户主", lambda h: h.head.name if h.head else f"#{h.id}", width=12),
        Column("身份证号", lambda h: mask_id_number(h.head.id_number) if h.head else "", width=22),
        Column("嘎查村", lambda h: village(h.village_code), width=16),
        Column("村民小组", lambda h: h.group_name),
        Column("人口", lambda h: h.size, "int", width=8),
        Column("户类型", lambda h: types.get(h.household_type, h.household_type)),
        Column("监测状态", lambda h: STATUSES[h.monitoring_status][0]),
        Column("监测对象类型", lambda h: kinds.get(h.monitoring_type or "", h.monitoring_type or "")),
        Column("风险类型", lambda h: "、".join(risks.get(r, r) for r in h.risk_types or []), width=24),
        Column("纳入监测日期", lambda h: h.monitored_since, "date"),
        Column("登记日期", lambda h: h.created_at, "date"),
    ]


@dataclass(frozen=True)
class Hit:
    """A hit on a department's data as the department sees it: the household by name, the ID masked."""

    hit: ComparisonHit
    record: DepartmentRecord
    upload: DepartmentUpload
    household: Household | None

    @property
    def dataset(self) -> str:
        return DATASETS[self.hit.dataset].label if self.hit.dataset in DATASETS else self.hit.dataset

    @property
    def masked_id(self) -> str:
        return mask_id_number(self.hit.id_number)


def _hits(session: Session, rows: list[tuple[ComparisonHit, DepartmentRecord, DepartmentUpload]]) -> list[Hit]:
    households = households_by_id(session, (hit.household_id for hit, _, _ in rows))
    return [Hit(hit, record, upload, households.get(hit.household_id)) for hit, record, upload in rows]


def hits_page(session: Session, actor: Actor, window: Window) -> Page[Hit]:
    found = page(session, department_access.hits_on_own_data(session, actor), HIT_ORDER, window, scalars=False)
    return Page(_hits(session, found.rows), found.total, found.next_cursor)


def hits_on_household(session: Session, actor: Actor, household_id: int) -> list[Hit]:
    query = department_access.hits_on_own_data(session, actor).where(ComparisonHit.household_id == household_id)
    return _hits(session, list(session.execute(query.order_by(ComparisonHit.id)).all()))


def all_hits(session: Session, actor: Actor) -> Iterator[list[Hit]]:
    for rows in walk(session, department_access.hits_on_own_data(session, actor), HIT_ORDER, EXPORT_MAX_ROWS,
                     scalars=False):
        yield _hits(session, rows)


def hit_columns(session: Session) -> list[Column[Hit]]:
    village = _place_names(session)
    return [
        Column("户主", lambda h: h.household.head.name if h.household and h.household.head else "", width=12),
        Column("命中成员", lambda h: h.hit.member_name, width=12),
        Column("身份证号", lambda h: h.masked_id, width=22),
        Column("嘎查村", lambda h: village(h.household.village_code) if h.household else "", width=16),
        Column("数据集", lambda h: h.dataset, width=24),
        Column("来源文件", lambda h: h.upload.filename, width=24),
        Column("来源行号", lambda h: h.record.row_number, "int", width=10),
        Column("比对时间", lambda h: h.hit.compared_at, "datetime", width=18),
    ]

"""The administration's sections for each role (the roles come from ``monitoring.permissions``), and the places a
manager may act on (own place and below)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.assignment import Actor
from engine.scope import within
from monitoring.models import Place
from monitoring.permissions import (
    CALENDAR_MANAGERS,
    MARKING_WINDOW_SETTERS,
    PLACE_MANAGERS,
    THRESHOLD_MANAGERS,
    UPLOAD_ROLES,
    USER_MANAGERS,
)


@dataclass(frozen=True)
class Section:
    endpoint: str
    title: str
    text: str
    roles: frozenset[str]


SECTIONS = (
    Section("admin.users", "用户管理", "账号、角色与所属区划；新建、停用、启用、重置密码。", USER_MANAGERS),
    Section("admin.places", "行政区划", "逐级查看区划树，添加下级区划。", PLACE_MANAGERS),
    Section("admin.thresholds", "监测标准", "收入监测线、刚性支出预警线，按年份设置并保留历史。", THRESHOLD_MANAGERS),
    Section("admin.calendar", "节假日与调休", "法定节假日和调休上班日，用于按工作日计算办理期限。", CALENDAR_MANAGERS),
    Section("marking_windows.index", "标注窗口期", "风险消除和自然变更的标注时间，默认为每季度最后一个月。",
            MARKING_WINDOW_SETTERS),
    Section("admin.uploads", "部门比对数据", "行业部门上传比对数据；查看各部门的上传记录。", UPLOAD_ROLES),
)


def sections_for(role: str) -> list[Section]:
    return [section for section in SECTIONS if role in section.roles]


def places_in_scope(session: Session, actor: Actor, levels: tuple[str, ...] = ()) -> list[tuple[Place, int]]:
    """The actor's place and everything below in tree order, each with its depth below the actor's place."""
    query = select(Place).where(within(Place.path, actor)).order_by(Place.path)
    if levels:
        query = query.where(Place.level.in_(levels))
    base = actor.place_path.count("/")
    return [(place, place.path.count("/") - base) for place in session.execute(query).scalars()]

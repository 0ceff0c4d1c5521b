"""User accounts kept by a manager within the manager's place: create, deactivate, reactivate, new password.

A manager grants only roles below its own trust (a county never makes an administrator), and a role is
bound to a place of its level: a village cadre placed at a county would see the whole county.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from engine.assignment import Actor
from engine.errors import Forbidden, InvalidData, NotFound
from engine.paging import Key, Page, Window, page, walk
from engine.scope import within
from monitoring import people, places
from monitoring.codelists import labels
from monitoring.models import LEVEL_NAMES, Place, PlaceLevel, Role, User
from web.admin.forms import refuse_if, reported_together
from web.exports import EXPORT_MAX_ROWS, Column
from web.templating import ROLE_NAMES

GRANTABLE = {Role.ADMIN: tuple(Role), Role.COUNTY: (Role.VILLAGE, Role.TOWNSHIP, Role.DEPARTMENT, Role.COUNTY)}
ROLE_LEVELS = {  # designers and administrators may sit at any level
    Role.VILLAGE: (PlaceLevel.VILLAGE,), Role.TOWNSHIP: (PlaceLevel.TOWNSHIP,), Role.COUNTY: (PlaceLevel.COUNTY,),
    Role.DEPARTMENT: (PlaceLevel.COUNTY,), Role.REGION: (PlaceLevel.REGION, PlaceLevel.LEAGUE),
}
MIN_PASSWORD = 8


def grantable_roles(manager_role: str) -> tuple[str, ...]:
    return GRANTABLE.get(manager_role, ())


USER_ORDER = (Key(Place.path), Key(User.username))  # tree order, then login id


def users_query(actor: Actor, text: str = "") -> Select[tuple[User, Place]]:
    """Accounts at the actor's place and below; ``text`` filters by login id or 姓名."""
    query = select(User, Place).join(Place, Place.code == User.place_code).where(within(Place.path, actor))
    if text.strip():
        query = query.where(User.username.contains(text.strip(), autoescape=True)
                            | User.name.contains(text.strip(), autoescape=True))
    return query


def users_page(session: Session, actor: Actor, text: str, window: Window) -> Page[tuple[User, Place]]:
    return page(session, users_query(actor, text), USER_ORDER, window, scalars=False)


def all_users(session: Session, actor: Actor, text: str) -> Iterator[list[tuple[User, Place]]]:
    yield from walk(session, users_query(actor, text), USER_ORDER, EXPORT_MAX_ROWS, scalars=False)


def user_columns(session: Session) -> list[Column[tuple[User, Place]]]:
    departments = labels(session, "department", include_retired=True)
    return [
        Column("姓名", lambda row: row[0].name or ""),
        Column("登录名", lambda row: row[0].username, width=20),
        Column("角色", lambda row: ROLE_NAMES.get(row[0].role, row[0].role), width=18),
        Column("所属区划", lambda row: row[1].name, width=16),
        Column("部门", lambda row: departments.get(row[0].department or "", row[0].department or "")),
        Column("状态", lambda row: "正常" if row[0].active else "已停用", width=8),
    ]


def managed_user(session: Session, manager: Actor, user_id: int) -> User:
    """A user the manager may change: in scope (else 404) and of a role the manager could grant (else 403)."""
    user = session.get(User, user_id)
    if user is None or not manager.sees(places.get_place(session, user.place_code).path):
        raise NotFound(f"user {user_id}")
    if user.role not in grantable_roles(manager.role):
        raise Forbidden("您无权管理此角色的用户")
    return user


def create_user(session: Session, manager: Actor, form: Mapping[str, str]) -> User:
    """A new account from the form; every problem of every field reported at once."""
    role, place_code = form.get("role", ""), form.get("place", "")
    problems: dict[str, str] = {}
    if role not in grantable_roles(manager.role):
        problems["role"] = "请选择角色" if role not in set(Role) else "您无权创建此角色的用户"
    department = (form.get("department") or None) if role == Role.DEPARTMENT else None
    if role == Role.DEPARTMENT and department not in places.DEPARTMENTS:
        problems["department"] = "行业部门用户须选择所属部门"
    if not place_code:
        problems["place"] = "请选择所属区划"
    elif (level_problem := _level_problem(role, places.place_in_scope(session, manager, place_code))) is not None:
        problems["place"] = level_problem
    with reported_together(problems, "用户信息有误"):
        user = places.add_user(session, form.get("username", ""), role, place_code, form.get("password", ""),
                               department, form.get("name", ""), name_required=True)
    return user


def rename(user: User, name: str) -> None:
    """A new 姓名; managers may not clear it, since pages would fall back to role and place."""
    problems: dict[str, str] = {}
    checked = people.read_name(name, problems, required=True)
    refuse_if(problems, "姓名有误")
    user.name = checked


def _level_problem(role: str, place: Place) -> str | None:
    levels = ROLE_LEVELS.get(role)
    if levels is None or place.level in levels:
        return None
    return f"{ROLE_NAMES[role]}的所属区划应为{'或'.join(LEVEL_NAMES[level] for level in levels)}"


def set_active(manager: Actor, user: User, active: bool) -> None:
    """Deactivating ends the user's open sessions and tokens for good: reactivating does not revive them."""
    if user.username == manager.username and not active:
        raise InvalidData("不能停用自己的账号")
    user.active = active
    if not active:
        user.end_sessions()


def reset_password(user: User, password: str) -> None:
    """A new password also ends the user's open sessions and tokens (``User.set_password``)."""
    if len(password) < MIN_PASSWORD:
        raise InvalidData("密码太短", {"password": f"密码至少{MIN_PASSWORD}位"})
    user.set_password(password)

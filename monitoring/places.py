"""Writes and lookups on the place tree and users."""

from __future__ import annotations

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from engine.assignment import Actor
from engine.errors import InvalidData, NotFound
from engine.limits import string_length
from engine.queries import in_scope
from engine.scope import within
from engine.text import read_text
from monitoring import people
from monitoring.codes import CODE_LISTS
from monitoring.models import LEVEL_ORDER, Place, PlaceLevel, Role, User
from monitoring.permissions import sees_by_place

DEPARTMENTS = dict(CODE_LISTS["department"])
MAX_CODE_DIGITS = 12  # national division codes


def add_place(session: Session, code: str, name: str, parent_code: str | None = None,
              level: str | None = None) -> Place:
    """A place under ``parent_code``; every problem of code, name, parent and level reported at once."""
    fields: dict[str, str] = {}
    if not (isinstance(code, str) and code.isascii() and code.isdigit() and len(code) <= MAX_CODE_DIGITS):
        fields["code"] = f"应为不超过{MAX_CODE_DIGITS}位的数字"
    elif session.get(Place, code) is not None:
        fields["code"] = f"{code} 已存在"
    name = read_text(name, "name", fields, string_length(Place.name), label="名称")
    parent = None
    if parent_code is not None:
        parent = session.get(Place, parent_code)
        if parent is None:
            fields["parent"] = f"{parent_code} 不存在"
    level = level or _level_below(parent)
    if level not in {lv.value for lv in PlaceLevel}:
        fields["level"] = "应为 region/league/county/township/village"
    if fields:
        raise InvalidData("区划信息有误", fields)
    path = f"{parent.path if parent else '/'}{code}/"
    place = Place(code=code, name=name, level=level, parent_code=parent_code, path=path)
    session.add(place)
    session.flush()
    return place


def _level_below(parent: Place | None) -> str:
    if parent is None:
        return PlaceLevel.REGION
    index = LEVEL_ORDER.index(PlaceLevel(parent.level))
    return LEVEL_ORDER[min(index + 1, len(LEVEL_ORDER) - 1)]


def get_place(session: Session, code: str) -> Place:
    place = session.get(Place, code)
    if place is None:
        raise NotFound(f"place {code}")
    return place


def place_in_scope(session: Session, actor: Actor, code: str) -> Place:
    return in_scope(session, Place, code, actor, path=lambda place: place.path)


def add_user(session: Session, username: str, role: str, place_code: str, password: str,
             department: str | None = None, name: str | None = None, *, name_required: bool = False) -> User:
    """An account; ``name`` (姓名) is what pages show of it (``monitoring.people``)."""
    fields: dict[str, str] = {}
    name = people.read_name(name, fields, required=name_required)
    username = read_text(username, "username", fields, string_length(User.username), label="用户名")
    if any(char.isspace() for char in username):
        fields["username"] = "用户名不能包含空格"
    if role not in {r.value for r in Role}:
        fields["role"] = "应为 " + "/".join(r.value for r in Role)
    if role == Role.DEPARTMENT and department not in DEPARTMENTS:
        fields["department"] = "部门用户须指定部门代码: " + "/".join(DEPARTMENTS)
    if len(password) < 8:
        fields["password"] = "密码至少8位"
    if username and session.execute(select(User.id).where(User.username == username)).first():
        fields["username"] = "该登录名已被使用"
    if session.get(Place, place_code) is None:
        fields["place"] = f"区划 {place_code} 不存在"
    if fields:
        raise InvalidData("用户信息有误", fields)
    user = User(username=username, name=name, role=role, place_code=place_code, department=department)
    user.set_password(password)
    session.add(user)
    session.flush()
    return user


def actor_for(session: Session, user: User) -> Actor:
    return actor_at(user, get_place(session, user.place_code).path)


def actor_at(user: User | Row, place_path: str) -> Actor:
    """The user (or a row of its username, role and department) as the engine sees it, given the path of its place
    (read with the user in one query, e.g. per API call)."""
    return Actor(username=user.username, role=user.role, place_path=place_path,
                 place_scope=sees_by_place(user.role), department=user.department)


def villages_in_scope(session: Session, actor: Actor) -> list[Row[tuple[str, str]]]:
    """The villages (code, name) a user may register households in and filter by: its own place and below. Rows, not
    places: a league's list page chose among a thousand villages, each made an ORM object on every request."""
    return list(session.execute(select(Place.code, Place.name).where(
        Place.level == PlaceLevel.VILLAGE, within(Place.path, actor))
        .order_by(Place.path)).all())

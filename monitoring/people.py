"""People as pages show them: by name and role, never by login id.

A login id is a credential half, and it means nothing to the household or the official reading a
timeline; "张三（嘎查村干部）" does. Accounts made before names were asked for show their role and place.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.assignment import SYSTEM
from engine.limits import string_length
from engine.text import read_text
from monitoring.models import Place, Role, User

ROLE_NAMES = {
    Role.VILLAGE: "嘎查村干部", Role.TOWNSHIP: "苏木乡镇", Role.COUNTY: "旗县乡村振兴部门", Role.DEPARTMENT: "行业部门",
    Role.REGION: "自治区/盟市", Role.DESIGNER: "流程设计员", Role.ADMIN: "系统管理员",
}
SYSTEM_NAME = "系统"
UNKNOWN = "其他用户"  # an actor with no account here (e.g. an import), still never shown by its id


def read_name(value: object, problems: dict[str, str], *, required: bool) -> str | None:
    """A user's 姓名, trimmed; ``problems["name"]`` says what is wrong with it."""
    name = read_text(value if value is not None else "", "name", problems, string_length(User.name), label="姓名",
                     required=required)
    return name or None


def label(name: str | None, role: str, place_name: str) -> str:
    """张三（嘎查村干部）, or 嘎查村干部（艾力嘎查） when no name is recorded."""
    role_name = ROLE_NAMES.get(role, "工作人员")
    return f"{name}（{role_name}）" if name else f"{role_name}（{place_name}）"


def labels(session: Session, usernames: Iterable[str | None]) -> dict[str, str]:
    """username -> label for every given username, in one query; the system and unknown actors included."""
    wanted = {u for u in usernames if u}
    found = {SYSTEM.username: SYSTEM_NAME} if SYSTEM.username in wanted else {}
    asked = wanted - found.keys()
    if asked:
        rows = session.execute(select(User.username, User.name, User.role, Place.name)
                               .join(Place, Place.code == User.place_code).where(User.username.in_(asked)))
        found.update({username: label(name, role, place) for username, name, role, place in rows})
    return {u: found.get(u, UNKNOWN) for u in wanted}

"""``fangpin demo``: an Inner Mongolia-like administrative tree, a user per role per place, the processes."""

from __future__ import annotations

import click
from sqlalchemy import select

from engine import versions
from engine.assignment import SYSTEM
from engine.deploy import SourceFile
from engine.errors import InvalidData
from monitoring import places
from monitoring.models import Place, Role
from web.boundary import engine, unit_of_work
from web.config import PROJECT_ROOT

DEMO_PASSWORD = "fangpin2026"

# code, name, parent, level
PLACES = [
    ("150000000000", "内蒙古自治区(演示)", None, "region"),
    ("150200000000", "包头市(演示)", "150000000000", "league"),
    ("150223000000", "达尔罕茂明安联合旗(演示)", "150200000000", "county"),
    ("150223100000", "百灵庙镇", "150223000000", "township"),
    ("150223200000", "查干哈达苏木", "150223000000", "township"),
    ("150223100201", "艾力嘎查", "150223100000", "village"),
    ("150223100202", "新宝力格嘎查", "150223100000", "village"),
    ("150223200201", "巴音敖包嘎查", "150223200000", "village"),
    ("150223200202", "乌兰忽洞村", "150223200000", "village"),
]
LEVEL_ROLES = {"region": [Role.REGION, Role.ADMIN, Role.DESIGNER], "league": [Role.REGION],
               "county": [Role.COUNTY, Role.DEPARTMENT], "township": [Role.TOWNSHIP], "village": [Role.VILLAGE]}
COUNTY_DEPARTMENTS = ["hrss", "police", "finance", "education", "market", "housing", "pboc"]


def build_demo() -> None:
    with unit_of_work() as session:
        if session.execute(select(Place.code).limit(1)).first() is not None:
            raise InvalidData("数据库不是空的, 演示数据未写入", {"database": "已有数据"})
        users = []
        for code, name, parent, level in PLACES:
            places.add_place(session, code, name, parent, level)
            for role in LEVEL_ROLES[level]:
                departments = COUNTY_DEPARTMENTS if role == Role.DEPARTMENT else [None]
                for department in departments:
                    username = f"{role}_{department or code[-6:]}"
                    places.add_user(session, username, role, code, DEMO_PASSWORD, department)
                    users.append((username, role, name))
        for path in sorted((PROJECT_ROOT / "processes").glob("*.bpmn")):
            versions.deploy(engine(), session, [SourceFile(path.name, path.read_bytes())], SYSTEM)
    click.echo(f"演示数据已写入。所有用户的密码: {DEMO_PASSWORD}")
    for username, role, place_name in users:
        click.echo(f"  {username:<24} {role:<11} {place_name}")

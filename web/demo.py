"""``fangpin demo``: an Inner Mongolia-like banner with households, department data, processes and cases."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import InvalidData
from monitoring import comparison, demo_data, households, places, thresholds
from monitoring.models import Household, Place, Role, User
from web.boundary import engine, unit_of_work
from web.demo_cases import build_cases
from web.demo_measures import build_plans
from web.shipped_processes import deploy_shipped

DEMO_PASSWORD = "fangpin2026"
HOUSEHOLDS = 200

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
VILLAGES = [code for code, _, _, level in PLACES if level == "village"]
LEVEL_ROLES = {"region": [Role.REGION, Role.ADMIN, Role.DESIGNER], "league": [Role.REGION],
               "county": [Role.COUNTY, Role.DEPARTMENT], "township": [Role.TOWNSHIP], "village": [Role.VILLAGE]}
# (department, dataset, whether some of our residents appear in it): every dataset of the comparison is
# uploaded, so a case's comparison turns on its hits, not on missing data
DEPARTMENT_FILES = [("hrss", "formal_employees", True), ("police", "vehicles", True), ("finance", "payroll", True),
                    ("education", "schooling", True), ("market", "company_registrations", True),
                    ("housing", "house_purchases", True), ("pboc", "deposits", True),
                    ("agriculture", "large_growers", False), ("housing", "compensation", False),
                    ("civil", "village_officials", False)]
# 姓名 of the demo's officials, handed out in order (pages show names, never login ids)
STAFF_NAMES = ["乌云其木格", "王建国", "李卫东", "高娃", "张志强", "孟和", "刘海燕", "苏日娜", "赵永福", "陈晓梅",
               "额尔敦", "杨立新", "吴桂兰", "那仁", "周文斌", "萨仁图雅", "马俊", "巴特尔", "郭丽娟", "宝音",
               "韩秀英", "图门", "徐国庆", "阿拉坦"]
INCOME_LINES = {2025: 8600, 2026: 8900}  # demo values; the real ones are set by the region every year
EXPENSE_WARNING = 10000


def build_demo() -> None:
    with unit_of_work() as session:
        if session.execute(select(Place.code).limit(1)).first() is not None:
            raise InvalidData("数据库不是空的, 演示数据未写入", {"database": "已有数据"})
        users = _places_and_users(session)
        _thresholds(session)
        _households(session)
        deploy_shipped(session)
    with unit_of_work() as session:
        data_dir = _department_data(session)
    with unit_of_work() as session:
        case_count = build_cases(engine(), session)
    with unit_of_work() as session:
        measure_count = build_plans(session)
    click.echo(f"演示数据已写入: {HOUSEHOLDS} 户农户, {case_count} 个识别案件, {measure_count} 项帮扶措施, "
               f"部门比对数据在 {data_dir}")
    click.echo(f"所有演示用户的密码: {DEMO_PASSWORD}")
    for username, name, role, place_name in users:
        click.echo(f"  {username:<24} {name:<6} {role:<11} {place_name}")


def _places_and_users(session: Session) -> list[tuple[str, str, str, str]]:
    users = []
    names = iter(STAFF_NAMES)
    for code, name, parent, level in PLACES:
        places.add_place(session, code, name, parent, level)
        for role in LEVEL_ROLES[level]:
            departments = dict.fromkeys(department for department, _, _ in DEPARTMENT_FILES)
            for department in (list(departments) if role == Role.DEPARTMENT else [None]):
                username = f"{role}_{department or code.rstrip('0')}"
                user = places.add_user(session, username, role, code, DEMO_PASSWORD, department, next(names))
                users.append((username, user.name, role, name))
    return users


def _thresholds(session: Session) -> None:
    now = engine().now()
    for year, amount in INCOME_LINES.items():
        thresholds.set_threshold(session, thresholds.INCOME_LINE, "150000000000", year, amount, "region_15", now)
    thresholds.set_threshold(session, thresholds.EXPENSE_WARNING, "150223000000", 2026, EXPENSE_WARNING,
                             "county_150223", now)


def _households(session: Session) -> None:
    county = places.actor_for(session, session.execute(select(User).where(User.role == Role.COUNTY)).scalar_one())
    now = engine().now()
    for item in demo_data.households(VILLAGES, HOUSEHOLDS, year=engine().today().year):
        household = households.create_household(session, county, item.payload, now)
        households.record_measurement(session, household, item.measurement, county.username, now)


def _department_data(session: Session) -> Path:
    """One file per dataset, written to the instance folder and uploaded as its department."""
    folder = Path(current_app.config["DOCUMENTS_DIR"]).parent / "department-data"
    folder.mkdir(parents=True, exist_ok=True)
    people = [m for h in session.execute(select(Household).order_by(Household.id)).scalars() for m in h.members]
    for index, (department, dataset, with_hits) in enumerate(DEPARTMENT_FILES):
        hits = [{"name": m.name, "id_number": m.id_number} for m in people[index * 7 + 3::53][:2]] if with_hits else []
        content = demo_data.department_file(dataset, hits, others=20, seed=index)
        path = folder / f"{department}_{dataset}.csv"
        path.write_bytes(content)
        user = session.execute(select(User).where(User.department == department)).scalar_one()
        comparison.upload(session, user, places.actor_for(session, user), dataset, path.name, content,
                          engine().now())
    return folder


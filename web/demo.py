"""``fangpin demo``: an Inner Mongolia-like banner with households, department data, processes and cases."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.errors import InvalidData
from engine.models import Task, TaskState
from monitoring import comparison, demo_data, households, places, thresholds
from monitoring.models import Household, Measure, Place, Role, User
from web.boundary import engine, unit_of_work
from web.demo_campaign import build_campaign
from web.demo_cases import build_cases
from web.demo_changes import build_changes
from web.demo_elimination import Eliminations, build_eliminations, padded
from web.demo_events import build_events
from web.demo_steps import travelling
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
MEASURE_DEPARTMENTS = ["health"]  # lead departments of the demo's measures that send no data file (人社, 民政 do)
# 姓名 of the demo's officials, handed out in order (pages show names, never login ids)
STAFF_NAMES = ["乌云其木格", "王建国", "李卫东", "高娃", "张志强", "孟和", "刘海燕", "苏日娜", "赵永福", "陈晓梅",
               "额尔敦", "杨立新", "吴桂兰", "那仁", "周文斌", "萨仁图雅", "马俊", "巴特尔", "郭丽娟", "宝音",
               "韩秀英", "图门", "徐国庆", "阿拉坦"]
INCOME_LINES = (8600, 8900)  # last year's and this year's (demo values; the region sets the real ones every year)
EXPENSE_WARNING = 10000
ELIMINATION_VILLAGE = "150223100201"  # 艾力嘎查, where most of the demo's cases are


def build_demo() -> Eliminations:
    """Build the demo and print what it holds; returns the households its risk eliminations show."""
    with unit_of_work() as session:
        if session.execute(select(Place.code).limit(1)).first() is not None:
            raise InvalidData("数据库不是空的, 演示数据未写入", {"database": "已有数据"})
        users = _places_and_users(session)
        _thresholds(session)
        _households(session)
        deploy_shipped(session)
    with unit_of_work() as session:
        data_dir = _department_data(session)
    with unit_of_work() as session, travelling(engine()) as travel:
        case_count = build_cases(engine(), session, travel)
        eliminations = build_eliminations(engine(), session, travel, ELIMINATION_VILLAGE)
        build_changes(engine(), session, travel, ELIMINATION_VILLAGE)
        build_events(engine(), session, travel)
        build_campaign(engine(), session, travel)
    with unit_of_work() as session:
        measure_count = session.execute(select(func.count()).select_from(Measure)).scalar_one()
        household_count = session.execute(select(func.count()).select_from(Household)).scalar_one()
        department_work = session.execute(select(User.username, func.count()).join(
            Task, (Task.department == User.department) & (Task.role == User.role))
            .where(Task.state == TaskState.READY).group_by(User.username).order_by(User.username)).all()
    click.echo(f"演示数据已写入: {household_count} 户农户, {case_count} 个识别案件, "
               f"{len(eliminations.cases)} 个风险消除案件, {measure_count} 项帮扶措施, 部门比对数据在 {data_dir}")
    for line in eliminations.lines():
        click.echo(line)
    click.echo("部门待办（落实帮扶措施）: " + "，".join(f"{user} {count} 项" for user, count in department_work))
    click.echo(f"所有演示用户的密码: {DEMO_PASSWORD}")
    for username, name, role, place_name in users:
        click.echo(f"  {padded(username, 25)}{padded(name, 11)}{padded(role, 12)}{place_name}")
    return eliminations


def _places_and_users(session: Session) -> list[tuple[str, str, str, str]]:
    users = []
    names = iter(STAFF_NAMES)
    for code, name, parent, level in PLACES:
        places.add_place(session, code, name, parent, level)
        for role in LEVEL_ROLES[level]:
            departments = dict.fromkeys([*(department for department, _, _ in DEPARTMENT_FILES), *MEASURE_DEPARTMENTS])
            for department in (list(departments) if role == Role.DEPARTMENT else [None]):
                username = f"{role}_{department or code.rstrip('0')}"
                user = places.add_user(session, username, role, code, DEMO_PASSWORD, department, next(names))
                users.append((username, user.name, role, name))
    return users


def _thresholds(session: Session) -> None:
    """Last year's too: the demo's eliminations go back to households identified then."""
    now, year = engine().now(), engine().today().year
    for offset, amount in enumerate(INCOME_LINES):
        thresholds.set_threshold(session, thresholds.INCOME_LINE, "150000000000", year - 1 + offset, amount,
                                 "region_15", now)
        thresholds.set_threshold(session, thresholds.EXPENSE_WARNING, "150223000000", year - 1 + offset,
                                 EXPENSE_WARNING, "county_150223", now)


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


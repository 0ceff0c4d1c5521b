"""Deterministic demo data: Inner Mongolia-like households, measurements and department files.

Generated, not stored in the repository, so that ``fangpin demo`` builds the same world every time.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from monitoring.id_number import check_digit

SURNAMES = ["王", "李", "张", "刘", "陈", "杨", "赵", "高", "郭", "马", "白", "包", "韩", "乌", "宝"]
GIVEN = ["建国", "秀英", "桂兰", "志强", "海龙", "丽娜", "文华", "玉梅", "振华", "春燕", "国庆", "红梅"]
MONGOLIAN = ["巴特尔", "其木格", "乌云", "苏和", "额尔敦", "萨仁", "朝鲁", "斯琴", "那日松", "图雅", "阿拉坦", "敖登"]
EVIDENCE = {
    "formal_employees": lambda r: {"工作单位": "旗人民医院", "职务": "职工"},
    "payroll": lambda r: {"发放单位": "旗财政局", "月工资": str(r.randint(4000, 9000))},
    "vehicles": lambda r: {"号牌号码": f"蒙B{r.randint(10000, 99999)}", "车辆类型": "小型轿车"},
    "house_purchases": lambda r: {"房屋坐落": "百灵庙镇阳光小区", "面积": str(r.randint(60, 140)),
                                  "是否唯一住房": "否"},
    "company_registrations": lambda r: {"企业名称": "达茂旗草原牧业有限公司", "职务": "法定代表人"},
    "schooling": lambda r: {"学校": "呼和浩特某国际学校", "年学费": str(r.randint(30000, 80000))},
    "deposits": lambda r: {"存款余额": str(r.randint(300000, 900000))},
    "village_officials": lambda r: {"职务": "嘎查党支部书记", "补贴标准": "每月3000元"},
    "large_growers": lambda r: {"经营类型": "肉羊养殖", "存栏": f"{r.randint(800, 3000)}只"},
    "compensation": lambda r: {"项目": "旗县道路征地", "补偿金额": str(r.randint(300000, 2000000))},
}


@dataclass
class DemoHousehold:
    village: str
    payload: dict[str, Any]  # as POST /api/v1/households takes it
    measurement: dict[str, Any]  # as the visit form records it


def _id_number(rng: random.Random, county: str, born: date, female: bool) -> str:
    sequence = rng.randint(10, 99) * 10 + (rng.choice([0, 2, 4, 6, 8]) if female else rng.choice([1, 3, 5, 7, 9]))
    first17 = f"{county}{born:%Y%m%d}{sequence:03d}"
    return first17 + check_digit(first17)


def _person(rng: random.Random, county: str, relation: str, born: date, female: bool, used: set[str]) -> dict:
    while True:
        id_number = _id_number(rng, county, born, female)
        if id_number not in used:
            used.add(id_number)
            break
    name = rng.choice(SURNAMES) + rng.choice(GIVEN) if rng.random() < 0.6 else rng.choice(MONGOLIAN)
    return {"name": name, "id_number": id_number, "relation": relation, "sex": "female" if female else "male",
            "ethnicity": "02" if rng.random() < 0.4 else "01", "health": ["healthy"] if rng.random() < 0.8
            else [rng.choice(["chronic", "serious_illness"])]}


def households(villages: list[str], count: int, year: int, seed: int = 2026) -> list[DemoHousehold]:
    rng = random.Random(seed)
    used: set[str] = set()
    result = []
    for index in range(count):
        village = villages[index % len(villages)]
        county = village[:6]
        head_born = date(1950, 1, 1) + timedelta(days=rng.randint(0, 365 * 40))
        members = [_person(rng, county, "head", head_born, rng.random() < 0.2, used)]
        if rng.random() < 0.85:
            members.append(_person(rng, county, "spouse", head_born + timedelta(days=rng.randint(-900, 900)),
                                   members[0]["sex"] == "male", used))
        for _ in range(rng.choice([0, 1, 1, 2, 2, 3])):
            child_born = head_born + timedelta(days=rng.randint(365 * 20, 365 * 35))
            female = rng.random() < 0.5
            members.append(_person(rng, county, "daughter" if female else "son", child_born, female, used))
        size = len(members)
        poor_before = rng.random() < 0.35
        per_capita = rng.choice([rng.randint(4000, 8800), rng.randint(9000, 20000)])
        wage = round(per_capita * size * rng.uniform(0.3, 0.7))
        measurement = {
            "year": year, "wage_income": wage, "business_income": per_capita * size - wage + 2000,
            "property_income": 0, "transfer_income": rng.randint(0, 3000), "business_expenses": 2000,
            "medical_expense": rng.choice([0, 0, 0, rng.randint(5000, 40000)]),
            "education_expense": rng.choice([0, 0, rng.randint(2000, 12000)]),
            "unsafe_house": rng.random() < 0.05, "unsafe_water": rng.random() < 0.03,
        }
        result.append(DemoHousehold(village, {
            "village": village, "household_type": "poverty_alleviated" if poor_before else "ordinary",
            "group": f"{rng.randint(1, 6)}组", "address": f"{rng.randint(1, 80)}号",
            "phone": f"13{rng.randint(100000000, 999999999)}", "members": members,
        }, measurement))
    return result


def steady_households(village: str, count: int, year: int, seed: int, able_to_work: bool = True) -> list[DemoHousehold]:
    """Households earning well above the income line (12,000–16,000 yuan a head) with no large expense yet: a
    medical bill at identification makes them 突发严重困难户, and once it is paid they may leave monitoring.
    ``able_to_work`` False: every member has lost labour capacity (整户无劳动能力)."""
    rng = random.Random(seed)
    used: set[str] = set()
    result = []
    skill = "ordinary" if able_to_work else "lost"
    for _ in range(count):
        head_born = date(1960, 1, 1) + timedelta(days=rng.randint(0, 365 * 25))
        members = [_person(rng, village[:6], "head", head_born, False, used),
                   _person(rng, village[:6], "spouse", head_born + timedelta(days=rng.randint(-900, 900)), True, used)]
        if rng.random() < 0.6:
            child_born = head_born + timedelta(days=rng.randint(365 * 22, 365 * 30))
            members.append(_person(rng, village[:6], "son", child_born, False, used))
        for member in members:
            member.update(labour_skill=skill, health=["healthy"])
        per_capita = rng.randint(12000, 16000)
        wage = round(per_capita * len(members) * 0.6)
        measurement = {
            "year": year, "wage_income": wage, "business_income": per_capita * len(members) - wage + 2000,
            "property_income": 0, "transfer_income": 0, "business_expenses": 2000, "medical_expense": 0,
            "education_expense": 0, "unsafe_house": False, "unsafe_water": False,
        }
        result.append(DemoHousehold(village, {
            "village": village, "household_type": "ordinary", "group": f"{rng.randint(1, 6)}组",
            "address": f"{rng.randint(81, 160)}号", "phone": f"13{rng.randint(100000000, 999999999)}",
            "members": members,
        }, measurement))
    return result


def department_file(dataset: str, hit_people: list[dict[str, str]], others: int, seed: int) -> bytes:
    """A CSV as a department would send it: some of our residents (hits) among unrelated people."""
    rng = random.Random(seed)
    rows = [{"姓名": p["name"], "身份证号": p["id_number"], **EVIDENCE[dataset](rng)} for p in hit_people]
    used = {p["id_number"] for p in hit_people}
    for _ in range(others):
        stranger = _person(rng, "150203", "head", date(1970, 1, 1) + timedelta(days=rng.randint(0, 9000)),
                           rng.random() < 0.5, used)
        rows.append({"姓名": stranger["name"], "身份证号": stranger["id_number"], **EVIDENCE[dataset](rng)})
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")

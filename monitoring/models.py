"""Places (the administrative tree) and the users bound to them."""

from __future__ import annotations

import enum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from engine.models import Base


class PlaceLevel(enum.StrEnum):
    REGION = "region"  # 自治区/省
    LEAGUE = "league"  # 盟市
    COUNTY = "county"  # 旗县
    TOWNSHIP = "township"  # 苏木乡镇
    VILLAGE = "village"  # 嘎查村


LEVEL_ORDER = [PlaceLevel.REGION, PlaceLevel.LEAGUE, PlaceLevel.COUNTY, PlaceLevel.TOWNSHIP, PlaceLevel.VILLAGE]


class Role(enum.StrEnum):
    VILLAGE = "village"  # 嘎查村干部: visits, collects data, appraisal meeting, notices
    TOWNSHIP = "township"  # 苏木乡镇: reviews and accepts
    COUNTY = "county"  # 旗县乡村振兴部门: data comparison, approval, system entry
    DEPARTMENT = "department"  # line department at county level (with a department code)
    REGION = "region"  # 自治区/盟市: campaigns, reports, thresholds
    DESIGNER = "designer"  # edits and deploys process models
    ADMIN = "admin"  # users, places, settings


class Place(Base):
    """A node of the administrative tree; ``path`` lists the codes from the root, e.g. ``/15/1501/``."""

    __tablename__ = "places"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)  # national division code
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(20))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("places.code"))
    path: Mapped[str] = mapped_column(String(255), unique=True)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    place_code: Mapped[str] = mapped_column(ForeignKey("places.code"))
    department: Mapped[str | None] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(default=True)

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

"""The domain's tables: places and users, households and their members, measurements, thresholds,
code lists, department data and comparison hits, notices and feedback to households."""

from __future__ import annotations

import enum
import secrets
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, Numeric, String, UniqueConstraint, select, text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates
from werkzeug.security import check_password_hash, generate_password_hash

from engine.models import Base, PlacePath, UtcDateTime


class PlaceLevel(enum.StrEnum):
    REGION = "region"  # 自治区/省
    LEAGUE = "league"  # 盟市
    COUNTY = "county"  # 旗县
    TOWNSHIP = "township"  # 苏木乡镇
    VILLAGE = "village"  # 嘎查村


LEVEL_NAMES = {PlaceLevel.REGION: "自治区", PlaceLevel.LEAGUE: "盟市", PlaceLevel.COUNTY: "旗县",
               PlaceLevel.TOWNSHIP: "苏木乡镇", PlaceLevel.VILLAGE: "嘎查村"}
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
    path: Mapped[str] = mapped_column(PlacePath, unique=True)


def new_session_version() -> str:
    """A random session version; sessions and API tokens that carry an older one are void."""
    return secrets.token_hex(16)


class User(Base):
    __tablename__ = "users"
    __table_args__ = (Index("ix_users_place", "place_code", "username"),)  # the admin's list, in tree order

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str | None] = mapped_column(String(40))  # 姓名 shown on pages; None for older accounts
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    place_code: Mapped[str] = mapped_column(ForeignKey("places.code"))
    department: Mapped[str | None] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(default=True)
    session_version: Mapped[str] = mapped_column(String(32), default=new_session_version)

    def set_password(self, password: str) -> None:
        """A new password ends every session and token opened with the old one."""
        self.password_hash = generate_password_hash(password)
        self.end_sessions()

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def end_sessions(self) -> None:
        """Void all of this user's browser sessions and API tokens: they carry the version replaced here."""
        self.session_version = new_session_version()


class LoginSession(Base):
    """One browser login. The cookie holds a random token and only its sha256 is kept, so logout ends exactly
    this session, and a copy of the database opens none."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    session_version: Mapped[str] = mapped_column(String(32))  # the user's at login: valid while it still is
    address: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime)


class LoginFailureKind(enum.StrEnum):
    ACCOUNT = "account"  # keyed by the user name as typed, whether or not such a user exists
    ADDRESS = "address"  # keyed by the client's address


class LoginFailure(Base):
    """A login attempt not known to have succeeded; recent ones lock further logins (web/auth/throttle.py).

    Rows, not counters: concurrent attempts in several server processes only ever insert.
    """

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_key", "kind", "key", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    key: Mapped[str] = mapped_column(String(80))
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


OTHER_RISK = "other"  # 其他: the one risk type that says nothing by itself; Household.risk_note says what it is


class MonitoringStatus(enum.StrEnum):
    NOT_MONITORED = "not_monitored"  # never identified, or identification refused
    MONITORED = "monitored"  # a monitoring object (type, risk types, since)
    ELIMINATED = "eliminated"  # risk eliminated (method, date)


def head_of(members: Sequence[Any]) -> Any:
    """The household's head among its present members (ORM objects or rows): the one related as head, else the first
    listed; None for a household without members."""
    return next((m for m in members if m.relation == "head"), members[0] if members else None)


class Household(Base):
    """A rural household (农牧户); processes refer to it by id and never copy it."""

    __tablename__ = "households"
    __table_args__ = (Index("ix_households_scope", "place_path", "monitoring_status"),
                      Index("ix_households_village", "village_code", "id"),
                      # the campaign's summary reads a region's households from the index alone (campaign_reports)
                      Index("ix_households_summary", "place_path", "monitoring_status", "monitoring_type",
                            "monitored_since", "eliminated_on", "merged_into_id"),
                      # the dashboard's counts of monitored and eliminated households: a range per status, by area
                      Index("ix_households_status_scope", "monitoring_status", "place_path", "monitoring_type"))

    id: Mapped[int] = mapped_column(primary_key=True)
    village_code: Mapped[str] = mapped_column(ForeignKey("places.code"))
    place_path: Mapped[str] = mapped_column(PlacePath)  # the village's path, for scope queries
    group_name: Mapped[str] = mapped_column(String(50), default="")  # 村民小组
    address: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    bank_account: Mapped[str] = mapped_column(String(40), default="")
    household_type: Mapped[str] = mapped_column(String(30))  # code list household_type
    focus_groups: Mapped[list[str]] = mapped_column(JSON, default=list)
    monitoring_status: Mapped[str] = mapped_column(String(20), default=MonitoringStatus.NOT_MONITORED)
    monitoring_type: Mapped[str | None] = mapped_column(String(30))  # code list monitoring_type
    risk_types: Mapped[list[str]] = mapped_column(JSON, default=list)  # at most five
    risk_note: Mapped[str | None] = mapped_column(String(200))  # what 其他 (risk type "other") stands for
    monitored_since: Mapped[date | None] = mapped_column(Date)
    elimination_method: Mapped[str | None] = mapped_column(String(30))
    eliminated_on: Mapped[date | None] = mapped_column(Date)
    authorization: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # annex 1: who signed, how, when
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # natural changes (monitoring.natural_changes): a household split off another, or merged into another and kept
    split_from_id: Mapped[int | None] = mapped_column(Integer)
    merged_into_id: Mapped[int | None] = mapped_column(Integer)
    merged_on: Mapped[date | None] = mapped_column(Date)

    # the members present; those who left (death, marriage, moving out) stay in ``former_members``, never deleted
    members: Mapped[list[Member]] = relationship(
        back_populates="household", order_by="Member.position", cascade="all, delete-orphan",
        primaryjoin="and_(Member.household_id == Household.id, Member.left_on.is_(None))")
    former_members: Mapped[list[Member]] = relationship(
        viewonly=True, order_by="Member.left_on, Member.id",
        primaryjoin="and_(Member.household_id == Household.id, Member.left_on.is_not(None))")
    measurements: Mapped[list[Measurement]] = relationship(order_by="Measurement.year",
                                                           cascade="all, delete-orphan")

    @property
    def head(self) -> Member | None:
        return head_of(self.members)

    @property
    def size(self) -> int:
        return len(self.members)


# A member's name and reversed ID number are searched by prefix as an index range (``monitoring.households``),
# which holds only in an order by code point: on PostgreSQL the columns are collated "C" (see ``PlacePath``).
PersonName = String(50).with_variant(String(50, collation="C"), "postgresql")
ReversedIdNumber = String(18).with_variant(String(18, collation="C"), "postgresql")


def _reversed_id_number_of_row(context: Any) -> str:
    """The default of ``members.id_number_reversed`` for a row inserted without it (a bulk insert of dicts)."""
    return context.get_current_parameters()["id_number"][::-1]


def _place_of_household(context: Any) -> str:
    """The default of ``members.place_path`` for a row inserted around the ORM (a bulk insert of dicts): its
    household's, read within the same statement's connection."""
    household_id = context.get_current_parameters()["household_id"]
    return context.connection.execute(select(Household.place_path).where(Household.id == household_id)).scalar_one()


NAME_INITIAL = "substr(name, 1, 1)"  # a member's name's first character, as ``ix_members_initial`` indexes it


class Member(Base):
    __tablename__ = "members"
    # one person, one household: among the members present; a person who left one household may join another
    __table_args__ = (Index("uq_members_present_id_number", "id_number", unique=True,
                            sqlite_where=text("left_on IS NULL"), postgresql_where=text("left_on IS NULL")),
                      Index("ix_members_present", "household_id", "left_on"),  # a household's members present
                      # household search: a name's or an ID number's tail's prefix, read from the index alone (a
                      # name's with its place, so a county's namesakes are told from the region's without a join)
                      Index("ix_members_name", "name", "place_path", "household_id"),
                      # a name's first character, then the place: a county's surname is one range of it (by the
                      # name alone, the region's namesakes of every county were read to keep the county's)
                      Index("ix_members_initial", text(NAME_INITIAL), "place_path", "name", "household_id"),
                      Index("ix_members_id_tail", "id_number_reversed", "household_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(PersonName)
    id_number: Mapped[str] = mapped_column(String(18))
    # the ID number backwards, kept with it by an insert of any kind and by the ORM (``_reverse_id_number``): its last
    # digits become an indexable prefix
    id_number_reversed: Mapped[str] = mapped_column(ReversedIdNumber, default=_reversed_id_number_of_row)
    # the household's place path, kept with it by the ORM (``monitoring.household_copies``) or by the default
    place_path: Mapped[str] = mapped_column(PlacePath, default=_place_of_household)
    relation: Mapped[str] = mapped_column(String(30))
    sex: Mapped[str] = mapped_column(String(10), default="")
    ethnicity: Mapped[str] = mapped_column(String(10), default="")
    education: Mapped[str] = mapped_column(String(30), default="")
    schooling: Mapped[str] = mapped_column(String(30), default="")
    health: Mapped[list[str]] = mapped_column(JSON, default=list)  # combinable
    disability: Mapped[str] = mapped_column(String(40), default="")
    labour_skill: Mapped[str] = mapped_column(String(30), default="")
    work: Mapped[str] = mapped_column(String(100), default="")
    insurance: Mapped[str] = mapped_column(String(30), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    left_on: Mapped[date | None] = mapped_column(Date)  # the day the member left (death, marriage, moving out)
    left_change_id: Mapped[int | None] = mapped_column(Integer)  # the household_changes row that removed them

    household: Mapped[Household] = relationship(back_populates="members")

    @validates("id_number")
    def _reverse_id_number(self, _key: str, value: str) -> str:
        """Whatever writes a member's ID number writes its reversed copy, so a tail search never misses it."""
        self.id_number_reversed = value[::-1]
        return value


class Measurement(Base):
    """One year's income and expenses of a household; per-capita net income is computed, never typed."""

    __tablename__ = "measurements"
    __table_args__ = (UniqueConstraint("household_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    year: Mapped[int] = mapped_column(Integer)
    wage_income: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=0)
    business_income: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=0)
    property_income: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=0)
    transfer_income: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=0)
    business_expenses: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=0)
    claims_income: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=0)  # 理赔收入, recorded apart
    education_expense: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=0)
    medical_expense: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=0)
    housing_expense: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=0)
    water_expense: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=0)
    property_loss: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=0)
    dropout: Mapped[bool] = mapped_column(Boolean, default=False)
    uninsured_large_medical: Mapped[bool] = mapped_column(Boolean, default=False)
    unsafe_house: Mapped[bool] = mapped_column(Boolean, default=False)
    unsafe_water: Mapped[bool] = mapped_column(Boolean, default=False)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    recorded_by: Mapped[str] = mapped_column(String(80))


class Threshold(Base):
    """Income lines (per region and year) and expense warning standards (per county and year), with history.

    A change adds a row; the newest row for (kind, place, year) is in force. Never a constant in code.
    """

    __tablename__ = "thresholds"
    __table_args__ = (Index("ix_thresholds_lookup", "kind", "place_code", "year", "set_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))  # income_line | expense_warning
    place_code: Mapped[str] = mapped_column(ForeignKey("places.code"))
    year: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    note: Mapped[str] = mapped_column(String(200), default="")
    set_at: Mapped[datetime] = mapped_column(UtcDateTime)
    set_by: Mapped[str] = mapped_column(String(80))


class CodeEntry(Base):
    """One value of a code list (domain.md §10); seeded, editable by an administrator."""

    __tablename__ = "code_entries"

    list_key: Mapped[str] = mapped_column(String(40), primary_key=True)
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    label: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class DepartmentUpload(Base):
    """A department's data file for the comparison; the newest per county and dataset is used."""

    __tablename__ = "department_uploads"
    __table_args__ = (Index("ix_department_uploads_latest", "county_code", "dataset", "id"),
                      Index("ix_department_uploads_department", "department", "county_code", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset: Mapped[str] = mapped_column(String(40))
    department: Mapped[str] = mapped_column(String(40))
    county_code: Mapped[str] = mapped_column(ForeignKey("places.code"))
    filename: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    row_count: Mapped[int] = mapped_column(Integer)
    uploaded_by: Mapped[str] = mapped_column(String(80))
    uploaded_at: Mapped[datetime] = mapped_column(UtcDateTime)


class DepartmentRecord(Base):
    __tablename__ = "department_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    upload_id: Mapped[int] = mapped_column(ForeignKey("department_uploads.id"), index=True)
    row_number: Mapped[int] = mapped_column(Integer)
    id_number: Mapped[str] = mapped_column(String(18), index=True)
    name: Mapped[str] = mapped_column(String(50))
    excluded: Mapped[bool] = mapped_column(Boolean)  # False: listed but excepted (the only home)
    evidence: Mapped[dict[str, str]] = mapped_column(JSON)


class ComparisonHit(Base):
    """An exclusion found for a household member by a data comparison run, with its evidence row."""

    __tablename__ = "comparison_hits"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    member_name: Mapped[str] = mapped_column(String(50))
    id_number: Mapped[str] = mapped_column(String(18))
    exclusion: Mapped[str] = mapped_column(String(10))  # code list exclusion (E1…E8)
    dataset: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[int] = mapped_column(ForeignKey("department_records.id"), index=True)
    compared_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Notice(Base):
    """A public notice posted in a village: every household decided together shares one."""

    __tablename__ = "notices"
    __table_args__ = (Index("ix_notices_scope", "place_path", "ends_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    stage: Mapped[str] = mapped_column(String(40))  # identification_first | identification_second
    village_code: Mapped[str] = mapped_column(ForeignKey("places.code"))
    place_path: Mapped[str] = mapped_column(PlacePath)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(80))


class NoticeEntry(Base):
    __tablename__ = "notice_entries"
    __table_args__ = (UniqueConstraint("notice_id", "household_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    instance_id: Mapped[int | None] = mapped_column(Integer, index=True)  # the case that put it there (None: unknown)


class HouseholdFeedback(Base):
    """The reason told to a household when its case ends without inclusion (反馈原因)."""

    __tablename__ = "household_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    instance_id: Mapped[int | None] = mapped_column(Integer)  # the case that refused (None: kept before 0031)
    step: Mapped[str] = mapped_column(String(50))
    reason: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(80))


class Attachment(Base):
    """An uploaded file (a signed scan): bytes on disk under their sha256, visible within ``place_path``."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    place_path: Mapped[str] = mapped_column(PlacePath)
    uploaded_by: Mapped[str] = mapped_column(String(80))
    uploaded_at: Mapped[datetime] = mapped_column(UtcDateTime)


class DocumentStatus(enum.StrEnum):
    PENDING = "pending"  # asked for by a step or a user; rendered by the next sweep or the first download
    READY = "ready"  # rendered; the stored bytes are served unchanged from now on


class Document(Base):
    """One version of a printed annex about one subject (a household, a notice, or nothing: a blank form)."""

    __tablename__ = "documents"
    __table_args__ = (Index("ix_documents_subject", "kind", "subject", "version", unique=True),
                      Index("ix_documents_subject_order", "subject", "kind", "version", "id"))  # a household's, paged

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # monitoring.documents.annexes.ANNEXES key
    subject: Mapped[str] = mapped_column(String(40))  # "household:12", "notice:3" or "blank"
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(100))
    place_path: Mapped[str] = mapped_column(PlacePath)  # who may see it: this place and above
    status: Mapped[str] = mapped_column(String(10), default=DocumentStatus.PENDING)
    context: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the data it was rendered from
    context_sha256: Mapped[str | None] = mapped_column(String(64))
    sha256: Mapped[str | None] = mapped_column(String(64))  # of the PDF bytes
    size: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(80))
    rendered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class DocumentLink(Base):
    """Which case, step and household a document belongs to (a batch notice belongs to several)."""

    __tablename__ = "document_links"
    __table_args__ = (UniqueConstraint("document_id", "instance_id", "household_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    instance_id: Mapped[int | None] = mapped_column(Integer, index=True)
    step: Mapped[str | None] = mapped_column(String(100))  # the BPMN step that produced it
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"), index=True)


class MeasureStatus(enum.StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    STOPPED = "stopped"  # a measure is never deleted: one that ends early is stopped, with its history


class Measure(Base):
    """One assistance measure (帮扶措施) of a household's plan; its lead department records what it did."""

    __tablename__ = "measures"
    __table_args__ = (Index("ix_measures_department", "department", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    category: Mapped[str] = mapped_column(String(40))  # code list assistance_measure
    subtype: Mapped[str] = mapped_column(String(40))  # code list measure_subtype_<category>
    content: Mapped[str] = mapped_column(String(500))
    department: Mapped[str | None] = mapped_column(String(40))  # code list department; None: the county itself
    responsible: Mapped[str] = mapped_column(String(50))  # 帮扶责任人
    start_on: Mapped[date] = mapped_column(Date)
    end_on: Mapped[date | None] = mapped_column(Date)
    amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))  # where money moves
    status: Mapped[str] = mapped_column(String(20), default=MeasureStatus.PLANNED)
    done_on: Mapped[date | None] = mapped_column(Date)
    result: Mapped[str] = mapped_column(String(500), default="")  # what was done
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(80))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_by: Mapped[str] = mapped_column(String(80))

    household: Mapped[Household] = relationship()
    changes: Mapped[list[MeasureChange]] = relationship(order_by="MeasureChange.id", cascade="all, delete-orphan")


class MeasureChange(Base):
    """Each recording on a measure: who, when, the status before and after, and the reason when one is asked."""

    __tablename__ = "measure_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("measures.id"), index=True)
    status_from: Mapped[str | None] = mapped_column(String(20))  # None when the measure was planned
    status_to: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(String(200), default="")
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    changed_by: Mapped[str] = mapped_column(String(80))


class MarkingWindow(Base):
    """When elimination and natural changes may be marked at a place and below (default: a quarter's last month)."""

    __tablename__ = "marking_windows"
    __table_args__ = (Index("ix_marking_windows_place", "place_code", "opens_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    place_code: Mapped[str] = mapped_column(ForeignKey("places.code"))
    place_path: Mapped[str] = mapped_column(PlacePath)
    opens_on: Mapped[date] = mapped_column(Date)
    closes_on: Mapped[date] = mapped_column(Date)  # the last day marking is open
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class HouseholdStatusChange(Base):
    """Each change of a household's monitoring status (纳入监测, 风险消除, 回退), kept so the way in, the way out
    and every reversal stay readable after the household's own fields have moved on."""

    __tablename__ = "household_status_changes"
    __table_args__ = (Index("ix_household_status_changes_household", "household_id", "id"),
                      # the bulletin's changes of a kind within a quarter, and those in effect on a day
                      Index("ix_household_status_changes_effect", "to_status", "changed_on", "household_id",
                            "from_status", "instance_id"),
                      Index("ix_household_status_changes_order", "household_id", "changed_on", "id"))  # a later one?

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    from_status: Mapped[str] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    monitoring_type: Mapped[str | None] = mapped_column(String(30))  # the household's type at the change
    method: Mapped[str | None] = mapped_column(String(30))  # code list elimination_method, for an elimination
    reason: Mapped[str] = mapped_column(String(500), default="")  # required for a reversal
    instance_id: Mapped[int | None] = mapped_column(Integer)  # the case that made the change, if any
    changed_on: Mapped[date] = mapped_column(Date)  # the day the change takes effect
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    changed_by: Mapped[str] = mapped_column(String(80))


class MeasurementHistory(Base):
    """Every measurement as it was recorded: the year's row in ``measurements`` is updated in place by a
    re-measurement, so income stability (risk elimination) reads the dates and per-capita figures from here."""

    __tablename__ = "measurement_history"
    __table_args__ = (Index("ix_measurement_history_household", "household_id", "measured_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    year: Mapped[int] = mapped_column(Integer)  # the year whose income was measured
    measured_on: Mapped[date] = mapped_column(Date)
    per_capita_income: Mapped[Decimal] = mapped_column(Numeric(12, 2))  # computed at recording, never typed
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    recorded_by: Mapped[str] = mapped_column(String(80))


# The tables of later processes live in modules of their own; importing them here puts them on the one metadata
# that migrations, tests and benchmarks build from.
from monitoring import campaign_models, change_models, event_models, household_copies  # noqa: E402, F401
from monitoring.quality import models as quality_models  # noqa: E402, F401

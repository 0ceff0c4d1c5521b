"""Administration: users, places, income lines, calendar overrides, department data."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from sqlalchemy.orm import Session

from engine import calendar_store
from engine.errors import Forbidden, InvalidData, NotFound
from monitoring import comparison
from monitoring.department_files import DepartmentFileError
from monitoring.models import LEVEL_NAMES, Place
from monitoring.places import DEPARTMENTS, place_in_scope
from web.admin import access, accounts, department_data, holidays, place_tree, standards
from web.admin.access import CALENDAR_MANAGERS, PLACE_MANAGERS, THRESHOLD_MANAGERS, UPLOAD_ROLES, USER_MANAGERS
from web.admin.forms import Outcome, submit
from web.auth.session import roles_required
from web.boundary import engine, unit_of_work
from web.exports import wants_xlsx, xlsx_response
from web.extensions import db
from web.list_pages import page_window
from web.templating import ROLE_NAMES, cn_date

admin = Blueprint("admin", __name__, url_prefix="/admin")


def _status(outcome: Outcome[Any]) -> int:
    return 422 if outcome.error else 200


@admin.get("/")
def index():
    sections = access.sections_for(g.user.role)
    if not sections:
        raise Forbidden("您的角色无权使用管理功能")
    return render_template("admin/index.html", sections=sections)


# --- users ----------------------------------------------------------------------------------------------------


@admin.get("/users/")
@roles_required(*USER_MANAGERS)
def users():
    text = request.args.get("q", "")
    if wants_xlsx(request.args):
        return xlsx_response("用户", "users", accounts.user_columns(db.session),
                             accounts.all_users(db.session, g.actor, text), engine().now())
    found = accounts.users_page(db.session, g.actor, text, page_window())
    return render_template("admin/users.html", page=found, rows=found.rows, q=text)


@admin.route("/users/new", methods=["GET", "POST"])
@roles_required(*USER_MANAGERS)
def new_user():
    outcome: Outcome[str] = Outcome()
    if request.method == "POST":
        outcome = submit(lambda session: accounts.create_user(session, g.actor, request.form).name)
        if outcome.error is None:
            flash(f"已创建用户 {outcome.result}", "success")
            return redirect(url_for("admin.users"))
    values = request.form if request.method == "POST" else {"place": request.args.get("place", "")}
    return render_template(
        "admin/user_new.html", values=values, errors=outcome.errors, places=access.places_in_scope(db.session, g.actor),
        roles=[(role, ROLE_NAMES[role]) for role in accounts.grantable_roles(g.user.role)],
        departments=DEPARTMENTS,
    ), _status(outcome)


@admin.get("/users/<int:user_id>")
@roles_required(*USER_MANAGERS)
def user(user_id: int):
    return _user_page(user_id, Outcome())


def _user_page(user_id: int, outcome: Outcome[Any]):
    account = accounts.managed_user(db.session, g.actor, user_id)
    return render_template("admin/user.html", account=account, errors=outcome.errors,
                           is_me=account.username == g.user.username), _status(outcome)


@admin.post("/users/<int:user_id>/active")
@roles_required(*USER_MANAGERS)
def set_active(user_id: int):
    active = request.form.get("active") == "1"
    outcome = submit(lambda session: accounts.set_active(g.actor, accounts.managed_user(session, g.actor, user_id),
                                                         active))
    if outcome.error is not None:
        return _user_page(user_id, outcome)
    flash("账号已启用" if active else "账号已停用，该用户已无法登录", "success")
    return redirect(url_for("admin.user", user_id=user_id))


@admin.post("/users/<int:user_id>/name")
@roles_required(*USER_MANAGERS)
def rename_user(user_id: int):
    outcome = submit(lambda session: accounts.rename(accounts.managed_user(session, g.actor, user_id),
                                                     request.form.get("name", "")))
    if outcome.error is not None:
        return _user_page(user_id, outcome)
    flash("姓名已保存", "success")
    return redirect(url_for("admin.user", user_id=user_id))


@admin.post("/users/<int:user_id>/password")
@roles_required(*USER_MANAGERS)
def reset_password(user_id: int):
    outcome = submit(lambda session: accounts.reset_password(accounts.managed_user(session, g.actor, user_id),
                                                             request.form.get("password", "")))
    if outcome.error is not None:
        return _user_page(user_id, outcome)
    flash("密码已重置，该用户需用新密码重新登录", "success")
    return redirect(url_for("admin.user", user_id=user_id))


# --- places ---------------------------------------------------------------------------------------------------


@admin.route("/places/", methods=["GET", "POST"])
@roles_required(*PLACE_MANAGERS)
def places():
    place = place_in_scope(db.session, g.actor, request.args.get("at") or g.user.place_code)
    outcome: Outcome[str] = Outcome()
    if request.method == "POST":
        outcome = submit(lambda session: place_tree.add_child(session, place, request.form).name)
        if outcome.error is None:
            flash(f"已添加 {outcome.result}", "success")
            return redirect(url_for("admin.places", at=place.code))
    return render_template(
        "admin/places.html", place=place, trail=place_tree.trail(db.session, g.actor, place),
        children=place_tree.children(db.session, place), may_add=place_tree.may_have_children(place),
        levels=LEVEL_NAMES, values=request.form, errors=outcome.errors,
    ), _status(outcome)


# --- income lines and expense warning lines -------------------------------------------------------------------


@admin.get("/thresholds/")
@roles_required(*THRESHOLD_MANAGERS)
def thresholds():
    return redirect(url_for("admin.threshold", kind=standards.kinds_for(g.user.role)[0].key))


@admin.route("/thresholds/<kind>", methods=["GET", "POST"])
@roles_required(*THRESHOLD_MANAGERS)
def threshold(kind: str):
    line = standards.kind_for(g.user.role, kind)
    choices = standards.places_for(db.session, g.actor, line)
    code = request.args.get("place") or (choices[0].code if choices else None)
    place = next((p for p in choices if p.code == code), None)
    if code is not None and place is None:
        raise NotFound(f"place {code}")
    outcome: Outcome[str] = Outcome()
    if request.method == "POST" and place is not None:
        outcome = submit(lambda session: _set_line(session, line, place))
        if outcome.error is None:
            flash(outcome.result, "success")
            return redirect(url_for("admin.threshold", kind=line.key, place=place.code))
    return render_template(
        "admin/thresholds.html", line=line, kinds=standards.kinds_for(g.user.role), choices=choices, place=place,
        history=standards.history(db.session, line, place) if place else [], errors=outcome.errors,
        values=request.form if request.method == "POST" else {"year": engine().today().year},
    ), _status(outcome)


def _set_line(session: Session, line: standards.Kind, place: Place) -> str:
    row = standards.set_line(session, g.actor, line, place, request.form, engine().now())
    return f"已设置{place.name} {row.year} 年{line.name}：{row.amount} 元"


# --- calendar -------------------------------------------------------------------------------------------------


@admin.route("/calendar/", methods=["GET", "POST"])
@roles_required(*CALENDAR_MANAGERS)
def calendar():
    outcome: Outcome[str] = Outcome()
    if request.method == "POST":
        outcome = submit(lambda session: _set_day(session))
        if outcome.error is None:
            flash(outcome.result, "success")
            return redirect(url_for("admin.calendar"))
    return render_template("admin/calendar.html", rows=calendar_store.overrides(db.session), kinds=holidays.KINDS,
                           weekday=holidays.weekday, values=request.form, errors=outcome.errors), _status(outcome)


def _set_day(session: Session) -> str:
    return f"已设置：{holidays.describe(holidays.set_day(session, request.form))}"


@admin.post("/calendar/<day>/delete")
@roles_required(*CALENDAR_MANAGERS)
def remove_day(day: str):
    try:
        when = date.fromisoformat(day)
    except ValueError:
        raise NotFound(f"day {day}") from None
    with unit_of_work() as session:
        removed = calendar_store.remove_override(session, when)
    flash(f"已删除 {cn_date(when)} 的设置" if removed else f"{cn_date(when)} 没有设置", "success")
    return redirect(url_for("admin.calendar"))


# --- department data ------------------------------------------------------------------------------------------


@admin.route("/uploads/", methods=["GET", "POST"])
@roles_required(*UPLOAD_ROLES)
def uploads():
    outcome: Outcome[str] = Outcome()
    if request.method == "POST":
        outcome = _upload()
        if outcome.error is None:
            flash(outcome.result, "success")
            return redirect(url_for("admin.uploads"))
    if request.method == "GET" and wants_xlsx(request.args):
        return xlsx_response("部门比对数据上传记录", "uploads", department_data.upload_columns(db.session),
                             department_data.all_uploads(db.session, g.actor), engine().now())
    problems = outcome.error.problems if isinstance(outcome.error, DepartmentFileError) else []
    found = department_data.uploads_page(db.session, g.actor, page_window())
    return render_template(
        "admin/uploads.html", page=found, rows=found.rows,
        datasets=department_data.datasets_of(g.user), values=request.form, problems=problems,
        errors={} if problems else outcome.errors,
    ), _status(outcome)


def _upload() -> Outcome[str]:
    file = request.files.get("file")
    if file is None or not file.filename:
        return Outcome(error=InvalidData("未选择文件", {"file": "请选择要上传的 .csv 或 .xlsx 文件"}))

    def write(session: Session) -> str:
        record = comparison.upload(session, g.user, g.actor, request.form.get("dataset", ""), file.filename,
                                   file.read(), engine().now())
        return f"“{file.filename}”已导入，共 {record.row_count} 行"

    return submit(write)

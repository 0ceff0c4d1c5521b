"""流程设计 in the browser: the models, a new model, the editor, and the live preview of a form.

The editor's page talks to ``/api/v1/process-models/{key}/…`` (drafts, check, tests, publish, versions, diff,
migration) on the login session with the page's CSRF token, so every rule is the API's, once. Only designers
and admins see these pages (admins read, no writes); anyone else gets the 404 page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, g, redirect, render_template, request, url_for

from engine.errors import Conflict, InvalidData
from monitoring import permissions
from web.boundary import engine
from web.designer import page_data
from web.designer.form_preview import MAX_FORM_CHARS, read_form
from web.designer.listing import NEW_MODEL_NAME, model_name, model_rows
from web.designer.new_model import create_model
from web.extensions import db
from web.inbox.schema_form import build_fields

designer = Blueprint("designer", __name__, url_prefix="/designer")


@designer.before_request
def _readers_only() -> None:
    permissions.require_model_reader(g.user.role)


@designer.get("/")
def index():
    return render_template("designer/index.html", models=model_rows(db.session), may_write=_may_write(),
                           new_model_name=NEW_MODEL_NAME)


@designer.route("/new", methods=["GET", "POST"])
def new():
    """Key and name of a new model; its first draft is start → one village task → end."""
    permissions.require_model_designer(g.user.role)
    values = {"key": request.form.get("key", "").strip(), "name": request.form.get("name", "").strip()}
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        try:
            create_model(values["key"], values["name"], g.actor)
        except (InvalidData, Conflict) as exc:
            errors = getattr(exc, "fields", None) or {"key": str(exc)}
            status = 409 if isinstance(exc, Conflict) else 422
        else:
            return redirect(url_for("designer.editor", key=values["key"]))
    return render_template("designer/new.html", values=values, errors=errors), status


@designer.get("/<key>")
def editor(key: str):
    name = model_name(db.session, key)
    if name is None:
        abort(404)
    data = page_data.editor_data(key, g.user, may_write=_may_write())
    response = render_template("designer/editor.html", key=key, name=name, data=data, may_write=_may_write())
    return response, 200, {"Cache-Control": "no-store"}  # the page carries the user's draft


@designer.post("/<key>/form-preview")
def form_preview(key: str):
    """The form as the inbox draws it, or the reason it cannot be drawn (422)."""
    if (request.content_length or 0) > 4 * MAX_FORM_CHARS:
        return _preview_problem(f"表单过大（最多 {MAX_FORM_CHARS} 字符）", 413)
    body: Any = request.get_json(silent=True)
    text = body.get("schema") if isinstance(body, dict) else None
    if not isinstance(text, str):
        return _preview_problem("请求中没有表单的文本", 400)
    read = read_form(text)
    if read.schema is None:
        return _preview_problem(read.problem or "", 422)
    try:
        fields = build_fields(read.schema, {}, today=engine().today())
    except RecursionError:
        return _preview_problem("嵌套层数过多", 422)
    except (AttributeError, TypeError):  # a valid schema the inbox cannot draw, e.g. a field that is `true`
        return _preview_problem("待办页面无法显示此表单：每个字段都应是写明类型的对象", 422)
    return render_template("designer/_preview.html", fields=fields)


def _preview_problem(message: str, status: int):
    return render_template("designer/_preview.html", problem=message), status


def _may_write() -> bool:
    return g.user.role in permissions.MODEL_DESIGNERS


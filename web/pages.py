"""The browser application: blueprints of every area, CSRF, sessions, and error pages in Chinese."""

from __future__ import annotations

from flask import Flask, Response, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from engine.errors import Conflict, EngineError, Forbidden, InvalidData, NotFound
from web import templating
from web.auth import session as auth_session
from web.extensions import csrf

ERROR_TEXT = {
    400: ("请求无效", "请求的内容不完整或格式不对。"),
    403: ("无权操作", "您的角色无权进行此操作。"),
    404: ("未找到", "页面不存在，或不在您的管辖范围内。"),
    405: ("请求方式错误", "此页面不接受这种请求。"),
    409: ("操作冲突", "数据已被他人修改或任务已被处理，请返回刷新后再试。"),
    413: ("内容过大", "提交的内容（如上传的文件）过大，请缩小后再提交。"),
    422: ("数据有误", "提交的数据有误。"),
    500: ("系统错误", "系统出现错误，已记录。请稍后再试，或联系管理员。"),
}
_ENGINE_STATUS = {NotFound: 404, Forbidden: 403, Conflict: 409, InvalidData: 422}


def init_app(app: Flask) -> None:
    from web.admin.blueprint import admin
    from web.api.blueprint import api
    from web.auth.blueprint import auth
    from web.campaigns.worklist_pages import campaigns  # the campaign pages' blueprint, with the worklist's routes
    from web.cases.blueprint import cases
    from web.dashboard.blueprint import dashboard
    from web.designer.blueprint import designer
    from web.documents.blueprint import documents
    from web.events.blueprint import pages as event_pages
    from web.households.blueprint import households
    from web.inbox.blueprint import inbox
    from web.marking_window_pages import pages as marking_windows
    from web.measures import blueprint as measure_pages
    from web.notices.blueprint import notices
    from web.quality import blueprint as quality_pages

    csrf.init_app(app)
    csrf.exempt(api)  # the API authenticates with bearer tokens, which a foreign site cannot send
    auth_session.init_app(app)
    templating.init_app(app)
    app.register_blueprint(auth)
    areas = (inbox, households, cases, notices, dashboard, admin, documents, measure_pages.measures, marking_windows,
             campaigns, event_pages, designer, quality_pages.quality)
    for blueprint in areas:
        app.register_blueprint(blueprint)
    auth_session.require_login(app, {blueprint.name for blueprint in areas})
    app.add_url_rule("/", "home", lambda: redirect(url_for("inbox.index")))
    app.add_url_rule("/favicon.ico", "favicon", lambda: app.send_static_file("favicon.ico"))  # browsers ask here
    measure_pages.init_app(app)
    quality_pages.init_app(app)
    _register_error_pages(app)
    app.after_request(_refuse_framing)


def _refuse_framing(response: Response) -> Response:
    """No page of ours is ever shown inside another site's frame: a framed 发布 or 迁移 button could be clicked
    through a decoy (clickjacking). Nothing of ours frames a page either (PDFs and print pages open as pages)."""
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Content-Security-Policy", "frame-ancestors 'none'")
    return response


def error_page(status: int, message: str | None = None):
    title, text = ERROR_TEXT.get(status, ERROR_TEXT[400 if status < 500 else 500])
    return render_template("errors/error.html", status=status, title=title, text=message or text), status


def _register_error_pages(app: Flask) -> None:
    from web.api.errors import error_body, http_error, told_reason

    def wants_json() -> bool:
        return request.path.startswith("/api/")

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        if wants_json():
            return http_error(exc)
        return error_page(exc.code or 500)

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError):
        return error_page(400, "页面已过期或来源不明，请返回刷新页面后重新提交。")

    @app.errorhandler(EngineError)
    def _engine(exc: EngineError):
        status = next((s for cls, s in _ENGINE_STATUS.items() if isinstance(exc, cls)), 500)
        return error_page(status, told_reason(exc))

    @app.errorhandler(500)
    def _internal(exc: Exception):
        if wants_json():
            return error_body("internal_error", "系统错误"), 500
        return error_page(500)

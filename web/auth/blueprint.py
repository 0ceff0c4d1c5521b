"""Login and logout pages."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from web.auth.login import log_in
from web.auth.session import end_session, local_path, start_session

auth = Blueprint("auth", __name__)


@auth.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        return render_template("auth/login.html", error=None, username="")
    username = request.form.get("username", "").strip()
    result = log_in(username, request.form.get("password", ""))
    if result.user is not None:
        start_session(result.user)
        return redirect(local_path(request.args.get("next")) or url_for("inbox.index"))
    page = render_template("auth/login.html", error=result.message, username=username)
    if result.retry_after:
        return page, 429, {"Retry-After": str(result.retry_after)}
    return page, 401


@auth.post("/logout")
def logout():
    end_session()
    flash("您已退出登录")
    return redirect(url_for("auth.login"))

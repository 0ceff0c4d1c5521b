"""Login and logout pages."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_user, logout_user

from web.api.auth import authenticate
from web.auth.session import SessionUser

auth = Blueprint("auth", __name__)


@auth.route("/login", methods=["GET", "POST"])
def login():
    error = None
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        user = authenticate(username, request.form.get("password", ""))
        if user is not None:
            login_user(SessionUser(user))
            return redirect(_safe_next(request.args.get("next")))
        error = "用户名或密码错误"
    return render_template("auth/login.html", error=error, username=request.form.get("username", "")), \
        401 if error else 200


@auth.post("/logout")
def logout():
    logout_user()
    flash("您已退出登录")
    return redirect(url_for("auth.login"))


def _safe_next(target: str | None) -> str:
    """Only a path on this site: an open redirect would let a phishing link borrow our login page."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("inbox.index")

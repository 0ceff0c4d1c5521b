"""Login and logout pages."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_user, logout_user

from web.api.auth import authenticate
from web.auth.session import SessionUser, local_path

auth = Blueprint("auth", __name__)


@auth.route("/login", methods=["GET", "POST"])
def login():
    error = None
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        user = authenticate(username, request.form.get("password", ""))
        if user is not None:
            login_user(SessionUser(user))
            return redirect(local_path(request.args.get("next")) or url_for("inbox.index"))
        error = "用户名或密码错误"
    return render_template("auth/login.html", error=error, username=request.form.get("username", "")), \
        401 if error else 200


@auth.post("/logout")
def logout():
    logout_user()
    flash("您已退出登录")
    return redirect(url_for("auth.login"))

"""Logging in and out, session cookies, CSRF and the error pages."""

from __future__ import annotations


def test_login_shows_the_inbox_and_logout_ends_the_session(pages):
    browser = pages("cun")
    inbox = browser.get("/tasks/")
    assert inbox.status_code == 200
    assert "待办任务" in inbox.text and "艾力嘎查" in inbox.text
    assert browser.post("/logout").status_code == 302
    assert browser.get("/tasks/").status_code == 302


def test_a_wrong_password_is_refused_in_chinese(pages):
    browser = pages()
    response = browser.post("/login", {"username": "cun", "password": "wrong-password"})
    assert response.status_code == 401
    assert "用户名或密码错误" in response.text


def test_pages_need_a_login(pages):
    response = pages().get("/households/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/households/")


def test_the_session_cookie_is_httponly_and_samesite(pages):
    browser = pages()
    response = browser.post("/login", {"username": "cun", "password": "secret-pass-1"})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_a_form_without_the_csrf_token_is_refused(pages):
    browser = pages("cun")
    with browser.app.app_context():
        response = browser.client.post("/logout", data={})
    assert response.status_code == 400
    assert "页面已过期或来源不明" in response.text


def test_an_open_redirect_after_login_is_not_followed(pages):
    browser = pages()
    browser.get("/login")
    response = browser.post("/login?next=//evil.example/x", {"username": "cun", "password": "secret-pass-1"})
    assert response.headers["Location"] == "/tasks/"


def test_an_unknown_page_answers_404_in_chinese(pages):
    response = pages("cun").get("/no-such-page")
    assert response.status_code == 404
    assert "未找到" in response.text


def test_changing_the_password_ends_open_sessions(pages, session):
    from monitoring.models import User

    browser = pages("cun")
    user = session.query(User).filter_by(username="cun").one()
    user.set_password("another-pass-2")
    session.commit()
    assert browser.get("/tasks/").status_code == 302

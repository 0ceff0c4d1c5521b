"""Browser sessions are server-side records: logout, a password reset and a deactivation end them for good;
the login page is throttled with a Chinese message; cookies can be marked Secure."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select

from monitoring.models import LoginSession, User
from tests.conftest import PASSWORD
from tests.web.conftest import ApiClient
from web import config
from web.config import ConfigError


def user_id(session, username: str) -> int:
    return session.execute(select(User.id).where(User.username == username)).scalar_one()


def test_logout_ends_exactly_that_session_and_a_replayed_cookie_is_refused(pages):
    browser, phone = pages("cun"), pages("cun")
    cookie = browser.client.get_cookie("session").value
    assert browser.post("/logout").status_code == 302
    browser.client.set_cookie("session", cookie)
    response = browser.get("/tasks/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert phone.get("/tasks/").status_code == 200  # the same user's other session lives on


def test_the_cookie_names_a_random_session_not_the_user_or_the_password(app, pages, session):
    browser = pages("cun")
    user = session.get(User, user_id(session, "cun"))
    record = session.execute(select(LoginSession)).scalar_one()
    cookie = app.session_interface.get_signing_serializer(app).loads(browser.client.get_cookie("session").value)
    assert hashlib.sha256(cookie["_user_id"].encode()).hexdigest() == record.token_sha256
    assert record.user_id == user.id and record.session_version == user.session_version
    digest = user.password_hash.rpartition("$")[2]
    assert not any(digest[i:i + 8] in cookie["_user_id"] for i in range(len(digest) - 7))


def test_a_password_reset_by_a_manager_ends_the_users_sessions_and_tokens(app, pages, session):
    browser, token = pages("cun"), ApiClient(app.test_client(), "cun")
    response = pages("qi").post(f"/admin/users/{user_id(session, 'cun')}/password", {"password": "brand-new-pass"})
    assert response.status_code == 302
    assert browser.get("/tasks/").status_code == 302
    assert token.get("/tasks").status_code == 401
    assert pages().post("/login", {"username": "cun", "password": "brand-new-pass"}).status_code == 302


def test_a_deactivation_ends_sessions_and_tokens_and_reactivating_does_not_revive_them(app, pages, session):
    browser, token = pages("cun"), ApiClient(app.test_client(), "cun")
    manager, url = pages("qi"), f"/admin/users/{user_id(session, 'cun')}/active"
    assert manager.post(url, {"active": "0"}).status_code == 302
    assert manager.post(url, {"active": "1"}).status_code == 302
    assert browser.get("/tasks/").status_code == 302
    assert token.get("/tasks").status_code == 401
    assert pages().post("/login", {"username": "cun", "password": PASSWORD}).status_code == 302


def test_the_login_page_is_throttled_with_the_wait_in_chinese(pages):
    browser = pages()
    for _ in range(5):
        assert browser.post("/login", {"username": "cun", "password": "wrong-password"}).status_code == 401
    response = browser.post("/login", {"username": "cun", "password": PASSWORD})
    assert response.status_code == 429 and response.headers["Retry-After"] == "300"
    assert "登录失败次数过多，请5 分钟后再试" in response.text and 'value="cun"' in response.text


def test_a_session_records_when_it_was_last_seen_and_ends_after_its_lifetime(app, pages, session, clock):
    browser = pages("cun")
    clock.advance(timedelta(minutes=5))
    assert browser.get("/tasks/").status_code == 200
    assert session.execute(select(LoginSession.last_seen_at)).scalar_one() == clock.now()
    clock.advance(app.permanent_session_lifetime - timedelta(minutes=5))
    assert browser.get("/tasks/").status_code == 302


def test_session_cookies_are_secure_when_the_setting_says_so(pages, app, monkeypatch, tmp_path):
    monkeypatch.setenv("FANGPIN_INSTANCE_DIR", str(tmp_path))
    monkeypatch.delenv("FANGPIN_SECURE_COOKIES", raising=False)
    assert config.from_environment()["SESSION_COOKIE_SECURE"] is False
    monkeypatch.setenv("FANGPIN_SECURE_COOKIES", "1")
    assert config.from_environment()["SESSION_COOKIE_SECURE"] is True
    monkeypatch.setenv("FANGPIN_SECURE_COOKIES", "maybe")
    with pytest.raises(ConfigError, match="FANGPIN_SECURE_COOKIES"):
        config.from_environment()
    assert "Secure" not in pages().get("/login").headers["Set-Cookie"]
    app.config["SESSION_COOKIE_SECURE"] = True
    assert "Secure" in pages().get("/login").headers["Set-Cookie"]
